# One command builds the book, one runs the tests; both set themselves up first.
#   make book       HTML (_build/html/index.html) and PDF (_build/pdf/book.pdf)
#   make test       every test: data checks, unit tests, nbval over every notebook, built-book checks
#   make notebooks  re-execute every notebook in place (refresh stored outputs after changing data); runs exports first
#   make exports    regenerate data/claimreview.jsonld, claims.annotations.jsonld, datapackage.json and README.md
#   make screenshots  the browser checks again, keeping each page's first screen in _build/screenshots/ for review
#   make bench      time a cold build, warm rebuilds (unchanged, forced), a one-notebook rebuild and the tests
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book html test test-fast lint notebooks exports bench validate setup clean new-source chapters screenshots
.DEFAULT_GOAL := book
# Python keeps compiled modules in __pycache__ (git-ignored, outside the build's fingerprint). Where the
# environment sets PYTHONDONTWRITEBYTECODE (this workplace's does), every process of a run (the test workers,
# each build, each notebook kernel) compiles the project's modules again and pytest rewrites every test
# module's asserts again: about 10 of `make test`'s 230 core-seconds on two cores.
unexport PYTHONDONTWRITEBYTECODE

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
	$(BIN)/python -m stemreport_tools.build

html: setup
	$(BIN)/python -m stemreport_tools.build --html-only

# Everything: lint, data and unit tests, bad inputs, nbval over every notebook, the built book in a browser and
# as a PDF. The pytest command (three workers, longest work first) lives in stemreport_tools.testrun.
test: setup lint
	$(BIN)/python -m stemreport_tools.build
	$(BIN)/python -m stemreport_tools.testrun full

# Seconds: data, units and bad inputs, without building the book or executing notebooks.
test-fast: setup lint
	$(BIN)/python -m stemreport_tools.testrun fast

# Pictures for a person to look at (make test takes none; no check reads them): the first screen of every page
# in light, dark and phone views, in _build/screenshots/. STEMREPORT_SCREENSHOTS=full takes whole desktop pages.
screenshots: setup
	$(BIN)/python -m stemreport_tools.build
	STEMREPORT_SCREENSHOTS=$${STEMREPORT_SCREENSHOTS:-first} $(BIN)/python -m stemreport_tools.testrun full tests/test_browser.py -q

lint: setup
	$(BIN)/ruff check src tools _ext tests notebooks book

# A new story in one command: make new-source SEED=path/to/text.txt
new-source: setup
	$(BIN)/python -m stemreport_tools.new_source "$(SEED)"

# Rebuild every chapter's template cells (tools/templates), keeping each chapter's own prose.
chapters: setup
	$(BIN)/python -m stemreport_tools.chapters

# The generated data files (ClaimReview, Web Annotations, Data Package, data dictionary), written atomically
# and only where they changed; the build refuses to publish stale ones.
exports: setup
	$(BIN)/python -m stemreport_tools.export

notebooks: setup exports
	$(BIN)/python -m stemreport_tools.notebooks

bench: setup
	$(BIN)/python -m stemreport_tools.bench

clean:
	rm -rf _build
