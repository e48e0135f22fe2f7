"""The claim ledger, its fact-checks, the ratings and the JSON-LD export, checked from the data."""
from __future__ import annotations

import json

from markdown_it import MarkdownIt

from stemreport import chapters, claimreview, data, schemas
from stemreport.seeds import load_seed, seed_ids


def test_every_quote_is_verbatim_and_every_source_has_claims(root):
    claims = data.claims(root)
    for row in claims.itertuples():
        assert load_seed(row.source, root)[row.start:row.end] == row.quote, row.claim_id
    assert set(claims["source"]) == set(seed_ids(root))
    assert claims["claim_id"].is_unique


def test_every_claim_is_checked_with_evidence(root):
    claims = data.claims(root)
    assert set(claims["verdict"]) <= set(schemas.VERDICTS), "a claim is unchecked or has an unknown verdict"
    needs_evidence = claims[~claims["verdict"].isin(["unverifiable", "opinion"])]
    assert (needs_evidence["evidence"] != "").all()
    bibliography = data.bibliography(root)
    for keys in claims["evidence"]:
        assert all(k in bibliography for k in filter(None, keys.split(";")))


def test_bibliography_entries_have_doi_or_url(root):
    for key, fields in data.bibliography(root).items():
        assert fields.get("doi") or fields.get("url"), key


def test_ratings_cover_fourteen_criteria_per_source(root):
    ratings = data.ratings(root)
    for source in seed_ids(root):
        assert sorted(ratings.loc[ratings["source"] == source, "criterion"]) == sorted(schemas.RATING_CRITERIA)


def test_score_only_with_seven_evaluable_criteria(root):
    for source in seed_ids(root):
        summary = chapters.rating_summary(source)
        assert (summary["score"] is None) == (summary["evaluable"] < 7)


def test_claimreview_export_is_current_and_complete(root):
    stored = (root / claimreview.OUTPUT).read_text(encoding="utf-8")
    assert stored == claimreview.render(claimreview.reviews()), "run: python -m stemreport.claimreview"
    records = json.loads(stored)
    assert len(records) == len(data.claims(root))
    for record in records:
        assert record["@type"] == "ClaimReview"
        assert record["reviewRating"]["alternateName"] in schemas.VERDICTS
        assert record["itemReviewed"]["@type"] == "Claim"


def test_highlighted_text_marks_every_claim(root):
    """Rendered as MyST would parse it, each claim id appears once and bold runs really are bold."""
    parser = MarkdownIt("commonmark")
    for source in seed_ids(root):
        markdown = chapters.highlighted_text(source).markdown
        tokens = [t for block in parser.parse(markdown) for t in (block.children or [])]
        assert sum(t.type == "strong_open" for t in tokens) >= 1
        assert "**" not in "".join(t.content for t in tokens if t.type == "text"), f"{source}: unparsed bold marker"
        for claim_id in data.claims(root).query("source == @source")["claim_id"]:
            assert f"`{claim_id}`" in markdown or f",{claim_id}`" in markdown or f"`{claim_id}," in markdown


def test_source_markup_cannot_escape_into_the_page():
    text = chapters.escape('<script>alert(1)</script> {cite}`x`')
    html = MarkdownIt("commonmark").render(text)
    assert "<script>" not in html and "&lt;script&gt;" in html
