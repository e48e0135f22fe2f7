"""Sphinx tweaks for the book.

- Each source chapter's HTML page embeds its claim reviews as schema.org ClaimReview JSON-LD.
- In print (LaTeX/PDF), code cells tagged ``hide-input`` show only their outputs: the HTML book lets a
  reader unfold the code, paper cannot, so the PDF reads as prose with evidence.
"""
from __future__ import annotations

import re

from docutils import nodes


def _drop_hidden_code(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for cell in list(doctree.findall(nodes.container)):
        if "tag_hide-input" in cell.get("classes", []):
            for child in list(cell.children):
                if "cell_input" in child.get("classes", []):
                    cell.remove(child)


def _embed_claim_reviews(app, pagename, templatename, context, doctree) -> None:
    match = re.fullmatch(r"notebooks/source_(\d{3})", pagename)
    if not match:
        return
    from stemreport import claimreview, data

    source = next(s for s in data.sources()["source"] if s.startswith(match.group(1)))
    payload = claimreview.render(claimreview.reviews(source)).replace("</", "<\\/")  # never close the script early
    context["metatags"] = context.get("metatags", "") + f'\n<script type="application/ld+json">{payload}</script>\n'


def setup(app):
    app.connect("doctree-resolved", _drop_hidden_code)
    app.connect("html-page-context", _embed_claim_reviews)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
