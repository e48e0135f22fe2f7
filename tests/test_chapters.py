"""Chapters from one template, in the toc, with titles from the data; notebook files in canonical form."""
from __future__ import annotations

import json

import nbformat
from stemreport_tools import chapters as templates
from stemreport_tools.notebooks import notebook_paths
from stemreport_tools.toc import toc_docnames

from stemreport import data, vocab


def test_chapters_follow_their_templates(root):
    """Code cells (and the Markdown that is not a chapter's own) are the template's, but for the id."""
    assert templates.check(root) == []


def test_the_template_check_can_fail(root, tmp_path):
    kind, ident, path = templates.chapters(root)[0]
    notebook = nbformat.read(path, as_version=4)
    code = next(c for c in notebook.cells if c.cell_type == "code")
    code.source += "\nprint('drift')"
    assert templates._comparable(notebook) != templates._comparable(
        templates.build(kind, ident, templates.own_cells(notebook), notebook))


def test_every_source_and_theme_has_its_chapter_in_the_toc(root):
    docs = set(toc_docnames(root))
    for kind, ident, path in templates.chapters(root):
        assert path.relative_to(root).with_suffix("").as_posix() in docs, (kind, ident)


def test_source_chapter_titles_come_from_the_data(root):
    for row in data.sources(root).itertuples():
        notebook = nbformat.read(root / f"notebooks/source_{row.source[:3]}.ipynb", as_version=4)
        title = templates.own_cells(notebook)["title"].source
        assert f"# {row.short_id}: {row.working_title}" in title, row.short_id


def test_notebook_files_are_canonical(root):
    """What makes re-execution reproduce the files byte for byte, checked without executing: the stored
    metadata is fixed, no cell carries timing metadata, and execution counts run 1, 2, 3 ... (nbval then
    compares every output of the one execution the test run makes)."""
    for path in notebook_paths(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["metadata"] == templates.KERNEL, path.name
        counts = [c.get("execution_count") for c in notebook["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), (path.name, counts)
        assert [c.get("id") for c in notebook["cells"]] == [f"c{n:02d}" for n in range(len(notebook["cells"]))], \
            f"{path.name}: cell ids must be positional (c00, c01, ...), or nbformat invents random ones"
        for cell in notebook["cells"]:
            assert "execution" not in cell.get("metadata", {}), path.name


def test_theme_vocabulary_and_chapters_agree(root):
    for theme in vocab.CHAPTER_THEMES:
        assert (root / f"{theme.chapter}.ipynb").is_file(), theme.code
