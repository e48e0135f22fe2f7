"""Building blocks of the theme chapters: every claim on a theme from every story, side by side.

A theme chapter is the template ``tools/templates/theme.ipynb`` with its theme filled in. It draws its
claims through ``data.theme_claims`` (main or related theme), so a claim added to the ledger appears in
every chapter it belongs to without editing a notebook. A claim appears here as its id (a link to its
card in the source chapter, with its badge) and, where it is wrong, with the truth beside it: never as
a second copy of the card.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from stemreport import data, figures, metrics, vocab, words
from stemreport.chapters import badge, cite, ref, story, theme_label, verdict_tally
from stemreport.tables import MarkdownTable, MarkdownText, Markup, drop_constant, escape


def slug(theme: str) -> str:
    return theme_label(theme).removeprefix("theme-")


def coverage(stories: list[str]) -> Markup:
    """Which stories speak to a theme, as a sentence that stays true when the ledger changes."""
    if not stories:
        return Markup("No story has a claim on this theme yet.")
    if len(stories) == 1:
        return Markup(f"Only one story, {story(stories[0])}, has claims on this theme, so there is no second "
                      "account to compare it with.")
    return Markup(f"{words.capitalised(words.count(len(stories), 'story'))} have claims on this theme: "
                  f"{words.listing([story(s) for s in stories])}.")


def glue_values(theme: str) -> dict[str, str]:
    claims = data.theme_claims(theme)
    stories = sorted(claims["source"].unique())
    counts = metrics.verdict_counts(claims)
    values = {
        "claims": words.count(len(claims), "claim"),
        "main": words.count(int((claims["role"] == "main").sum()), "claim"),
        "related": words.count(int((claims["role"] == "related").sum()), "claim"),
        "stories": words.count(len(stories), "story"),
        "story_list": Markup(words.listing([story(s) for s in stories])),
        "coverage": coverage(stories),
        "n_wrong": words.count(len(metrics.wrong(claims)), "claim"),
        "share_supported": words.percent(metrics.share_supported(claims)),
    }
    values.update({f"n_{code}": words.count(n, "claim") for code, n in counts.items()})
    values.update(EXTRA.get(theme, lambda: {})())
    return values


def glue_figures(theme: str) -> dict[str, plt.Figure]:
    """The theme's figures, to glue under these names (the chapter's Markdown gives captions and alt text)."""
    figs = {"verdicts_figure": figures.theme_verdicts(theme)}
    if theme == "msc_approvals":
        figs["approvals_figure"] = figures.approvals_chart(data.source_of("S004"))
    return figs


def bottom_line(theme: str) -> MarkdownText:
    """The theme's bottom line: which stories speak to it, how their claims fare, and every error on it
    with the truth beside it (selected by verdict, not by hand)."""
    claims = data.theme_claims(theme).sort_values(["source", "start"])
    wrong = metrics.wrong(claims)
    stories = sorted(claims["source"].unique())
    lines = [f":::{{admonition}} Bottom line on {escape(vocab.THEME[theme].label_lower)}", ":class: verdict-box", "",
             f"**Who says what.** {words.capitalised(words.count(len(claims), 'claim'))} on this theme, from "
             f"{words.listing([story(s) for s in stories])}.", "",
             f"**Verdicts.** {verdict_tally(claims)}", ""]
    if len(wrong):
        lines += [f"**What the stories get wrong here, and what is true** ({words.count(len(wrong), 'error')}):", ""]
        lines += [f"- {ref(c.claim_id)} {escape(c.claim)} **True:** {escape(c.correction)}" for c in wrong.itertuples()]
    else:
        lines.append("**Errors.** No claim on this theme is contradicted or outdated.")
    lines.append(":::")
    return MarkdownText("\n".join(lines), f"{len(claims)} claims, {len(wrong)} wrong")


def claims_side_by_side(theme: str) -> MarkdownTable:
    """Every claim on the theme: its id and badge (linking to the card), the story, what the text says and,
    where it is not supported, what is true. A column that would repeat one value on every row is left
    out and named in the caption instead."""
    claims = data.theme_claims(theme).sort_values(["source", "start"])
    frame = pd.DataFrame({
        "Claim": [ref(c) for c in claims["claim_id"]],
        "Story": [story(s) for s in claims["source"]],
        "The text says": claims["claim"],
        "What is true": [c or ("\u2014" if v and not vocab.verdict(v).needs_correction else "not yet checked")
                         for c, v in zip(claims["correction"], claims["verdict"])],
    })
    frame, widths, dropped = drop_constant(frame, ["Story"], [17, 17, 33, 33])
    caption = f"Every claim in the ledger on the theme '{vocab.THEME[theme].label}'"
    caption += " (all from one story)." if dropped else ", from every story."
    return MarkdownTable(frame, caption, f"tbl-{slug(theme)}-claims", widths=widths)


def reference_tables(theme: str) -> MarkdownText | None:
    """The theme's reference data, against which the stories are read. A theme without reference data
    shows nothing here (its chapter's own prose gives the record): a sentence saying a table is absent
    reads to a reader like a left-over placeholder."""
    tables = {"space_culture": [flights_table], "hsc_induction": [routes_table], "organoids": [models_table],
              "msc_approvals": [approvals_table]}.get(theme, [])
    if not tables:
        return None
    built = [t() for t in tables]
    return MarkdownText("\n\n".join(t._repr_markdown_() for t in built), "\n".join(repr(t) for t in built))


def _claim_links(ids: str) -> str:
    return " ".join(ref(c) for c in filter(None, ids.split(";"))) or "\u2014"


def flights_table() -> MarkdownTable:
    flights = data.space_flights()
    frame = pd.DataFrame({
        "Flight": [Markup(escape(f"{f} ({(str(d) + ', ') if d else ''}{m})")) for f, d, m in
                   zip(flights["flight"], flights["date"], flights["date_meaning"])],
        "Who": flights["team"],
        "Cells (species)": [f"{c} ({s})" for c, s in zip(flights["cells"], flights["species"])],
        "What was shown": [Markup(escape(r) + cite(k)) for r, k in zip(flights["result"], flights["evidence"])],
        "Claims": [Markup(_claim_links(c)) for c in flights["claims"]],
    })
    return MarkdownTable(frame, "Stem-cell experiments flown in space that the stories mention or the evidence shows.",
                         "tbl-space-flights", widths=[20, 14, 16, 30, 20])


def routes_table() -> MarkdownTable:
    routes = data.hsc_routes()
    frame = pd.DataFrame({
        "Route (story, species)": [Markup(f"{escape(r)} ({data.short_id(s)}, {sp})")
                                   for r, s, sp in zip(routes["route"], routes["source"], routes["species"])],
        "Starting cells and method": [f"{c}. {m}." for c, m in zip(routes["starting_cells"], routes["method"])],
        "Evidence that the cells work": [Markup(escape(r) + cite(k))
                                         for r, k in zip(routes["evidence_of_function"], routes["evidence"])],
        "Distance from the clinic": routes["distance_from_clinic"],
    })
    return MarkdownTable(frame, "Routes to blood stem cells described by the stories, compared.",
                         "tbl-hsc-routes", widths=[18, 30, 32, 20])


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
    frame = pd.DataFrame({"Criterion": [name for _, name in MODEL_CRITERIA] + ["Published", "Evidence"]})
    for row in models.itertuples():
        column = [getattr(row, field) for field, _ in MODEL_CRITERIA]
        column += [f"{row.journal}, {row.published.iso()}", Markup(cite(row.evidence).strip())]
        frame[row.model] = column
    width = (100 - 16) // len(models)
    return MarkdownTable(frame, "Lab-built bone-marrow models against what a bone-marrow model must show.",
                         "tbl-organoid-criteria", widths=[16] + [width] * len(models))


APPROVAL_TYPES = {"full": "full", "conditional": "conditional", "time_limited": "conditional, time-limited",
                  "hospital_exemption": "hospital exemption"}


def approvals_table() -> MarkdownTable:
    approvals = data.approvals()
    approvals = approvals.assign(order=approvals["approval_date"]).sort_values(["order", "product"])
    frame = pd.DataFrame({
        "Date": [d.iso() for d in approvals["approval_date"]],
        "Product": approvals["product"],
        "Where, how, status": [f"{c} ({r}); {APPROVAL_TYPES[t]}; {st}" + (f" {sd.iso()}" if sd else "")
                               for c, r, t, st, sd in zip(approvals["country_region"], approvals["regulator"],
                                                          approvals["approval_type"], approvals["status"],
                                                          approvals["status_date"])],
        "Cells": [f"{s.replace('_', ' ')}, {d}" for s, d in zip(approvals["cell_source"], approvals["donor"])],
        "For": [Markup(escape(i) + cite(k)) for i, k in zip(approvals["indication"], approvals["evidence"])],
    })
    return MarkdownTable(frame, "Approved mesenchymal stromal-cell products (data/approvals.csv), by the inclusion rule "
                         "stated in this chapter.", "tbl-msc-approvals", widths=[11, 17, 24, 13, 35])


def _approval_values() -> dict[str, str]:
    approvals = data.approvals()
    source = data.source_of("S004")
    published = data.source_row(source).first_published
    before = approvals[approvals["approval_date"].map(lambda d: not d.after(published)).astype(bool)]
    china = min((r for r in approvals.itertuples() if r.country_region == "China"), key=lambda r: r.approval_date)
    usa = min((r for r in approvals.itertuples() if r.country_region == "United States"), key=lambda r: r.approval_date)
    first = min(approvals["approval_date"])
    return {
        "n_approvals": words.count(len(approvals), "approval"),
        "n_jurisdictions": words.count(approvals["country_region"].nunique(), "jurisdiction"),
        "first_approval": first.long(),
        "published": published.long(),
        "n_before": words.count(len(before), "approval"),
        "n_conditional": words.number(int(approvals["approval_type"].isin(["conditional", "time_limited"]).sum())),
        "n_withdrawn": words.number(int((approvals["status"] == "withdrawn").sum())),
        "china_date": china.approval_date.long(),
        "china_days": words.count(china.approval_date.days_until(published), "day", words=False),
        "us_date": usa.approval_date.long(),
        "n_japan": words.number(int((before["country_region"] == "Japan").sum())),
        "n_korea": words.number(int((before["country_region"] == "South Korea").sum())),
    }


def _space_values() -> dict[str, str]:
    flights = data.space_flights()
    events = data.events().set_index("event_id")
    tiangong = flights[flights["flight"].str.startswith("Tianzhou-6")].iloc[0]
    ucsd = flights[flights["flight"].str.startswith("SpaceX")].iloc[0]
    return {
        "flights": words.count(len(flights), "flight"),
        "flights_human": words.number(int((flights["species"] == "human").sum())),
        "flights_published": words.number(int(flights["result"].str.startswith("Peer-reviewed").sum())) + " has"
        if int(flights["result"].str.startswith("Peer-reviewed").sum()) == 1 else
        words.number(int(flights["result"].str.startswith("Peer-reviewed").sum())) + " have",
        "tiangong_launch": tiangong["date"].long(),
        "ucsd_launch": ucsd["date"].long(),
        "return_date": events.loc["E037", "date"].long(),  # Shenzhou-15 lands with the samples
    }


def _hsc_values() -> dict[str, str]:
    routes = data.hsc_routes()
    human = int((routes["species"] == "human").sum())
    return {"routes": words.count(len(routes), "route"), "routes_human": words.number(human)}


def _organoid_values() -> dict[str, str]:
    models = data.marrow_models()
    return {"models": words.count(len(models), "model"), "first_model": str(min(models["published"]).year)}


def _cord_values() -> dict[str, str]:
    events = data.events().set_index("event_id")
    row = data.source_row(data.source_of("S002"))
    years = metrics.years_between(row.first_published, row.stated_date)
    china = min((r for r in data.approvals().itertuples() if r.country_region == "China"), key=lambda r: r.approval_date)
    return {
        "published": row.first_published.long(),
        "stamp": row.stated_date.long(),
        "years_late": f"{years:.1f} years" if years is not None else "no time",
        "agreement": events.loc["E014", "date"].long(),  # the platform agreement
        "alliance": events.loc["E010", "date"].long(),  # the Guangzhou alliance
        "nhfpc_end": events.loc["E017", "date"].long(),  # NHFPC dissolved
        "china_approval": china.approval_date.long(),
    }


EXTRA = {"space_culture": _space_values, "hsc_induction": _hsc_values, "organoids": _organoid_values,
         "msc_approvals": lambda: _approval_values(), "cord_blood_industry": _cord_values}


def findings(claim_ids: list[str]) -> MarkdownText:
    """A list of claims, each as its linked id and badge, what the text says and (if wrong) what is true."""
    claims = data.claims().set_index("claim_id")
    lines = []
    for claim_id in claim_ids:
        row = claims.loc[claim_id]
        truth = f" **True:** {escape(row.correction)}" if row.correction else ""
        lines.append(f"- {ref(claim_id)} ({story(row.source)}) {escape(row.claim)}{truth}")
    return MarkdownText("\n".join(lines), "\n".join(f"{c}: {claims.loc[c, 'verdict']}" for c in claim_ids))


__all__ = ["badge", "bottom_line", "claims_side_by_side", "findings", "glue_figures", "glue_values", "reference_tables"]
