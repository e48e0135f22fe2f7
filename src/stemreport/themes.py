"""Building blocks of the theme chapters: every claim on a theme from every source, side by side.

A theme chapter draws its claims through ``data.theme_claims`` (main or related theme), so a claim
added to the ledger appears in every chapter it belongs to without editing a notebook.
"""
from __future__ import annotations

import pandas as pd

from stemreport import data, schemas
from stemreport.chapters import badge, cite
from stemreport.tables import Markup, MarkdownTable, MarkdownText, escape

# Theme -> (page label, short slug used in table and figure names)
CHAPTERS = {
    "space_culture": ("theme-space-culture", "space"),
    "hsc_induction": ("theme-hsc-induction", "hsc"),
    "organoids": ("theme-organoids", "organoids"),
    "msc_approvals": ("theme-msc-approvals", "msc"),
    "cord_blood_industry": ("theme-cord-blood", "cord"),
}


def numbers(theme: str) -> dict:
    """Counts a theme chapter glues into its prose: claims, sources and verdicts."""
    claims = data.theme_claims(theme)
    counts = claims["verdict"].value_counts()
    result = {
        "claims": len(claims),
        "main": int((claims["role"] == "main").sum()),
        "related": int((claims["role"] == "related").sum()),
        "sources": claims["source"].nunique(),
        "source_list": ", ".join(data.short_id(s) for s in sorted(claims["source"].unique())),
    }
    result.update({v: int(counts.get(v, 0)) for v in schemas.VERDICTS})
    return result


def claims_side_by_side(theme: str) -> MarkdownTable:
    """Every claim on the theme, grouped by source, with the quote, our restatement and the verdict."""
    claims = data.theme_claims(theme).sort_values(["source", "claim_id"])
    frame = pd.DataFrame({
        "Source": claims["source"].map(data.short_id),
        "ID": claims["claim_id"],
        "Quote from the source": claims["quote"],
        "Our restatement": claims["claim"],
        "Verdict": [badge(v) for v in claims["verdict"]],
    })
    label, slug = CHAPTERS[theme]
    return MarkdownTable(frame, f"Every claim in the ledger on the theme '{schemas.THEME_LABELS[theme]}', from every source.",
                         f"tbl-{slug}-claims", widths=[9, 11, 35, 30, 15])


def findings(claim_ids: list[str]) -> MarkdownText:
    """A short list of named claims with their verdicts and citations, for prose sections."""
    claims = data.claims().set_index("claim_id")
    lines, plain = [], []
    for claim_id in claim_ids:
        row = claims.loc[claim_id]
        lines.append(f"- **{claim_id}** ({data.short_id(row.source)}) {badge(row.verdict)} {escape(row.claim)}"
                     f"{cite(row.evidence)}")
        plain.append(f"{claim_id}: {row.verdict}")
    return MarkdownText("\n".join(lines), "\n".join(plain))


def _claim_links(ids: str) -> str:
    return ", ".join(filter(None, ids.split(";"))) or "\u2014"


def flights_table() -> MarkdownTable:
    flights = data.space_flights()
    frame = pd.DataFrame({
        "Flight": [f"{f} ({d + ', ' if d else ''}{m})" + (f"; claims {_claim_links(c)}" if c else "")
                   for f, d, m, c in zip(flights["flight"], flights["date"], flights["date_meaning"], flights["claims"])],
        "Who": flights["team"],
        "Cells (species)": [f"{c} ({s})" for c, s in zip(flights["cells"], flights["species"])],
        "Aim": flights["aim"],
        "What was shown": [Markup(escape(r) + cite(k)) for r, k in zip(flights["result"], flights["evidence"])],
    })
    return MarkdownTable(frame, "Stem-cell experiments flown in space that the sources mention or the evidence shows.",
                         "tbl-space-flights", widths=[24, 16, 17, 18, 25])


def routes_table() -> MarkdownTable:
    routes = data.hsc_routes()
    frame = pd.DataFrame({
        "Route (source, species)": [f"{r} ({data.short_id(s)}, {sp})"
                                    for r, s, sp in zip(routes["route"], routes["source"], routes["species"])],
        "Starting cells and method": [f"{c}. {m}." for c, m in zip(routes["starting_cells"], routes["method"])],
        "Evidence that the cells work": [Markup(escape(r) + cite(k))
                                         for r, k in zip(routes["evidence_of_function"], routes["evidence"])],
        "Distance from the clinic": routes["distance_from_clinic"],
    })
    return MarkdownTable(frame, "Routes to blood stem cells described by the sources, compared.",
                         "tbl-hsc-routes", widths=[18, 32, 30, 20])


MODEL_CRITERIA = [
    ("made_from", "What it is made from"),
    ("niche_cells", "Niche (support) cells present"),
    ("blood_stem_cells", "Blood stem cells: made or added?"),
    ("lineages", "Kinds of blood cell produced"),
    ("duration", "How long production lasts"),
    ("growth_factors", "Added growth factors needed"),
    ("in_vivo", "Tested in animals"),
]


def models_table() -> MarkdownTable:
    """Criteria down the side, models across: what each lab-built marrow shows."""
    models = data.marrow_models()
    frame = pd.DataFrame({"Criterion": [label for _, label in MODEL_CRITERIA]
                          + ["Published", "Evidence"]})
    for row in models.itertuples():
        column = [getattr(row, field) for field, _ in MODEL_CRITERIA]
        column += [f"{row.journal}, {row.published}", Markup(cite(row.evidence).strip())]
        frame[row.model] = column
    width = (100 - 16) // len(models)
    return MarkdownTable(frame, "Lab-built bone-marrow models against what a bone-marrow model must show.",
                         "tbl-organoid-criteria", widths=[16] + [width] * len(models))


def approvals_table() -> MarkdownTable:
    approvals = data.approvals().sort_values(["approval_date", "product"])
    types = {"full": "full", "conditional": "conditional", "time_limited": "conditional, time-limited",
             "hospital_exemption": "hospital exemption"}
    frame = pd.DataFrame({
        "Date": [data.shown_date(d, p) for d, p in zip(approvals["approval_date"], approvals["date_precision"])],
        "Product": approvals["product"],
        "Where, how, status": [f"{c} ({r}); {types[t]}; {st}" + (f" {sd}" if sd else "")
                               for c, r, t, st, sd in zip(approvals["country_region"], approvals["regulator"],
                                                          approvals["approval_type"], approvals["status"],
                                                          approvals["status_date"])],
        "Cells": [f"{s.replace('_', ' ')}, {d}" for s, d in zip(approvals["cell_source"], approvals["donor"])],
        "For": [Markup(escape(i) + cite(k)) for i, k in zip(approvals["indication"], approvals["evidence"])],
    })
    return MarkdownTable(frame, "Approved mesenchymal stromal-cell products (data/approvals.csv).",
                         "tbl-msc-approvals", widths=[11, 17, 24, 13, 35])
