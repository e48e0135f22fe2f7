"""Blocks of the book's reference pages: every claim, the changes log, and the method's tables and agreement.

Every table here is built from the data and the vocabulary, so the method page's verdict table is the
vocabulary itself, and its agreement figures are the reviews file's.
"""
from __future__ import annotations

import re

import pandas as pd

from stemreport import data, metrics, vocab, words
from stemreport.chapters import badge, ref, shorten, story
from stemreport.tables import MarkdownTable, Markup, escape, linked


def claim_count() -> int:
    return len(data.claims())


def all_claims_table() -> MarkdownTable:
    """Every claim in one table; in HTML the book's script adds filters (story, theme, verdict) and search."""
    claims = data.claims().sort_values(["source", "start"])
    frame = pd.DataFrame({
        "Claim": [ref(c) for c in claims["claim_id"]],
        "Story": [f"{data.short_id(s)}, {data.source_row(s).short_title}" for s in claims["source"]],
        "Theme": claims["theme"].map(lambda t: vocab.THEME[t].label),
        "Verdict": [vocab.verdict(v).label for v in claims["verdict"]],
        "The text says": claims["claim"],
        "What is true": [c or "\u2014" for c in claims["correction"]],
    })
    return MarkdownTable(frame, "Every claim in the ledger (data/claims.csv).", "tbl-all-claims",
                         widths=[15, 13, 11, 11, 25, 25], classes=("all-claims",))


def changes_summary() -> dict[str, str]:
    log = data.corrections()
    return {"n_changes": words.count(len(log), "logged change", words=False),
            "n_claims_changed": words.count(log["claim_id"].nunique(), "claim id", words=False)}


DASH = "\u2014"
_CHANGE_LABEL = {"verdict": "verdict", "split": "split", "retired": "retired", "text": "restatement", "quote": "quote",
                 "added": "added", "evidence": "evidence", "correction": "correction"}


def changes_table() -> MarkdownTable:
    log = data.corrections()
    frame = pd.DataFrame({
        "Date": [d.iso() for d in log["date"]],
        "Claim": [ref(c) for c in log["claim_id"]],
        "Change": log["change"].map(_CHANGE_LABEL),
        "Old \u2192 new": [Markup(f"{_value(o, k)} \u2192 "
                                  + (" ".join(ref(c.strip()) for c in n.split(";")) if k == "split" else _value(n, k)))
                           for o, n, k in zip(log["old_value"], log["new_value"], log["change"])],
        "Why": [linked(shorten(r, 220)) for r in log["reason"]],
    })
    return MarkdownTable(frame, "Every change to the ledger (data/corrections.csv).", "tbl-changes",
                         widths=[11, 18, 11, 32, 28], classes=("changes-log",))


def _value(value: str, change: str) -> str:
    """An old or new value as the changes table shows it: a bare address as a link; a verdict as its
    badge; evidence keys as citations (a link to the bibliography entry), or, for a source since dropped
    from the bibliography, its key in plain words (a code span cannot break in a narrow printed column);
    anything else shortened."""
    if re.fullmatch(r"https?://\S+", value):
        return f"<{value}>"
    if change == "verdict" and value in vocab.VERDICT:
        return badge(value)
    if change == "evidence" and value:
        cited = data.bibliography()
        return "; ".join(f"{{cite:t}}`{key}`" if key in cited else f"{escape(key)} (dropped)"
                         for key in (k.strip() for k in value.split(";")) if key)
    return escape(shorten(_spaced(value), 120)) or DASH


def _spaced(value: str) -> str:
    """Key lists ('a;b;c') with a space after each semicolon, so a narrow column can break them."""
    return value.replace(";", "; ")


# --------------------------------------------------------------------------- the method page

def verdicts_table() -> MarkdownTable:
    frame = pd.DataFrame({
        "Verdict": [badge(v.code) for v in vocab.VERDICTS],
        "Means": [v.definition for v in vocab.VERDICTS],
        "Needs evidence": ["yes" if v.needs_evidence else "no" for v in vocab.VERDICTS],
        "Needs a correction": ["yes" if v.needs_correction else "no" for v in vocab.VERDICTS],
        "Rating (1-5)": [str(v.rating_value) if v.rating_value else "none" for v in vocab.VERDICTS],
    })
    return MarkdownTable(frame, "The verdict scale (stemreport.vocab): what each verdict means, whether it needs "
                         "evidence and a correction, and its value on the ClaimReview scale.", "tbl-verdicts",
                         widths=[18, 50, 10, 11, 11])


def criteria_table() -> MarkdownTable:
    frame = pd.DataFrame({
        "Criterion": [c.label for c in vocab.CRITERIA],
        "From": [c.family for c in vocab.CRITERIA],
        "Applies to": [c.applies_to for c in vocab.CRITERIA],
    })
    return MarkdownTable(frame, "The rating criteria and when each applies; elsewhere a criterion is rated 'not "
                         "applicable', with a reason.", "tbl-criteria", widths=[32, 24, 44])


def agreement_values() -> dict[str, str]:
    result = metrics.agreement(data.reviews())
    return {"n_reviewed": words.count(result["n"], "claim", words=False),
            "n_agree": words.count(result["agree"], "claim", words=False),
            "n_disagree": words.count(result["disagree"], "claim", words=False),
            "percent_agree": f"{result['percent']:.0%}", "kappa": f"{result['kappa']:.2f}",
            "top_disagreement": _top_disagreement()}


def _top_disagreement() -> str:
    found = metrics.top_disagreement(data.reviews())
    if found is None:
        return "none"
    (first, second), n = found
    return f"{n} between {vocab.verdict(first).label.lower()} and {vocab.verdict(second).label.lower()}"


AUDIT_MARKER = "Expert audit"
"""How the corrections log marks a change made by the expert audit that followed the two reviews: the
method page counts the audit's changes from the log by this mark, so its figures cannot drift from it."""


def audit_values() -> dict[str, str]:
    counts = metrics.audit_counts(data.corrections(), AUDIT_MARKER)
    return {"audit_verdicts": words.count(counts["verdicts"], "verdict", words=False),
            "audit_splits": words.count(counts["splits"], "row", words=False),
            "audit_added": words.count(counts["found"], "claim", words=False)}


def adjudications_table() -> MarkdownTable:
    reviews = data.reviews()
    table = reviews.pivot(index="claim_id", columns="reviewer", values="verdict")
    reasons = reviews[reviews["reviewer"] == "adjudication"].set_index("claim_id")["note"]
    rows = table[table["A"] != table["B"]].reset_index()
    frame = pd.DataFrame({
        "Claim": [ref(c) for c in rows["claim_id"]],
        "First reviewer": [badge(v) for v in rows["A"]],
        "Second (blind)": [badge(v) for v in rows["B"]],
        "Adjudicated": [badge(v) for v in rows["adjudication"]],
        "Why": [linked(reasons[c]) for c in rows["claim_id"]],
    })
    return MarkdownTable(frame, "Every disagreement between the two reviewers, and how it was settled "
                         "(data/reviews.csv).", "tbl-adjudications", widths=[17, 18, 18, 18, 29])


def review_story(source: str) -> Markup:
    return story(source)
