"""Same inputs, same bytes: figures, and the build's "nothing changed" decision.

Notebooks are executed once per test run, by nbval, which compares every output strictly with the
stored one (figures included: SVG and PDF are text it compares); test_chapters checks the rest of what
makes ``make notebooks`` reproduce the files byte for byte (fixed metadata, positional cell ids,
sequential execution counts). Here:

- stored figures carry no dates or times;
- the build skips work only when no input changed: every kind of input moves the fingerprint, and
  tools or tests do not re-execute notebooks.
"""
from __future__ import annotations

import base64
import json
import re

import pytest
import yaml
from conftest import run_module
from stemreport_tools import build
from stemreport_tools.notebooks import notebook_paths
from stemreport_tools.toc import toc_notebooks

_DATE = re.compile(rb"\d{4}[-:/]\d\d[-:/]\d\d|\d\d:\d\d:\d\d")


def _png_text_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(png):
        length = int.from_bytes(png[offset:offset + 4], "big")
        kind = png[offset + 4:offset + 8]
        chunks.append((kind, png[offset + 8:offset + 8 + length]))
        offset += 12 + length
    return chunks


def test_stored_figures_carry_no_timestamps(root):
    figures = 0
    for path in notebook_paths(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                where = f"{path.relative_to(root)}, cell {cell.get('id')}"
                if "image/png" in data:
                    figures += 1
                    for kind, body in _png_text_chunks(base64.b64decode(data["image/png"])):
                        assert kind != b"tIME", f"{where}: PNG has a modification time"
                        if kind in (b"tEXt", b"iTXt", b"zTXt"):
                            assert not _DATE.search(body), f"{where}: PNG text chunk {body[:80]!r} has a date"
                if "image/svg+xml" in data:  # matplotlib stamps SOURCE_DATE_EPOCH, which style.apply pins to 0
                    figures += 1
                    svg = "".join(data["image/svg+xml"]).encode()
                    assert {m.group() for m in _DATE.finditer(svg)} <= {b"1970-01-01", b"00:00:00", b"1999/02/22"}, f"{where}: SVG date"  # 1999/02/22: the RDF namespace
                if "application/pdf" in data:
                    figures += 1
                    pdf = base64.b64decode(data["application/pdf"])
                    dates = re.findall(rb"/CreationDate \(D:(\d+)", pdf)
                    assert dates and all(d.startswith(b"19700101") for d in dates), f"{where}: PDF date {dates}"
    assert figures, "no stored figures found: the check would check nothing"


def test_notebooks_are_found_from_the_toc(project_copy):
    """A notebook chapter outside notebooks/ (book/*.ipynb), listed in _toc.yml, is executed and built."""
    toc_path = project_copy / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    toc["parts"][-1]["chapters"].append({"file": "book/extra_chapter"})
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    extra = project_copy / "book" / "extra_chapter.ipynb"
    extra.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert extra in toc_notebooks(project_copy)
    assert extra in notebook_paths(project_copy)
    assert set(toc_notebooks(project_copy)) >= {p for p in (project_copy / "notebooks").glob("*.ipynb")}


# --- the "nothing changed" skip -------------------------------------------------------------------

EPOCH = "1767225600"


def _change(path):
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        notebook["cells"].append({"cell_type": "markdown", "id": "added", "metadata": {}, "source": "More."})
        path.write_text(json.dumps(notebook), encoding="utf-8")
    else:
        path.write_bytes(path.read_bytes() + b"\n")


INPUTS = ["book/glossary.md", "book/intro.ipynb", "_config.yml", "_toc.yml", "references.bib", "data/claims.csv",
          "data/seeds.sha256", "src/stemreport/chapters.py", "_ext/stemreport_sphinx/__init__.py",
          "tools/templates/source.json", "_static/stemreport.js", "vendor/simple-datatables/simple-datatables.js"]


@pytest.mark.parametrize("name", INPUTS + ["a notebook", "a new static file", "a seed"])
def test_any_input_change_moves_the_fingerprint(project_copy, name):
    before = build.book_fingerprint(project_copy, EPOCH)
    if name == "a notebook":
        _change(toc_notebooks(project_copy)[0])
    elif name == "a new static file":
        (project_copy / "book" / "_static").mkdir(exist_ok=True)
        (project_copy / "book" / "_static" / "extra.css").write_text("p {}", encoding="utf-8")
    elif name == "a seed":
        _change(next((project_copy / "seeds").glob("*.txt")))
    else:
        _change(project_copy / name)
    assert build.book_fingerprint(project_copy, EPOCH) != before
    assert build.book_fingerprint(project_copy, str(int(EPOCH) + 86400)) != build.book_fingerprint(project_copy, EPOCH)


def test_only_the_library_data_and_seeds_invalidate_the_notebook_cache(project_copy):
    """Notebooks read the report library, the data, the seeds and the bibliography: editing a tool, the
    Sphinx extension or a template rebuilds the book (Sphinx) but must not re-execute a notebook."""
    before = build.inputs_fingerprint(project_copy)
    for path in ("tools/stemreport_tools/bench.py", "_ext/stemreport_sphinx/__init__.py", "tools/templates/theme.json"):
        _change(project_copy / path)
    assert build.inputs_fingerprint(project_copy) == before
    _change(project_copy / "src/stemreport/metrics.py")
    assert build.inputs_fingerprint(project_copy) != before


def test_outputs_and_tests_do_not_move_the_fingerprint(project_copy):
    before = build.book_fingerprint(project_copy, EPOCH)
    (project_copy / "_build" / "html").mkdir(parents=True)
    (project_copy / "_build" / "html" / "index.html").write_text("built", encoding="utf-8")
    (project_copy / "tests" / "test_new.py").write_text("", encoding="utf-8")
    (project_copy / "src" / "stemreport" / "__pycache__").mkdir(exist_ok=True)
    (project_copy / "src" / "stemreport" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    for cache in (".ruff_cache", ".mypy_cache", "notebooks/.ipynb_checkpoints"):  # tools' caches, hidden folders
        (project_copy / cache).mkdir(parents=True, exist_ok=True)
        (project_copy / cache / "state").write_text("changed on every run", encoding="utf-8")
    assert build.book_fingerprint(project_copy, EPOCH) == before


def test_unchanged_inputs_keep_the_book_and_any_change_rebuilds(project_copy, monkeypatch):
    """The CLI keeps a book built from the same inputs, and only that book."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    html, pdf = project_copy / "_build" / "html", project_copy / "_build" / "pdf"
    html.mkdir(parents=True)
    pdf.mkdir()
    (html / "index.html").write_text("current book", encoding="utf-8")
    (pdf / "book.pdf").write_bytes(b"%PDF current book")
    published = build.Published(project_copy)
    assert not build.book_is_current(project_copy)  # nothing published from these inputs yet
    for output in ("html", "pdf"):
        published.record(output, build.book_fingerprint(project_copy, EPOCH))
    assert build.book_is_current(project_copy)  # what the tests' fixture asks before starting a build

    result = run_module("stemreport_tools.build", cwd=project_copy, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "nothing changed since the last build" in result.stdout
    assert not (project_copy / "_build" / ".work" / "_build").exists()  # no Sphinx, no notebook ran

    assert published.current(["html", "pdf"], build.book_fingerprint(project_copy, EPOCH))
    (pdf / "book.pdf").write_bytes(b"%PDF edited by hand")
    assert not published.current(["html", "pdf"], build.book_fingerprint(project_copy, EPOCH))
    assert not build.book_is_current(project_copy)
    assert published.current(["html"], build.book_fingerprint(project_copy, EPOCH))
    _change(project_copy / "book" / "glossary.md")
    assert not published.current(["html"], build.book_fingerprint(project_copy, EPOCH))


def test_source_date_epoch_is_pinned(project_copy, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert build.source_date_epoch(project_copy) == EPOCH
    assert build.build_env(EPOCH)["SOURCE_DATE_EPOCH"] == EPOCH
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert int(build.source_date_epoch(project_copy)) % 86400 == 0  # no git in the copy: a day, not the clock
