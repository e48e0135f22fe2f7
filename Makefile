# One command builds the book, one runs the tests; both set themselves up first.
#   make book       HTML (_build/html/index.html) and PDF (_build/pdf/book.pdf)
#   make test       every test: data checks, unit tests, nbval over every notebook, built-book checks
#   make notebooks  re-execute every notebook in place (refresh stored outputs after changing data)
#   make bench      time a cold build, warm rebuilds (unchanged, forced), a one-notebook rebuild and the tests
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book html test notebooks bench validate setup clean
.DEFAULT_GOAL := book

setup: $(STAMP) .system-deps

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Not a file target: checking is cheap (dpkg-query) and a new machine must always be checked.
.system-deps:
	tools/install-system-deps
.PHONY: .system-deps

validate: $(STAMP)
	$(BIN)/python -m stemreport.validate

book: setup
	$(BIN)/python -m stemreport.build

html: setup
	$(BIN)/python -m stemreport.build --html-only

test: setup
	$(BIN)/python -m pytest

notebooks: setup
	$(BIN)/python -m stemreport.notebooks

bench: setup
	$(BIN)/python -m stemreport.bench

clean:
	rm -rf _build
