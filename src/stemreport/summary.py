"""Headline numbers and the per-source summary shared by the introduction, the comparison chapter
and the conclusions, so every page quotes the same figures from the same code."""
from __future__ import annotations

import pandas as pd

from stemreport import chapters, data, schemas
from stemreport.tables import MarkdownTable


def per_source() -> pd.DataFrame:
    """One row per source: claims, verdict counts, share fully supported among checkable claims
    (opinions excluded), rating score, and publication facts."""
    claims = data.claims()
    after = data.events_after_publication()["source"].value_counts()
    rows = []
    for row in data.sources().itertuples():
        own = claims[claims["source"] == row.source]
        counts = own["verdict"].value_counts()
        checkable = own[own["verdict"] != "opinion"]
        rating = chapters.rating_summary(row.source)
        rows.append({
            "source": row.source,
            "short_id": data.short_id(row.source),
            "title": row.working_title,
            "claims": len(own),
            **{v: int(counts.get(v, 0)) for v in schemas.VERDICTS},
            "checkable": len(checkable),
            "share_supported": (checkable["verdict"] == "supported").mean(),
            "share_wrong": checkable["verdict"].isin(["contradicted", "outdated"]).mean(),
            "rating_score": rating["score"],
            "published": row.first_published,
            "stated": row.stated_date,
            "years_stamped_late": round((data.parse_date(row.stated_date) - data.parse_date(row.first_published)).days
                                        / 365.25, 1) if row.first_published and row.stated_date > row.first_published else None,
            "events_after": int(after.get(row.source, 0)),
        })
    return pd.DataFrame(rows)


def headline() -> dict:
    """The numbers the introduction and conclusions glue into their prose."""
    claims = data.claims()
    counts = claims["verdict"].value_counts()
    table = per_source()
    checkable = claims[claims["verdict"] != "opinion"]
    best = table.sort_values(["share_supported", "short_id"], ascending=[False, True]).iloc[0]
    worst = table.sort_values(["share_supported", "short_id"]).iloc[0]
    rated = table.dropna(subset=["rating_score"])
    result = {
        "n_sources": len(table),
        "n_claims": len(claims),
        "n_checkable": len(checkable),
        "share_supported": f"{(checkable['verdict'] == 'supported').mean():.0%}",
        "share_partly": f"{(checkable['verdict'] == 'partly_supported').mean():.0%}",
        "n_wrong": int(checkable["verdict"].isin(["contradicted", "outdated"]).sum()),
        "best_source": best["short_id"],
        "best_share": f"{best['share_supported']:.0%}",
        "worst_source": worst["short_id"],
        "worst_share": f"{worst['share_supported']:.0%}",
        "best_rating": f"{rated['rating_score'].max():.0%}",
        "worst_rating": f"{rated['rating_score'].min():.0%}",
        "n_bib": len(data.bibliography()),
        "checked_on": max(d for d in claims["checked_on"] if d),
    }
    result.update({f"n_{v}": int(counts.get(v, 0)) for v in schemas.VERDICTS})
    return result


def summary_table() -> MarkdownTable:
    table = per_source()
    main_theme = data.sources().set_index("source")["theme_list"].map(lambda ts: schemas.THEME_LABELS[ts[0]])
    published = [p + (f" (page: {s})" if s and s != p else "") for p, s in zip(table["published"], table["stated"])]
    frame = pd.DataFrame({
        "Source": table["short_id"],
        "Main theme": table["source"].map(main_theme),
        "Claims": table["claims"],
        "Fully supported": [f"{s:.0%}" for s in table["share_supported"]],
        "Contradicted or outdated": table["contradicted"] + table["outdated"],
        "Reporting score": [f"{s:.0%}" if s == s and s is not None else "no score" for s in table["rating_score"]],
        "First published": published,
    })
    return MarkdownTable(frame, "The five stories in one table: claims, how many hold, how well they report, and when they "
                         "were published. 'Fully supported' is the share of checkable claims (opinions excluded).",
                         "tbl-compare-summary", widths=[9, 20, 9, 12, 14, 12, 24])


def events_after_table() -> MarkdownTable:
    """Events on record that happened after the story they bear on was first published."""
    after = data.events_after_publication()
    frame = pd.DataFrame({"Date": [data.shown_date(d, p) for d, p in zip(after["date"], after["date_precision"])],
                          "Story": after["source"].map(data.short_id),
                          "What happened after the story": after["event"]})
    return MarkdownTable(frame, "Events after each story's first publication, from data/events.csv.",
                         "tbl-after-stories", widths=[15, 9, 76])
