"""The cross-story numbers and tables shared by the introduction, the comparison and the conclusions, so
every page quotes the same figures from the same code (``stemreport.metrics``)."""
from __future__ import annotations

import pandas as pd

from stemreport import chapters, data, metrics, vocab, words
from stemreport.chapters import quoted, ref, story, verdict_tally
from stemreport.tables import MarkdownTable, MarkdownText, Markup, escape


def per_source() -> pd.DataFrame:
    """One row per story: claims, verdict counts, shares among checkable claims, rating, dates."""
    claims = data.claims()
    ratings = data.ratings()
    after = data.events_after_publication()["source"].value_counts()
    rows = []
    for row in data.sources().itertuples():
        own = claims[claims["source"] == row.source]
        rating = metrics.rating_summary(ratings[ratings["source"] == row.source])
        rows.append({
            "source": row.source, "short_id": row.short_id, "short_title": row.short_title, "claims": len(own),
            **metrics.verdict_counts(own),
            "checkable": len(metrics.checkable(own)),
            "share_supported": metrics.share_supported(own), "share_wrong": metrics.share_wrong(own),
            "n_wrong": len(metrics.wrong(own)),
            "rating_score": rating["score"], "judged": rating["judged"], "satisfactory": rating["satisfactory"],
            "published": row.first_published, "stated": row.stated_date,
            "years_stamped_late": metrics.years_between(row.first_published, row.stated_date),
            "events_after": int(after.get(row.source, 0)),
        })
    return pd.DataFrame(rows)


def _extreme(table: pd.DataFrame, column: str, highest: bool) -> pd.Series:
    pool = table.dropna(subset=[column])
    return pool.sort_values([column, "short_id"], ascending=[not highest, True]).iloc[0]


def _kind(source: str) -> str:
    """'a rewrite of a news report': the story's text type (sources.csv) with its article."""
    kind = data.source_row(source).text_type
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def story_kinds() -> str:
    """'two rewrites of a news report, two rewrites of a press release and one promotional article': what
    kind of text each story is (sources.csv ``text_type``), counted, most common first."""
    kinds = data.sources()["text_type"].value_counts()
    kinds = kinds.sort_index().sort_values(ascending=False, kind="stable")
    phrases = []
    for kind, n in kinds.items():
        head, _, rest = kind.partition(" ")
        if " of " in kind or not rest:  # 'rewrite of a news report': the first word is the noun
            phrases.append(f"{words.number(n)} {words.plural(head, n)}{' ' + rest if rest else ''}")
        else:  # 'promotional article': the last word is the noun
            *adjectives, noun = kind.split(" ")
            phrases.append(f"{words.number(n)} {' '.join(adjectives)} {words.plural(noun, n)}")
    return words.listing(phrases)


def headline() -> dict[str, str]:
    """The numbers the introduction, the comparison and the conclusions glue into their prose."""
    claims = data.claims()
    table = per_source()
    counts = metrics.verdict_counts(claims)
    best, worst = _extreme(table, "share_supported", True), _extreme(table, "share_supported", False)
    most_wrong = table.sort_values(["n_wrong", "short_id"], ascending=[False, True]).iloc[0]
    rated = table.dropna(subset=["rating_score"])
    values = {
        "n_stories": words.count(len(table), "story"),
        "n_stories_number": words.number(len(table)),
        "n_claims": words.count(len(claims), "claim"),
        "n_checkable": words.count(len(metrics.checkable(claims)), "factual claim"),
        "share_supported": words.percent(metrics.share_supported(claims)),
        "share_partly": words.percent(metrics.share(claims, {vocab.PARTLY_SUPPORTED.code})),
        "share_wrong": words.percent(metrics.share_wrong(claims)),
        "n_wrong": words.count(len(metrics.wrong(claims)), "claim"),
        "best_story": story(best["source"]), "best_share": words.percent(best["share_supported"]),
        "worst_story": story(worst["source"]), "worst_share": words.percent(worst["share_supported"]),
        "most_wrong_story": story(most_wrong["source"]),
        "most_wrong_count": words.count(int(most_wrong["n_wrong"]), "error"),
        "best_type": _kind(best["source"]), "worst_type": _kind(worst["source"]),
        "story_kinds": story_kinds(),
        "best_rating": words.percent(rated["rating_score"].max() if len(rated) else None),
        "worst_rating": words.percent(rated["rating_score"].min() if len(rated) else None),
        "best_rated_story": story(_extreme(table, "rating_score", True)["source"]) if len(rated) else Markup("none"),
        "worst_rated_story": story(_extreme(table, "rating_score", False)["source"]) if len(rated) else Markup("none"),
        "n_bib": words.count(len(data.bibliography()), "source", words=False),
        "checked_on": data.check_date().long(),
    }
    values.update({f"n_{code}": words.count(n, "claim") for code, n in counts.items()})
    return values


def stories_table() -> MarkdownTable:
    """The introduction's table: each story with its verdicts, its most consequential error and the truth,
    and its rating; each row links to its chapter."""
    table = per_source()
    errors = []
    for row in table.itertuples():
        error = chapters.most_consequential_error(row.source)
        if error is None:
            errors.append("none found" if row.claims else "not yet checked")
        else:
            truth = f" **True:** {escape(error.correction)}" if error.correction else ""
            errors.append(Markup(f"{ref(error.claim_id)} {quoted(error.quote, 80)}{truth}"))
    frame = pd.DataFrame({
        "Story": [story(s) for s in table["source"]],
        "Verdicts": [verdict_tally(data.source_claims(s)) for s in table["source"]],
        "Its most consequential error, and the truth": errors,
        "Reporting score": [words.percent(s, "no score") if r else "not rated"
                            for s, r in zip(table["rating_score"], table["judged"])],
    })
    return MarkdownTable(frame, "The stories at a glance: verdict counts, the most consequential error (the first error "
                         "in reading order on the story's main theme) with what is true, and the reporting score.",
                         "tbl-intro-stories", widths=[17, 27, 44, 12])


def summary_table() -> MarkdownTable:
    table = per_source()
    main_theme = data.sources().set_index("source")["theme_list"].map(lambda ts: vocab.THEME[ts[0]].label)
    published = [(p.long() if p else "not established") + (f" (page: {s.long()})" if s and p and s.after(p) else "")
                 for p, s in zip(table["published"], table["stated"])]
    frame = pd.DataFrame({
        "Story": [story(s) for s in table["source"]],
        "Main theme": table["source"].map(main_theme),
        "Claims": table["claims"],
        "Fully supported": [words.percent(s, "\u2014") for s in table["share_supported"]],
        "Contradicted or outdated": table["n_wrong"],
        "Reporting score": [words.percent(s, "no score") for s in table["rating_score"]],
        "First published": published,
    })
    return MarkdownTable(frame, "The stories in one table: claims, how many hold, how well they report, and when they "
                         "were published. 'Fully supported' is the share of checkable claims (opinions excluded).",
                         "tbl-compare-summary", widths=[18, 16, 8, 10, 12, 10, 26])


def events_after_table() -> MarkdownTable:
    """Events on record that happened after the story they bear on was first published."""
    after = data.events_after_publication()
    frame = pd.DataFrame({"Date": [d.iso() for d in after["date"]],
                          "Story": [data.short_id(s) for s in after["source"]],
                          "What happened after the story": after["event"]})
    return MarkdownTable(frame, "Events after each story's first publication, from data/events.csv.",
                         "tbl-after-stories", widths=[14, 9, 77])


def main_errors() -> MarkdownText:
    """Every contradicted or outdated claim in the book, by story, with the truth beside it."""
    claims = metrics.wrong(data.claims()).sort_values(["source", "start"])
    lines = [f"- {ref(c.claim_id)} ({story(c.source)}) {quoted(c.quote, 90)} **True:** "
             f"{escape(c.correction)}" for c in claims.itertuples()]
    return MarkdownText("\n".join(lines) or "*No claim is contradicted or outdated.*",
                        "\n".join(claims["claim_id"]))


def largest_stretches(limit: int = 6) -> MarkdownText:
    """The stated rule: partly supported claims on each story's main theme, headlines and opening claims
    first (reading order), at most ``limit``, spread across stories (round robin)."""
    claims = data.claims()
    main = data.sources().set_index("source")["theme_list"].map(lambda ts: ts[0])
    partly = claims[(claims["verdict"] == vocab.PARTLY_SUPPORTED.code) & (claims["theme"] == claims["source"].map(main))]
    queues = [g.sort_values("start") for _, g in partly.groupby("source")]
    chosen = []
    while len(chosen) < limit and any(len(q) for q in queues):
        for i, q in enumerate(queues):
            if len(q) and len(chosen) < limit:
                chosen.append(q.iloc[0])
                queues[i] = q.iloc[1:]
    lines = [f"- {ref(c.claim_id)} ({story(c.source)}) {escape(c.claim)} **True:** {escape(c.correction)}" for c in chosen]
    return MarkdownText("\n".join(lines), "\n".join(c.claim_id for c in chosen))
