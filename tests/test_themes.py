"""The theme chapters and the synthesis: every ledger claim of a theme appears in its chapter, every
figure is captioned, labelled and described, and the reference tables link back to the ledger."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nbformat
import pytest

from stemreport import data, vocab

THEME_NOTEBOOK = {t.code: t.chapter.rsplit("/", 1)[1] for t in vocab.CHAPTER_THEMES}


def _stored_outputs(path) -> str:
    notebook = nbformat.read(path, as_version=4)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.extend(str(v) for v in output.get("data", {}).values())
            texts.append(output.get("text", ""))
    return "\n".join(texts)


@pytest.mark.parametrize("theme", sorted(THEME_NOTEBOOK))
def test_theme_chapter_shows_every_claim_of_its_theme(root, theme):
    """Checked against the ledger itself: main theme or related theme, from any source."""
    claims = data.claims(root)
    expected = {row.claim_id for row in claims.itertuples()
                if row.theme == theme or theme in row.related_themes.split(";")}
    assert expected, theme
    stored = _stored_outputs(root / "notebooks" / f"{THEME_NOTEBOOK[theme]}.ipynb")
    shown = set(re.findall(r"S\d{3}-\d{2}", stored))
    assert expected <= shown, sorted(expected - shown)


def test_theme_claims_selects_main_and_related(root):
    claims = data.claims(root)
    for theme in THEME_NOTEBOOK:
        selected = data.theme_claims(theme, root)
        main = claims[claims["theme"] == theme]
        assert set(main["claim_id"]) <= set(selected["claim_id"])
        assert set(selected.loc[selected["role"] == "related", "claim_id"]).isdisjoint(main["claim_id"])


class _Figures(HTMLParser):
    """Collect each <figure>: its id, its <img> alt texts and its caption text."""

    def __init__(self):
        super().__init__()
        self.figures, self._current, self._in_caption = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._current = {"id": attrs.get("id", ""), "alts": [], "caption": ""}
        elif self._current is not None and tag == "img":
            self._current["alts"].append(attrs.get("alt", ""))
        elif self._current is not None and tag == "figcaption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self._in_caption = False
        elif tag == "figure" and self._current is not None:
            self.figures.append(self._current)
            self._current = None

    def handle_data(self, text):
        if self._in_caption:
            self._current["caption"] += text


def _figures_in(page):
    parser = _Figures()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.figures


@pytest.mark.book
def test_every_figure_has_caption_label_and_alt_text(built_book):
    pages = sorted((built_book / "html").rglob("*.html"))
    figures = [(page.name, fig) for page in pages for fig in _figures_in(page)]
    assert len(figures) >= 6, "expected the chapter figures in the built HTML"
    for name, fig in figures:
        assert fig["id"].startswith("fig-"), (name, fig)
        assert fig["caption"].strip(), (name, fig)
        assert fig["alts"] and all(len(alt.strip()) > 20 for alt in fig["alts"]), (name, fig)


@pytest.mark.book
def test_required_cross_source_figures_are_referenced(built_book):
    """The synthesis figures exist, one per theme, and the introduction points readers to one."""
    html = built_book / "html"
    ids = {fig["id"] for page in html.rglob("*.html") for fig in _figures_in(page)}
    required = {"fig-timeline", "fig-msc-approvals", "fig-verdicts-by-source", "fig-claims-by-theme", "fig-ratings",
                "fig-agreement"}
    assert required <= ids, required - ids
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "#fig-ratings" in intro


@pytest.mark.book
def test_source_chapters_link_to_their_theme_chapters(built_book, root):
    """Every theme a source has claims on (main or related) is linked from that source's chapter."""
    claims = data.claims(root)
    for source in data.sources(root)["source"]:
        own = claims[claims["source"] == source]
        topics = set(own["theme"]) | {t for ts in own["related_themes"] for t in ts.split(";") if t}
        page = (built_book / "html" / "notebooks" / f"source_{source[:3]}.html").read_text(encoding="utf-8")
        for theme in topics - {"background"}:
            assert f"{THEME_NOTEBOOK[theme]}.html" in page, (source, theme)


def test_glued_values_read_as_prose(root):
    """A glued number must print as a reader expects ('3.2'), never as a numpy repr ('np.float64(3.2)')."""
    for path in sorted([*(root / "notebooks").glob("*.ipynb"), *(root / "book").glob("*.ipynb")]):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                text = output.get("data", {}).get("application/papermill.record/text/plain", "")
                assert not text.startswith(("np.", "numpy.")), (path.name, text)
