"""Sphinx tweaks for the book.

- In print (LaTeX/PDF), code cells tagged ``hide-input`` show only their outputs: the HTML book lets a
  reader unfold the code, paper cannot, so the PDF reads as prose with evidence.
"""
from __future__ import annotations

from docutils import nodes


def _drop_hidden_code(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for cell in list(doctree.findall(nodes.container)):
        if "tag_hide-input" in cell.get("classes", []):
            for child in list(cell.children):
                if "cell_input" in child.get("classes", []):
                    cell.remove(child)


def setup(app):
    app.connect("doctree-resolved", _drop_hidden_code)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
