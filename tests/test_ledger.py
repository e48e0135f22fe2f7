"""The ledger as published: every quote marked once, every wrong claim shown with its truth, exports
current, and the reviews' agreement computed from the reviews file."""
from __future__ import annotations

import csv
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
    assert len(records) == (data.claims(root)["verdict"] != "").sum()
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


def test_no_two_verdicts_share_an_underline(monkeypatch):
    """Colour is never the only cue in the marked text: each verdict has its own underline style, and the
    vocabulary's own guard refuses a new verdict that would reuse one."""
    import dataclasses

    import pytest

    assert len({v.underline for v in vocab.VERDICTS}) == len(vocab.VERDICTS)
    twin = dataclasses.replace(vocab.VERDICTS[-1], code="twin", colour="#123456", underline=vocab.VERDICTS[0].underline)
    monkeypatch.setattr(vocab, "VERDICTS", (*vocab.VERDICTS, twin))
    with pytest.raises(ValueError, match="underline"):
        vocab._check()


def _history(root) -> dict[str, tuple[list[str], bool]]:
    """Each checked claim's dates, read straight from the CSVs: its checked_on, the corrections-log rows
    about it and the split that created it (full ISO dates: they compare as text), and whether the log
    has any."""
    with open(root / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        history = {row["claim_id"]: [row["checked_on"]] for row in csv.DictReader(handle) if row["verdict"]}
    logged = set()
    with open(root / "data" / "corrections.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            named = {row["claim_id"]} | (set(re.findall(r"S\d{3}-\d{2}", row["new_value"])) if row["change"] == "split" else set())
            for claim_id in named & set(history):
                history[claim_id].append(row["date"])
                logged.add(claim_id)
    return {claim_id: (dates, claim_id in logged) for claim_id, dates in history.items()}


def test_review_dates_span_each_claims_history(root):
    """datePublished is the review's first publication (earliest of checked_on and its log entries),
    dateModified the latest change, never earlier; the annotations carry the same dates."""
    history = _history(root)
    records = json.loads((root / "data/claimreview.jsonld").read_text(encoding="utf-8"))
    assert {r["identifier"] for r in records} == set(history)
    backwards = [r["identifier"] for r in records if r.get("dateModified", r["datePublished"]) < r["datePublished"]]
    assert not backwards, f"modified before published: {backwards}"
    for record in records:
        published, modified = record["datePublished"], record.get("dateModified")
        dates, logged = history[record["identifier"]]
        assert published == min(dates), record["identifier"]
        assert modified == (max(dates) if logged else None), record["identifier"]
    annotations = json.loads((root / "data/claims.annotations.jsonld").read_text(encoding="utf-8"))["first"]["items"]
    by_id = {r["identifier"]: r for r in records}
    for item in annotations:
        record = by_id[item["id"].rsplit("#", 1)[1]]
        assert item["created"] == record["datePublished"] + "T00:00:00Z"
        assert item.get("modified") == (record["dateModified"] + "T00:00:00Z" if "dateModified" in record else None)


def test_unchecked_claims_are_not_published_as_reviews(data_copy, monkeypatch, tmp_path):
    """A new story's claims, not yet checked (empty verdict), produce no ClaimReview (which would have no
    rating) and no annotation; the checked claims are all still there."""
    from stemreport_tools.new_source import add_metadata, add_seed

    from stemreport import reuse

    text = "Researchers grew a tiny marrow organoid in a dish. It made blood cells for three weeks.\n"
    (tmp_path / "story.txt").write_text(text, encoding="utf-8")
    source = add_seed(data_copy, tmp_path / "story.txt")
    add_metadata(data_copy, source)
    path = data_copy / "data" / "claims.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    quote = "Researchers grew a tiny marrow organoid in a dish"
    row = dict.fromkeys(header, "") | {"claim_id": f"S{source[:3]}-01", "source": source, "quote": quote, "start": "0",
                                       "end": str(len(quote)), "theme": "organoids", "claim": quote + "."}
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([row[c] for c in header])
    monkeypatch.setenv("STEMREPORT_ROOT", str(data_copy))
    assert row["claim_id"] in set(data.claims()["claim_id"])  # the copy is valid and has the unchecked claim
    checked = set(data.claims().query("verdict != ''")["claim_id"])
    records = claimreview.reviews(embedded=False)
    assert {r["identifier"] for r in records} == checked
    assert all("reviewRating" in r and r["reviewRating"]["alternateName"] for r in records)
    assert claimreview.reviews(source) == []
    items = reuse.annotations()["first"]["items"]
    assert {i["id"].rsplit("#", 1)[1] for i in items} == checked
