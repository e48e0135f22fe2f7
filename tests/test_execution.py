"""Notebooks execute in parallel before Sphinx, into the cache myst-nb reads; a failure keeps the old book.

Each test uses a copy whose ``_toc.yml`` lists only small notebooks written here, so a kernel or two
start instead of the whole book's.
"""
from __future__ import annotations

import nbformat
import pytest
import yaml
from conftest import assert_previous_book_intact, plant_previous_book, run_module
from jupyter_cache import get_cache
from stemreport_tools import execution

pytestmark = pytest.mark.book


def _small_book(project, notebooks: dict[str, str]) -> list:
    """Point the copy's toc at new one-cell notebooks (name -> code) under notebooks/."""
    paths = []
    for name, code in notebooks.items():
        path = project / "notebooks" / f"{name}.ipynb"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}"),
                                                   nbformat.v4.new_code_cell(code)])
        notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(notebook, path)
        paths.append(path)
    toc = {"format": "jb-book", "root": "book/glossary",
           "chapters": [{"file": f"notebooks/{name}"} for name in notebooks]}
    (project / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return paths


def test_executed_notebooks_are_cache_hits_for_the_build(project_copy):
    first, second = _small_book(project_copy, {"one": "print(1)", "two": "print(2)"})
    assert sorted(execution.execute_stale(project_copy, log=lambda _: None)) == sorted([first, second])
    cache = get_cache(str(execution.settings(project_copy).cache))
    for path in (first, second):
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))  # what myst-nb calls
        _, merged = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
        assert record and merged.cells[1].outputs[0]["text"] in ("1\n", "2\n")
    assert execution.execute_stale(project_copy, log=lambda _: None) == []  # nothing left to run


def test_failing_notebook_stops_build_and_keeps_previous_book(project_copy):
    plant_previous_book(project_copy)
    _small_book(project_copy, {"fine": "print('fine')", "broken": "raise ValueError('planted failure')"})
    result = run_module("stemreport_tools.build", cwd=project_copy, timeout=300)
    assert result.returncode != 0
    assert "notebooks/broken.ipynb: execution failed" in result.stderr
    assert "planted failure" in result.stderr
    assert not (project_copy / "_build" / ".work" / "_build").exists(), "Sphinx ran after a notebook failed"
    assert_previous_book_intact(project_copy)
