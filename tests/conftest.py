"""Shared fixtures: the real project root, disposable copies of it for bad-input cases, the built book."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", "*.egg-info", ".ipynb_checkpoints")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build (or incrementally rebuild) the real book once per test session; returns ``_build``.

    Shared by every module that checks the built book (test_build, test_browser, test_pdf).
    """
    result = subprocess.run([PYTHON, "-m", "stemreport.build"], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return ROOT / "_build"


def toc_docnames() -> list[str]:
    """Every document of the book in reading order, from ``_toc.yml``.

    Read at collection time, so tests that take one page each are parametrized from the real toc and a
    new chapter is checked without editing any test.
    """
    from stemreport.notebooks import toc_docnames as from_toc

    return from_toc(ROOT)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project (sources, data, notebooks; no venv or build) to break on purpose."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    return copy


def run_module(module: str, *args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python -m module`` against the project at ``cwd`` (which the package finds via env)."""
    env = dict(os.environ, STEMREPORT_ROOT=str(cwd))
    return subprocess.run([PYTHON, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


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
