"""``{citation-bibtex}``: the report's BibTeX entry, written from ``CITATION.cff`` at build time.

CITATION.cff is the one home of how to cite the report (title, authors, release date, licence); the
book's "Cite and reuse" block reads it rather than repeating it, so the two cannot drift apart.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def bibtex(cff: dict) -> str:
    """A BibTeX ``@misc`` entry from a parsed CITATION.cff (authors as names or family/given names)."""
    def person(author: dict) -> str:
        if "name" in author:
            return "{" + author["name"] + "}"  # a team: braces keep BibTeX from splitting it into names
        return ", ".join(p for p in (author.get("family-names"), author.get("given-names")) if p)

    year = str(cff["date-released"])[:4]
    fields = [("author", " and ".join(person(a) for a in cff["authors"])), ("title", cff["title"]),
              ("year", year)]
    if cff.get("url"):
        fields.append(("url", cff["url"]))
    if cff.get("license"):
        fields.append(("note", f"Licence {cff['license']}"))
    first = cff["authors"][0]
    key = "".join(ch for ch in (first.get("family-names") or first["name"]).split()[-1].lower() if ch.isalnum()) + year
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


class CitationBibtex(SphinxDirective):
    has_content = False

    def run(self):
        path = Path(self.env.srcdir) / "CITATION.cff"
        self.env.note_dependency(str(path))
        try:
            cff = yaml.safe_load(path.read_text(encoding="utf-8"))
            text = bibtex(cff)
        except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
            raise self.error(f"{path}: cannot write the BibTeX entry ({type(error).__name__}: {error})") from error
        block = nodes.literal_block(text, text, language="bibtex")
        return [block]


def setup(app) -> None:
    app.add_directive("citation-bibtex", CitationBibtex)
