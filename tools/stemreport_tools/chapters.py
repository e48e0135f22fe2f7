"""Chapters from one template: every source chapter, and every theme chapter, shares one skeleton.

A chapter notebook is its template (``tools/templates/source.json`` or ``theme.json``) with the source id
or theme filled in, plus the chapter's own prose: the cells tagged ``own:<name>`` in their metadata
(``{"stemreport": "own:story"}``). Code cells, and the Markdown cells that are not the chapter's own,
come from the template, so they are identical across chapters but for the id (a test checks this).

    python -m stemreport_tools.chapters sync       # rebuild every chapter's template cells, keeping its own prose
    python -m stemreport_tools.chapters check      # exit 1 if any chapter differs from its template

New sources get their chapter from ``stemreport_tools.new_source``.
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import nbformat

from stemreport.paths import project_root

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def template(kind: str) -> list[dict]:
    return json.loads((TEMPLATES / f"{kind}.json").read_text(encoding="utf-8"))["cells"]


def substitutions(kind: str, ident: str) -> dict[str, str]:
    if kind == "source":
        return {"{{SOURCE}}": ident, "{{NNN}}": ident[:3]}
    from stemreport import vocab

    theme = vocab.THEME[ident]
    label = theme.chapter.rsplit("/", 1)[1].replace("_", "-")
    return {"{{THEME}}": ident, "{{LABEL}}": label, "{{SLUG}}": label.removeprefix("theme-")}


def _fill(text: str, subs: dict[str, str]) -> str:
    for key, value in subs.items():
        text = text.replace(key, value)
    return text


def own_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["stemreport"].removeprefix("own:"): c for c in notebook.cells
            if str(c.metadata.get("stemreport", "")).startswith("own:")}


def build(kind: str, ident: str, own: dict[str, str | nbformat.NotebookNode],
          previous: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The chapter notebook: template cells filled in, own cells taken from ``own`` (text or cells).
    Outputs of unchanged code cells are kept from ``previous`` so a sync never discards results."""
    subs = substitutions(kind, ident)
    old_code = {c.source: c for c in (previous.cells if previous else []) if c.cell_type == "code"}
    cells = []
    for spec in template(kind):
        if "own" in spec:
            name = spec["own"]
            value = own.get(name, _fill(spec.get("placeholder", ""), subs))
            cell = copy.deepcopy(value) if isinstance(value, nbformat.NotebookNode) else nbformat.v4.new_markdown_cell(value)
            cell.metadata = {"stemreport": f"own:{name}"}
            cells.append(cell)
            continue
        source = _fill("".join(spec["source"]), subs)
        if spec["cell_type"] == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata = copy.deepcopy(spec.get("metadata", {}))
        if source in old_code:
            cell.outputs = old_code[source].outputs
            cell.execution_count = old_code[source].execution_count
        cells.append(cell)
    return canonical(nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(KERNEL)))


def canonical(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cell ids by position (``c00``, ``c01``, ...): stable across saves (nbformat would otherwise invent
    random ones for cells without an id)."""
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for n, cell in enumerate(notebook.cells):
        cell["id"] = f"c{n:02d}"
    return notebook


def chapters(root: Path | None = None) -> list[tuple[str, str, Path]]:
    """(kind, id, path) of every templated chapter: one per source and one per theme with a chapter."""
    from stemreport import data, vocab

    root = root or project_root()
    found = [("source", s, root / f"notebooks/source_{s[:3]}.ipynb") for s in data.sources(root)["source"]]
    found += [("theme", t.code, root / f"{t.chapter}.ipynb") for t in vocab.CHAPTER_THEMES]
    return found


def _comparable(notebook: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]


def check(root: Path | None = None) -> list[str]:
    problems = []
    for kind, ident, path in chapters(root):
        if not path.is_file():
            problems.append(f"{path.name}: missing (the {kind} {ident} has no chapter)")
            continue
        current = nbformat.read(path, as_version=4)
        expected = build(kind, ident, own_cells(current), current)
        if _comparable(current) != _comparable(expected):
            problems.append(f"{path.relative_to(root or project_root())}: differs from tools/templates/{kind}.json "
                            f"(run: python -m stemreport_tools.chapters sync)")
    return problems


def sync(root: Path | None = None) -> list[Path]:
    written = []
    for kind, ident, path in chapters(root):
        previous = nbformat.read(path, as_version=4) if path.is_file() else None
        notebook = build(kind, ident, own_cells(previous) if previous else {}, previous)
        if previous is None or _comparable(previous) != _comparable(notebook):
            nbformat.write(notebook, path)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    if argv[:1] == ["check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path in sync():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
