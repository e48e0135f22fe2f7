"""Every number the book derives from the ledger, computed in one place.

Shares of verdicts, the reporting score, staleness and the agreement between the two reviewers are
defined here once; chapters, figures, the introduction and the conclusions all call these functions,
so "share fully supported" means the same thing on every page.
"""
from __future__ import annotations

from collections import Counter

import pandas as pd

from stemreport import vocab


def verdict_counts(claims: pd.DataFrame) -> dict[str, int]:
    """Claims per verdict, in vocabulary order, plus ``not_checked`` (empty verdicts)."""
    counts = Counter(claims["verdict"].replace("", vocab.NOT_CHECKED.code))
    return {v.code: int(counts.get(v.code, 0)) for v in (*vocab.VERDICTS, vocab.NOT_CHECKED)}


def checkable(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims that state facts (opinions excluded), checked or not.

    The mask is a boolean Series, not a list: a story with no claims yet gives an empty list, and
    ``frame[[]]`` selects no *columns*, which broke every chapter of a newly added story."""
    return claims[claims["verdict"].map(lambda v: vocab.verdict(v).checkable).astype(bool)]


def checked(claims: pd.DataFrame) -> pd.DataFrame:
    return claims[claims["verdict"] != ""]


def share(claims: pd.DataFrame, codes: set[str]) -> float | None:
    """Share of the checked, checkable claims whose verdict is in ``codes`` (None when there are none)."""
    pool = checked(checkable(claims))
    return float(pool["verdict"].isin(codes).mean()) if len(pool) else None


def share_supported(claims: pd.DataFrame) -> float | None:
    return share(claims, {vocab.SUPPORTED.code})


WRONG = {v.code for v in vocab.VERDICTS if v.counts_as_wrong}


def share_wrong(claims: pd.DataFrame) -> float | None:
    return share(claims, WRONG)


def wrong(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims that are errors in the text (contradicted or outdated), in ledger order."""
    return claims[claims["verdict"].isin(WRONG)]


def rating_summary(ratings: pd.DataFrame) -> dict:
    """One source's ratings: judged criteria, satisfactory ones, and the score (share satisfactory), given
    only when at least ``vocab.MIN_JUDGED_FOR_SCORE`` criteria could be judged (Media Doctor practice)."""
    judged = ratings[ratings["rating"] != "not_applicable"]
    satisfactory = int((judged["rating"] == "satisfactory").sum())
    score = satisfactory / len(judged) if len(judged) >= vocab.MIN_JUDGED_FOR_SCORE else None
    return {"rated": len(ratings) > 0, "judged": len(judged), "satisfactory": satisfactory, "score": score}


def years_between(earlier, later) -> float | None:
    """Years from one ``PartialDate`` to a later one (None when either is missing or not later)."""
    if earlier is None or later is None or not later.after(earlier):
        return None
    return round(earlier.days_until(later) / 365.25, 1)


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa for two raters' labels on the same items."""
    if len(first) != len(second) or not first:
        raise ValueError("kappa needs two equally long, non-empty lists of labels")
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    ca, cb = Counter(first), Counter(second)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def paired(reviews: pd.DataFrame) -> pd.DataFrame:
    """One row per claim both reviewers judged: columns A and B hold their verdicts."""
    table = reviews[reviews["reviewer"].isin(["A", "B"])].pivot(index="claim_id", columns="reviewer", values="verdict")
    return table.dropna()


def agreement(reviews: pd.DataFrame) -> dict:
    """Agreement between reviewers A and B over every claim both judged: count, share agreeing, kappa."""
    table = paired(reviews)
    a, b = table["A"].tolist(), table["B"].tolist()
    agree = sum(x == y for x, y in zip(a, b))
    return {"n": len(table), "agree": agree, "disagree": len(table) - agree,
            "percent": agree / len(table) if len(table) else None,
            "kappa": cohen_kappa(a, b) if len(table) else None}


def top_disagreement(reviews: pd.DataFrame) -> tuple[tuple[str, str], int] | None:
    """The pair of verdicts reviewers A and B most often split between, in either order, and how often:
    ``(("supported", "partly_supported"), 13)``. Ties go to the pair that comes first in the vocabulary's
    order, so the answer is deterministic; None when the reviewers never disagree."""
    table = paired(reviews)
    order = {v.code: i for i, v in enumerate(vocab.VERDICTS)}
    pairs = Counter(tuple(sorted((a, b), key=order.__getitem__)) for a, b in zip(table["A"], table["B"]) if a != b)
    if not pairs:
        return None
    return min(pairs.items(), key=lambda kv: (-kv[1], order[kv[0][0]], order[kv[0][1]]))


def audit_counts(corrections: pd.DataFrame, marker: str) -> dict[str, int]:
    """What one marked batch of the corrections log did: verdicts changed, rows split, and claims added
    that no row covered. A split's new rows are logged as 'added' too, so they are told apart from the
    claims the batch found uncovered by the split rows' lists of new ids."""
    batch = corrections[corrections["reason"].str.startswith(marker)]
    kind = batch["change"]
    splits = batch[kind == "split"]
    children = {c.strip() for ids in splits["new_value"] for c in ids.split(";")} - set(splits["claim_id"])
    found = batch[(kind == "added") & ~batch["claim_id"].isin(children)]
    return {"verdicts": int((kind == "verdict").sum()), "splits": len(splits), "found": len(found)}
