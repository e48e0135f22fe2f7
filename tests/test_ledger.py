"""The ledger as published: every quote marked once, every wrong claim shown with its truth, exports
current, and the reviews' agreement computed from the reviews file."""
from __future__ import annotations

import json
import re

from conftest import run_module

from stemreport import chapters, claimreview, data, metrics, reports, summary, themes, vocab
from stemreport.seeds import seed_ids


def test_this_edition_checks_every_claim_of_every_story(root):
    """Validation allows a new story with unchecked claims; this edition has none left."""
    claims = data.claims(root)
    assert set(claims["source"]) == set(seed_ids(root))
    assert (claims["verdict"] != "").all()


def test_marked_text_tags_every_claim_once(root):
    for source in seed_ids(root):
        markdown = chapters.marked_text(source).markdown
        for claim_id in data.source_claims(source, root)["claim_id"]:
            assert markdown.count(f"{{claimmark}}`{claim_id}`") == 1, claim_id
            assert f"`{claim_id}|" in markdown or f"``{claim_id}|" in markdown, claim_id


def test_every_claim_has_one_card(root):
    for source in seed_ids(root):
        cards = chapters.claim_cards(source).markdown
        for claim_id in data.source_claims(source, root)["claim_id"]:
            assert cards.count(f"::::{{claim-card}} {claim_id}\n") == 1, claim_id


def test_wrong_claims_are_shown_with_their_truth(root):
    """Wherever the book lists errors (verdict boxes, theme bottom lines, conclusions), each carries its
    correction beside it."""
    wrong = metrics.wrong(data.claims(root))
    blocks = [chapters.verdict_box(s).markdown for s in seed_ids(root)]
    blocks += [themes.bottom_line(t.code).markdown for t in vocab.CHAPTER_THEMES]
    blocks.append(summary.main_errors().markdown)
    for claim in wrong.itertuples():
        shown = [b for b in blocks if f"{{claim}}`{claim.claim_id}`" in b]
        assert shown, f"{claim.claim_id} is wrong but appears in no error list"
        for block in shown:
            line = next(row for row in block.splitlines() if f"{{claim}}`{claim.claim_id}`" in row)
            assert "**True:**" in line, (claim.claim_id, line)


def test_agreement_is_computed_from_the_reviews(root):
    reviews = data.reviews(root)
    table = reviews.pivot(index="claim_id", columns="reviewer", values="verdict")
    agree = int((table["A"] == table["B"]).sum())
    values = reports.agreement_values()
    assert values["n_agree"] == f"{agree} claims"
    assert values["n_reviewed"] == f"{len(data.claims(root))} claims"
    assert 0 < float(values["kappa"]) <= 1


def test_generated_data_files_are_current(root):
    result = run_module("stemreport_tools.export", "--check", cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr


def test_claimreview_records_resolve_to_cards(root):
    records = json.loads((root / "data/claimreview.jsonld").read_text(encoding="utf-8"))
    assert len(records) == len(data.claims(root))
    for record in records:
        assert record["@type"] == "ClaimReview" and record["url"] == record["@id"]
        assert re.fullmatch(r"notebooks/source_\d{3}\.html#S\d{3}-\d{2}", record["@id"]), record["@id"]
        rating = record["reviewRating"]
        assert rating["alternateName"] in {v.rating_name for v in vocab.VERDICTS}
        if "ratingValue" in rating:
            assert claimreview.WORST <= rating["ratingValue"] <= claimreview.BEST
        assert record["itemReviewed"]["author"]["name"]


def test_most_consequential_error_follows_the_rule(root):
    """The stated rule, checked from the ledger: an error on the story's main theme if there is one (else any
    error, else an overstatement on the main theme), and the first such in reading order."""
    for source in seed_ids(root):
        claims = data.source_claims(source, root).sort_values("start")
        main = data.source_row(source, root).theme_list[0]
        wrong = metrics.wrong(claims)
        pools = [wrong[wrong["theme"] == main], wrong,
                 claims[(claims["verdict"] == "partly_supported") & (claims["theme"] == main)]]
        expected = next((pool.iloc[0].claim_id for pool in pools if len(pool)), None)
        error = chapters.most_consequential_error(source)
        assert (error.claim_id if error is not None else None) == expected, source


def test_verdict_box_puts_counts_and_the_worst_errors_first(root):
    """Bottom line first: the counts and the rating come before the errors, the errors (or, with none, the
    overstatements) are ranked with the intro's rule, only the first few stand open, and what the story
    gets right comes last."""
    for source in seed_ids(root):
        box = chapters.verdict_box(source).markdown
        order = [box.index(k) for k in ("**The story.**", "**Verdicts.**", "**As reporting.**", "**What it gets wrong",
                                         "**What it gets right.**")]
        assert order == sorted(order), source
        listed = re.findall(r"^- \{claim\}`(S\d{3}-\d{2})`", box, re.M)
        ranked = chapters.ranked_errors(source)
        if not len(ranked):
            ranked = chapters.ranked_overstatements(source)
        assert listed == list(ranked["claim_id"]), source
        if len(listed):
            assert listed[0] == chapters.most_consequential_error(source).claim_id
        opened = box.split("{dropdown}")[0]
        assert len(re.findall(r"^- \{claim\}", opened, re.M)) == min(len(listed), chapters.BOX_ERRORS), source


def test_marked_text_opens_with_a_key_to_its_verdicts(root):
    for source in seed_ids(root):
        markdown = chapters.marked_text(source).markdown
        key = markdown.split("\n\n")[0]
        assert key.startswith("**Key.**"), source
        for code in set(data.source_claims(source, root)["verdict"]):
            verdict = vocab.verdict(code)
            assert f"{{verdict}}`{verdict.code}`" in key and f"{verdict.label.lower()} {verdict.underline}" in key, (source, code)


def test_no_two_verdicts_share_an_underline():
    """Colour is never the only cue in the marked text: each verdict has its own underline style."""
    assert len({v.underline for v in vocab.VERDICTS}) == len(vocab.VERDICTS)
