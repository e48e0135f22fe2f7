"""Markup inside a source is shown as text, never run: a seed and its claim carrying <script> and <b>.

The copy's seed, checksum manifest and claim quote are changed consistently, so the hostile text is
*valid* input (validation has no reason to stop it). The chapter blocks are then rendered from that
copy and parsed by MyST's own docutils parser (markdown-it-py with the book's MyST extensions: the
pipeline Sphinx uses for the book, minus Sphinx), written as HTML, and searched for elements. A full
Sphinx build of the copy would take about a minute and test the same parser, so it is not done here.
"""
from __future__ import annotations

import csv
import hashlib
import re
from html.parser import HTMLParser

import pytest
import yaml
from docutils.core import publish_string
from myst_parser.parsers.docutils_ import Parser

HOSTILE = "<script>alert(1)</script> <b>bold</b> "
SOURCE_PREFIX = "000"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def elements(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """Stand-in for the book's Sphinx roles ({claimtext}, {debris}, ...): like them, it makes a text node
    of the role's content (the part after '|'), so whatever is in a source is shown, never parsed."""
    from docutils import nodes

    return [nodes.inline(rawtext, text.partition("|")[2] or text)], []


def _register_book_roles() -> None:
    from docutils.parsers.rst import roles

    for name in ("claim", "claimtext", "claimmark", "claimback", "verdict", "debris", "ref", "cite:p", "term"):
        roles.register_local_role(name, _text_role)


def render(markdown: str, extensions: list[str]) -> str:
    """MyST Markdown -> HTML through myst-parser's docutils parser (raw HTML is passed through)."""
    _register_book_roles()
    return publish_string(source=markdown, writer_name="html5", parser=Parser(), settings_overrides={
        "myst_enable_extensions": extensions, "report_level": 5, "halt_level": 5, "output_encoding": "unicode",
    })


@pytest.fixture
def hostile_copy(project_copy, monkeypatch):
    """The project copy with the first claim of source 000 (quote and seed alike) starting with HOSTILE."""
    seed = next((project_copy / "seeds").glob(f"{SOURCE_PREFIX}_*.txt"))
    with open(seed, encoding="utf-8", newline="") as handle:
        text = handle.read()
    claims = project_copy / "data" / "claims.csv"
    with open(claims, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    col = {name: header.index(name) for name in ("source", "quote", "start", "end", "claim_id")}
    row = next(r for r in rows[1:] if r[col["source"]] == seed.stem)
    start, end = int(row[col["start"]]), int(row[col["end"]])
    quote = (HOSTILE + row[col["quote"]])[: end - start]  # same length: no other offset moves
    row[col["quote"]] = quote
    with open(claims, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with open(seed, "w", encoding="utf-8", newline="") as handle:
        handle.write(text[:start] + quote + text[end:])
    manifest = project_copy / "data" / "seeds.sha256"
    digest = hashlib.sha256(seed.read_bytes()).hexdigest()
    manifest.write_text("".join(f"{digest}  {seed.name}\n" if line.endswith(f"  {seed.name}") else line + "\n"
                                for line in manifest.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    monkeypatch.setenv("STEMREPORT_ROOT", str(project_copy))
    return project_copy, seed.stem, row[col["claim_id"]]


def test_hostile_seed_is_valid_input(hostile_copy):
    from stemreport.validate import validate_all

    project, source, claim_id = hostile_copy
    claims = validate_all(project)["data/claims.csv"]
    assert claims.loc[claims["claim_id"] == claim_id, "quote"].iloc[0].startswith("<script>")


def test_chapter_blocks_render_markup_as_text(hostile_copy, root):
    from stemreport import chapters

    project, source, _ = hostile_copy
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    extensions = config["parse"]["myst_enable_extensions"]
    # The check can fail: the same pipeline passes unescaped markup straight through as HTML.
    assert {"script", "b"} <= set(elements(render(HOSTILE + "\n\n> " + HOSTILE, extensions)))
    blocks = {"claim cards": chapters.claim_cards(source),
              "marked text": chapters.marked_text(source)}
    for name, block in blocks.items():
        # The book's own directives are Sphinx's; a plain admonition stands in so docutils parses the body.
        markdown = re.sub(r"::::\{claim-card\} \S+", "::::{note}", block._repr_markdown_())
        assert "script" in markdown and "alert" in markdown, f"{name}: the hostile claim is not in this block"
        html = render(markdown, extensions)
        tags = set(elements(html))
        assert not tags & {"script", "b", "iframe", "img"}, f"{name}: markup from the source became {tags}"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"{name}: the text itself must still be shown"


def test_claim_review_json_ld_cannot_close_its_script(hostile_copy):
    from types import SimpleNamespace

    import stemreport_sphinx

    project, source, _ = hostile_copy
    context: dict = {}
    app = SimpleNamespace(config=SimpleNamespace(html_baseurl=""))
    stemreport_sphinx._embed_claim_reviews(app, f"notebooks/source_{SOURCE_PREFIX}", "page.html", context, None)
    tags = context["metatags"]
    assert "alert(1)" in tags
    assert tags.count("</script>") == 1 and tags.rstrip().endswith("</script>")
    assert elements(tags) == ["script"]
