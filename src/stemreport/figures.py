"""The book's cross-source figures, drawn from the validated data in the house style.

Each function returns a matplotlib Figure; notebooks display it in a cell whose metadata carries the
caption, the name (for ``{numref}``) and the alt text. Nothing here reads the clock or draws at
random, so the images are byte-stable between runs.
"""
from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from stemreport import chapters, data, schemas, style

THEME_ORDER = ["space_culture", "hsc_induction", "organoids", "msc_approvals", "cord_blood_industry"]
THEME_COLOURS = dict(zip(THEME_ORDER + ["background"], style.PALETTE[:5] + ["#999999"]))


def check_date() -> dt.date:
    """The date the ledger was checked (latest ``checked_on``), used as 'today' in the figures."""
    return max(data.parse_date(d) for d in data.claims()["checked_on"] if d)


def timeline() -> plt.Figure:
    """One lane per source: its events (by theme), its first publication, and any later date the page shows."""
    events = data.events()
    after = set(data.events_after_publication()["event_id"])
    sources = data.sources()
    today = check_date()
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    lanes = list(reversed(sources["source"].tolist()))
    for y, source in enumerate(lanes):
        row = sources.loc[sources["source"] == source].iloc[0]
        own = events[events["source"] == source]
        published = data.parse_date(row.first_published)
        ax.axhline(y, color="#EEEEEE", lw=6, zorder=0)
        for theme, group in own.groupby("theme"):
            dates = [data.parse_date(d) for d in group["date"]]
            late = [e in after for e in group["event_id"]]
            ax.scatter([d for d, a in zip(dates, late) if not a], [y] * (len(late) - sum(late)), s=28,
                       color=THEME_COLOURS[theme], edgecolor="white", lw=0.5, zorder=3)
            ax.scatter([d for d, a in zip(dates, late) if a], [y] * sum(late), s=28, facecolor="white",
                       edgecolor=THEME_COLOURS[theme], lw=1.2, zorder=3)
        ax.scatter([published], [y], marker="D", s=70, color="black", zorder=4)
        if row.stated_date and data.parse_date(row.stated_date) != published:
            stated = data.parse_date(row.stated_date)
            ax.annotate("", xy=(stated, y), xytext=(published, y),
                        arrowprops=dict(arrowstyle="->", color="black", lw=1, shrinkA=5, shrinkB=5), zorder=2)
            ax.scatter([stated], [y], marker="D", s=70, facecolor="white", edgecolor="black", lw=1.3, zorder=4)
    ax.axvline(today, color="#555555", lw=1, ls="--")
    ax.text(today, len(lanes) - 0.45, " checked", fontsize=8, color="#555555", va="bottom", ha="right")
    ax.set_yticks(range(len(lanes)), [data.short_id(s) for s in lanes])
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2005, 7, 1), dt.date(today.year + 1, 1, 1))
    ax.set_title("Events behind each story, and when the story was published")
    handles = [Line2D([], [], marker="o", ls="", color=THEME_COLOURS[t], label=schemas.THEME_LABELS[t])
               for t in THEME_ORDER + ["background"]]
    handles += [Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="#555555",
                       label="Event after the story"),
                Line2D([], [], marker="D", ls="", color="black", label="First published"),
                Line2D([], [], marker="D", ls="", markerfacecolor="white", markeredgecolor="black",
                       label="Later date shown on the page")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


APPROVAL_MARKERS = {"full": "o", "conditional": "^", "time_limited": "s", "hospital_exemption": "D"}
APPROVAL_LABELS = {"full": "Full approval", "conditional": "Conditional approval",
                   "time_limited": "Conditional, time-limited", "hospital_exemption": "Hospital exemption"}


def approvals_chart(source: str | None = None, statements: dict[str, str] | None = None) -> plt.Figure:
    """MSC approvals by country and year, marked by type; withdrawals crossed; a source's publication
    date drawn as a line, and its claims about named countries (``{country: claim_id}``) printed at
    the end of those lanes with their verdicts, so its statements can be set against the record."""
    approvals = data.approvals().copy()
    approvals["when"] = approvals["approval_date"].map(data.parse_date)
    order = (approvals.groupby("country_region")["when"].min().sort_values().index.tolist())
    fig, ax = plt.subplots(figsize=(8.6, 4.6))
    for y, country in enumerate(reversed(order)):
        ax.axhline(y, color="#F2F2F2", lw=8, zorder=0)
        rows = approvals[approvals["country_region"] == country].sort_values(["when", "product"])
        for row in rows.itertuples():
            ax.scatter([row.when], [y], marker=APPROVAL_MARKERS[row.approval_type], s=60,
                       color=style.PALETTE[0] if row.status == "approved" else "#999999", zorder=3,
                       edgecolor="white", lw=0.6)
            if row.status == "withdrawn" and row.status_date:
                ended = data.parse_date(row.status_date)
                ax.plot([row.when, ended], [y, y], color="#999999", lw=1.2, ls=":", zorder=2)
                ax.scatter([ended], [y], marker="X", s=60, color=style.VERDICT_COLOURS["contradicted"], zorder=3)
        # Products approved on the same day share one label; labels alternate above and below the lane.
        for n, (when, group) in enumerate(rows.groupby("when", sort=True)):
            name = " + ".join(p.split(" (")[0] for p in group["product"])
            above = n % 2 == 0
            ax.text(when, y + (0.2 if above else -0.22), name, fontsize=7, ha="center",
                    va="bottom" if above else "top", color="#333333")
    claims = data.claims().set_index("claim_id")
    for country, claim_id in (statements or {}).items():
        y = len(order) - 1 - order.index(country)
        verdict = claims.loc[claim_id, "verdict"]
        ax.text(dt.date(check_date().year + 1, 1, 1), y, f" {claim_id}: {schemas.VERDICT_LABELS[verdict].lower()}",
                fontsize=7.5, va="center", ha="left", color=style.VERDICT_COLOURS[verdict], fontweight="bold")
    if source:
        published = data.parse_date(chapters.source_row(source)["first_published"])
        ax.axvline(published, color=style.VERDICT_COLOURS["contradicted"], lw=1.2, ls="--")
        ax.text(published, len(order) - 0.3, f"{data.short_id(source)} published ", fontsize=8, ha="right",
                va="bottom", color=style.VERDICT_COLOURS["contradicted"])
    ax.set_yticks(range(len(order)), list(reversed(order)))
    ax.set_ylim(-0.7, len(order) - 0.1)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2010, 1, 1), dt.date(check_date().year + 1, 1, 1))
    ax.set_title("Approved MSC products by country and year")
    handles = [Line2D([], [], marker=m, ls="", color=style.PALETTE[0], label=APPROVAL_LABELS[t])
               for t, m in APPROVAL_MARKERS.items()]
    handles.append(Line2D([], [], marker="X", ls="", color=style.VERDICT_COLOURS["contradicted"],
                          label="Withdrawn"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0 if not statements else 1.17, 1.0), fontsize=8)
    return fig


def verdicts_by_source() -> plt.Figure:
    """Share of each source's claims by verdict, as horizontal stacked bars with counts."""
    claims = data.claims()
    table = pd.crosstab(claims["source"].map(data.short_id), claims["verdict"])
    table = table.reindex(columns=schemas.VERDICTS, fill_value=0).iloc[::-1]
    shares = table.div(table.sum(axis=1), axis=0)
    fig, ax = plt.subplots(figsize=(8.6, 3.4))
    left = np.zeros(len(table))
    for verdict in schemas.VERDICTS:
        ax.barh(table.index, shares[verdict], left=left, color=style.VERDICT_COLOURS[verdict],
                label=schemas.VERDICT_LABELS[verdict], edgecolor="white", lw=0.8)
        for y, (share, count) in enumerate(zip(shares[verdict], table[verdict])):
            if count and share >= 0.05:
                dark = verdict in ("contradicted", "supported")
                ax.text(left[y] + share / 2, y, str(count), ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
        left += shares[verdict].to_numpy()
    for y, total in enumerate(table.sum(axis=1)):
        ax.text(1.01, y, f"n = {total}", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("Share of the source's claims")
    ax.set_title("Verdicts per source")
    ax.legend(ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8)
    return fig


def claims_by_theme_and_source() -> plt.Figure:
    """A grid of themes by sources: how many claims each source makes on each theme (main or related)
    and what share of the checkable ones (opinions excluded) the evidence supports in full."""
    sources = data.sources()["source"].tolist()
    fig, ax = plt.subplots(figsize=(8.6, 3.6))
    cmap = plt.get_cmap("cividis")
    for x, source in enumerate(sources):
        for y, theme in enumerate(reversed(THEME_ORDER)):
            claims = data.theme_claims(theme)
            claims = claims[claims["source"] == source]
            if claims.empty:
                ax.text(x, y, "\u2013", ha="center", va="center", color="#BBBBBB", fontsize=11)
                continue
            checkable = claims[claims["verdict"] != "opinion"]
            share = (checkable["verdict"] == "supported").mean() if len(checkable) else np.nan
            size = 220 + 60 * len(claims)
            ax.scatter([x], [y], s=size, color=cmap(share) if share == share else "#DDDDDD", edgecolor="#555555",
                       lw=0.5, zorder=3)
            ax.text(x, y, str(len(claims)), ha="center", va="center", fontsize=8,
                    color="white" if share == share and share < 0.55 else "black", zorder=4)
    ax.set_xticks(range(len(sources)), [data.short_id(s) for s in sources])
    ax.set_yticks(range(len(THEME_ORDER)), [schemas.THEME_LABELS[t] for t in reversed(THEME_ORDER)])
    ax.set_xlim(-0.6, len(sources) - 0.4)
    ax.set_ylim(-0.6, len(THEME_ORDER) - 0.4)
    ax.grid(False)
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    bar = fig.colorbar(mappable, ax=ax, fraction=0.035, pad=0.02)
    bar.set_label("Share fully supported\n(opinions excluded)", fontsize=8)
    bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title("Claims by theme and source (number in each circle)")
    return fig


RATING_STYLE = {"satisfactory": ("#009E73", "\u2713"), "not_satisfactory": ("#D55E00", "\u2717"),
                "not_applicable": ("#E6E6E6", "n/a")}


def ratings_grid() -> plt.Figure:
    """Fourteen reporting criteria by five sources: satisfactory, not satisfactory or not applicable."""
    ratings = data.ratings()
    sources = data.sources()["source"].tolist()
    criteria = list(schemas.RATING_CRITERIA)
    fig, ax = plt.subplots(figsize=(8.6, 6.2))
    for x, source in enumerate(sources):
        own = ratings[ratings["source"] == source].set_index("criterion")["rating"]
        for y, criterion in enumerate(reversed(criteria)):
            colour, mark = RATING_STYLE[own[criterion]]
            ax.add_patch(plt.Rectangle((x - 0.46, y - 0.44), 0.92, 0.88, color=colour, lw=0))
            ax.text(x, y, mark, ha="center", va="center", fontsize=9 if mark == "n/a" else 12,
                    color="#555555" if mark == "n/a" else "white")
    labels = []
    for source in sources:
        summary = chapters.rating_summary(source)
        score = f"{summary['score']:.0%}" if summary["score"] is not None else "no score"
        labels.append(f"{data.short_id(source)}\n{summary['satisfactory']}/{summary['evaluable']}\n{score}")
    ax.set_xticks(range(len(sources)), labels, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(criteria)),
                  [f"{schemas.RATING_CRITERIA[c]} ({schemas.RATING_FAMILY[c]})" for c in reversed(criteria)],
                  fontsize=8)
    ax.axhline(len(criteria) - 10 - 0.5, color="black", lw=1)
    ax.set_xlim(-0.5, len(sources) - 0.5)
    ax.set_ylim(-0.5, len(criteria) - 0.5)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    handles = [Patch(color=RATING_STYLE[r][0], label=l) for r, l in
               [("satisfactory", "Satisfactory"), ("not_satisfactory", "Not satisfactory"),
                ("not_applicable", "Not applicable")]]
    ax.legend(handles=handles, ncol=3, loc="upper center", bbox_to_anchor=(0.4, -0.01), fontsize=8)
    ax.set_title("Ratings per source: satisfactory / judged, and score", pad=42)
    return fig


def theme_verdicts(theme: str) -> plt.Figure:
    """For one theme: its claims per source, stacked by verdict (counts)."""
    claims = data.theme_claims(theme)
    table = pd.crosstab(claims["source"].map(data.short_id), claims["verdict"])
    table = table.reindex(columns=schemas.VERDICTS, fill_value=0).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.7 + 0.55 * len(table)))
    left = np.zeros(len(table))
    for verdict in schemas.VERDICTS:
        if table[verdict].sum() == 0:
            continue
        ax.barh(table.index, table[verdict], left=left, color=style.VERDICT_COLOURS[verdict],
                label=schemas.VERDICT_LABELS[verdict], edgecolor="white", lw=0.8)
        left += table[verdict].to_numpy()
    ax.set_xlabel("Claims")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(f"{schemas.THEME_LABELS[theme]}: verdicts by source")
    return fig
