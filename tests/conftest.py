"""Shared fixtures: the real project root, disposable copies of it, the built book.

Markers (see pyproject.toml): ``book`` tests need the built book (HTML and PDF), a real Sphinx run or kernels;
``make test-fast`` runs everything else (data, units, bad inputs) without building anything.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", "*.egg-info", ".ipynb_checkpoints",
                                     ".ruff_cache", "node_modules")
# What validation reads: a copy of just these is enough for a bad-input case (and takes milliseconds).
DATA_PARTS = ("data", "seeds", "references.bib", "_config.yml")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build (or find current) the real book once; returns ``_build``.

    A book already current (``build.book_is_current``, asked in-process) is returned at once. Otherwise,
    under pytest-xdist several workers may ask at once: a file lock makes the first build it and the
    others wait, then find it current (the build's "nothing changed" check) and return at once.
    """
    from stemreport_tools.build import book_is_current

    if book_is_current(ROOT):  # the usual case (make test builds first): no build process, no waiting on the lock
        return ROOT / "_build"
    lock = ROOT / "_build" / ".test-build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = subprocess.run([PYTHON, "-m", "stemreport_tools.build"], cwd=ROOT, capture_output=True, text=True,
                                timeout=1800)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return ROOT / "_build"


def toc_docnames() -> list[str]:
    """Every document of the book in reading order, from ``_toc.yml`` (read at collection time, so tests
    that take one page each cover a new chapter without editing any test)."""
    from stemreport_tools.toc import toc_docnames as from_toc

    return from_toc(ROOT)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the whole project (sources, data, notebooks; no venv or build) to break on purpose."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    return copy


def copy_inputs(target: Path) -> Path:
    """Copy only what validation reads (data, seeds, bibliography, config) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in DATA_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def data_copy(tmp_path) -> Path:
    return copy_inputs(tmp_path / "inputs")


def run_module(module: str, *args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python -m module`` against the project at ``cwd`` (which the package finds via env)."""
    env = dict(os.environ, STEMREPORT_ROOT=str(cwd))
    return subprocess.run([PYTHON, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


# MyST roles the book uses: their source must never reach a reader (HTML: test_build; PDF: test_pdf).
ROLE_NAMES = r"(?:ref|claim|numref|cite|glue|doc|term|eq)(?::\w+)?"

PREVIOUS_HTML = "previous good book"
PREVIOUS_PDF = b"%PDF previous good book"


def plant_previous_book(project: Path) -> None:
    """Put a recognisable "last good book" where the build publishes, to check a failed build keeps it."""
    html = project / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text(PREVIOUS_HTML, encoding="utf-8")
    pdf = project / "_build" / "pdf"
    pdf.mkdir()
    (pdf / "book.pdf").write_bytes(PREVIOUS_PDF)


def assert_previous_book_intact(project: Path) -> None:
    assert sorted(p.relative_to(project / "_build").as_posix() for p in (project / "_build").rglob("*")
                  if p.is_file() and ".work" not in p.parts and ".jupyter_cache" not in p.parts) \
        == ["html/index.html", "pdf/book.pdf"]
    assert (project / "_build/html/index.html").read_text(encoding="utf-8") == PREVIOUS_HTML
    assert (project / "_build/pdf/book.pdf").read_bytes() == PREVIOUS_PDF


# ------------------------------------------------------------------------------------- order of work
# `make test` runs three pytest-xdist workers with ``--dist loadscope --no-loadscope-reorder``: each scope (a
# module, a class, a notebook) goes to one worker, handed out in the order below, the next to whichever
# worker frees up first. The longest scopes start first so that no worker is left with a long one at
# the end while the others idle: the sixth-source book (it builds a whole copy of the book), then the
# browser's pages, biggest first (a page's axe-core time grows with its size). Everything else
# keeps pytest's order. Order changes only when a test runs, never what it checks.
LONGEST_FIRST = ("tests/test_new_source.py",)


def _work_order(item) -> tuple[int, int]:
    module = item.nodeid.split("::", 1)[0]
    if module in LONGEST_FIRST:
        return 0, LONGEST_FIRST.index(module)
    pages = getattr(item.cls, "PAGES", None) if module == "tests/test_browser.py" else None
    if pages:
        built = ROOT / "_build" / "html" / pages[0]
        return 1, -(built.stat().st_size if built.is_file() else 0)
    return 2, 0


def pytest_collection_modifyitems(config, items):
    items.sort(key=_work_order)  # stable: tests within a scope keep their order
