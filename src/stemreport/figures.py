"""The book's figures, drawn from the validated data in the house style (``stemreport.style``).

Each function returns a matplotlib Figure; a notebook displays or glues it, and the caption, the name
(for ``{numref}``) and the alt text live with the notebook. Nothing here reads the clock or draws at
random, so the images are byte-stable between runs. Verdict and theme colours come from
``stemreport.vocab``; no text is set below ``style.SMALLEST`` points.
"""
from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from stemreport import data, metrics, style, vocab

S = style.SMALLEST


def _legend_below(ax, handles, ncol: int, offset: float = -0.16) -> None:
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, offset), ncol=ncol, fontsize=S,
              handletextpad=0.4, columnspacing=1.2, borderaxespad=0)


def timeline() -> plt.Figure:
    """One lane per story: its events (by theme), its first publication, and any later date the page shows."""
    events = data.events()
    after = set(data.events_after_publication()["event_id"])
    sources = data.sources()
    today = data.check_date().start
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.6 + 0.55 * len(sources)))
    lanes = list(reversed(sources["source"].tolist()))
    for y, source in enumerate(lanes):
        row = sources.loc[sources["source"] == source].iloc[0]
        own = events[events["source"] == source]
        ax.axhline(y, color="#EEEEEE", lw=6, zorder=0)
        for theme, group in own.groupby("theme"):
            colour = vocab.THEME[theme].colour
            late = [e in after for e in group["event_id"]]
            when = [d.start for d in group["date"]]
            ax.scatter([d for d, a in zip(when, late) if not a], [y] * (len(late) - sum(late)), s=34, color=colour,
                       edgecolor="white", lw=0.5, zorder=3)
            ax.scatter([d for d, a in zip(when, late) if a], [y] * sum(late), s=34, facecolor="white",
                       edgecolor=colour, lw=1.3, zorder=3)
        if row.first_published is None:
            continue
        published = row.first_published.start
        ax.scatter([published], [y], marker="D", s=60, color="black", zorder=4)
        if row.stated_date is not None and row.stated_date.after(row.first_published):
            stated = row.stated_date.start
            ax.annotate("", xy=(stated, y), xytext=(published, y),
                        arrowprops=dict(arrowstyle="->", color="black", lw=1, shrinkA=5, shrinkB=5), zorder=2)
            ax.scatter([stated], [y], marker="D", s=60, facecolor="white", edgecolor="black", lw=1.3, zorder=4)
    ax.axvline(today, color=style.MUTED, lw=1, ls="--")
    ax.text(today, len(lanes) - 0.45, "checked ", fontsize=S, color=style.MUTED, va="bottom", ha="right")
    ax.set_yticks(range(len(lanes)), [data.short_id(s) for s in lanes])
    ax.set_ylim(-0.6, len(lanes) - 0.3)
    ax.xaxis.set_major_locator(mdates.YearLocator(4))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2005, 7, 1), dt.date(today.year + 1, 1, 1))
    ax.set_title("Events behind each story, and when it was published")
    handles = [Line2D([], [], marker="o", ls="", color=t.colour, label=t.label) for t in vocab.THEMES]
    handles += [Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor=style.MUTED,
                       label="Event after the story"),
                Line2D([], [], marker="D", ls="", color="black", label="First published"),
                Line2D([], [], marker="D", ls="", markerfacecolor="white", markeredgecolor="black",
                       label="Later date on the page")]
    _legend_below(ax, handles, ncol=2, offset=-0.12)
    return fig


APPROVAL_MARKERS = {"full": "o", "conditional": "^", "time_limited": "s", "hospital_exemption": "D"}
APPROVAL_LABELS = {"full": "Full approval", "conditional": "Conditional", "time_limited": "Conditional, time-limited",
                   "hospital_exemption": "Hospital exemption"}


def approvals_chart(source: str | None = None) -> plt.Figure:
    """MSC approvals by jurisdiction and date, marked by type, withdrawals crossed; a story's publication
    date drawn as a line, so its statements can be set against the record."""
    approvals = data.approvals().copy()
    approvals["when"] = [d.start for d in approvals["approval_date"]]
    order = approvals.groupby("country_region")["when"].min().sort_values().index.tolist()
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.3 + 0.42 * len(order)))
    wrong = vocab.CONTRADICTED.colour
    for y, country in enumerate(reversed(order)):
        ax.axhline(y, color="#F2F2F2", lw=8, zorder=0)
        rows = approvals[approvals["country_region"] == country].sort_values(["when", "product"])
        for row in rows.itertuples():
            ax.scatter([row.when], [y], marker=APPROVAL_MARKERS[row.approval_type], s=55,
                       color=style.ACCENT if row.status == "approved" else "#999999", zorder=3, edgecolor="white", lw=0.6)
            if row.status == "withdrawn" and row.status_date is not None:
                ended = row.status_date.start
                ax.plot([row.when, ended], [y, y], color="#999999", lw=1.2, ls=":", zorder=2)
                ax.scatter([ended], [y], marker="X", s=55, color=wrong, zorder=3)
    if source:
        published = data.source_row(source).first_published.start
        ax.axvline(published, color=wrong, lw=1.2, ls="--")
        ax.text(published, len(order) - 0.4, f"{data.short_id(source)} published ", fontsize=S, ha="right",
                va="bottom", color=style.INK)
    ax.set_yticks(range(len(order)), list(reversed(order)))
    ax.set_ylim(-0.7, len(order) - 0.1)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2010, 1, 1), dt.date(data.check_date().year + 1, 1, 1))
    ax.set_title("Approved MSC products by jurisdiction and date")
    handles = [Line2D([], [], marker=m, ls="", color=style.ACCENT, label=APPROVAL_LABELS[t])
               for t, m in APPROVAL_MARKERS.items()]
    handles.append(Line2D([], [], marker="X", ls="", color=wrong, label="Withdrawn"))
    _legend_below(ax, handles, ncol=3, offset=-0.1)
    return fig


def _verdict_handles(codes) -> list:
    return [Patch(color=vocab.VERDICT[c].colour, label=f"{vocab.VERDICT[c].symbol} {vocab.VERDICT[c].label}")
            for c in codes]


def verdicts_by_source() -> plt.Figure:
    """Share of each story's claims by verdict, as horizontal stacked bars with counts."""
    claims = data.claims()
    codes = [v.code for v in vocab.VERDICTS]
    table = pd.crosstab(claims["source"].map(data.short_id), claims["verdict"])
    table = table.reindex(columns=codes, fill_value=0).iloc[::-1]
    shares = table.div(table.sum(axis=1).replace(0, 1), axis=0)
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.4 + 0.45 * len(table)))
    left = np.zeros(len(table))
    for code in codes:
        verdict = vocab.VERDICT[code]
        ax.barh(table.index, shares[code], left=left, color=verdict.colour, edgecolor="white", lw=0.8)
        for y, (part, n) in enumerate(zip(shares[code], table[code])):
            if n and part >= 0.06:
                ax.text(left[y] + part / 2, y, str(n), ha="center", va="center", fontsize=S, color=verdict.text_colour)
        left += shares[code].to_numpy()
    for y, total in enumerate(table.sum(axis=1)):
        ax.text(1.01, y, f"n = {total}", va="center", fontsize=S)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("Share of the story's claims")
    ax.set_title("Verdicts per story")
    _legend_below(ax, _verdict_handles(codes), ncol=3, offset=-0.3)
    return fig


def claims_by_theme_and_source() -> plt.Figure:
    """A grid of themes by stories: how many claims each story makes on each theme (main or related)
    and what share of the checkable ones the evidence supports in full."""
    sources = data.sources()["source"].tolist()
    themes = list(vocab.CHAPTER_THEMES)
    fig, ax = plt.subplots(figsize=(style.WIDTH, 3.8))
    cmap = plt.get_cmap("cividis")
    for x, source in enumerate(sources):
        for y, theme in enumerate(reversed(themes)):
            claims = data.theme_claims(theme.code)
            claims = claims[claims["source"] == source]
            if claims.empty:
                ax.text(x, y, "\u2013", ha="center", va="center", color="#BBBBBB", fontsize=S + 2)
                continue
            share = metrics.share_supported(claims)
            ax.scatter([x], [y], s=220 + 50 * len(claims), color=cmap(share) if share is not None else "#DDDDDD",
                       edgecolor="#555555", lw=0.5, zorder=3)
            ax.text(x, y, str(len(claims)), ha="center", va="center", fontsize=S,
                    color="white" if share is not None and share < 0.55 else "black", zorder=4)
    ax.set_xticks(range(len(sources)), [data.short_id(s) for s in sources])
    ax.set_yticks(range(len(themes)), [t.label for t in reversed(themes)])
    ax.set_xlim(-0.6, len(sources) - 0.4)
    ax.set_ylim(-0.6, len(themes) - 0.4)
    ax.grid(False)
    # A legend of sample shades rather than a colour bar (which matplotlib draws as a bitmap).
    handles = [Line2D([], [], marker="o", ls="", markersize=9, markerfacecolor=cmap(v), markeredgecolor="#555555",
                      label=f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1)]
    ax.legend(handles=handles, title="Share of the checkable claims fully supported", title_fontsize=S,
              loc="upper center", bbox_to_anchor=(0.3, -0.1), ncol=5, fontsize=S, columnspacing=0.8, handletextpad=0.2)
    ax.set_title("Claims by theme and story (number in each circle)")
    return fig


def ratings_grid() -> plt.Figure:
    """Reporting criteria by stories: satisfactory, not satisfactory or not applicable."""
    ratings = data.ratings()
    sources = data.sources()["source"].tolist()
    criteria = list(vocab.CRITERIA)
    fig, ax = plt.subplots(figsize=(style.WIDTH, 6.8))  # the criteria's labels take the rest of the width
    for x, source in enumerate(sources):
        own = ratings[ratings["source"] == source].set_index("criterion")["rating"]
        for y, criterion in enumerate(reversed(criteria)):
            value = vocab.RATING_VALUE.get(own.get(criterion.code, ""))
            if value is None:
                ax.text(x, y, "\u2026", ha="center", va="center", fontsize=S, color=style.MUTED)
                continue
            ax.add_patch(plt.Rectangle((x - 0.46, y - 0.44), 0.92, 0.88, color=value.colour, lw=0))
            ax.text(x, y, value.mark, ha="center", va="center", fontsize=S if value.mark == "n/a" else S + 3,
                    color=vocab.text_on(value.colour))
    labels = []
    for source in sources:
        summary = metrics.rating_summary(ratings[ratings["source"] == source])
        score = f"{summary['score']:.0%}" if summary["score"] is not None else "no score"
        labels.append(f"{data.short_id(source)}\n{summary['satisfactory']}/{summary['judged']}\n{score}")
    ax.set_xticks(range(len(sources)), labels, fontsize=S)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(criteria)), [c.label for c in reversed(criteria)], fontsize=S)
    families = [c.family for c in criteria]
    first_isscr = families.index(vocab.ISSCR)
    ax.axhline(len(criteria) - first_isscr - 0.5, color="black", lw=1)
    ax.set_xlim(-0.5, len(sources) - 0.5)
    ax.set_ylim(-0.5, len(criteria) - 0.5)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    handles = [Patch(color=r.colour, label=r.label) for r in vocab.RATING_VALUES]
    _legend_below(ax, handles, ncol=2, offset=-0.02)
    ax.set_title("Ratings per story", pad=48)
    return fig


def theme_verdicts(theme: str) -> plt.Figure:
    """For one theme: its claims per story, stacked by verdict (counts)."""
    claims = data.theme_claims(theme)
    codes = [v.code for v in vocab.VERDICTS]
    table = pd.crosstab(claims["source"].map(data.short_id), claims["verdict"])
    table = table.reindex(columns=codes, fill_value=0).iloc[::-1]
    present = [c for c in codes if table[c].sum()]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.5 + 0.45 * len(table)))
    left = np.zeros(len(table))
    for code in present:
        verdict = vocab.VERDICT[code]
        ax.barh(table.index, table[code], left=left, color=verdict.colour, edgecolor="white", lw=0.8)
        for y, (start, n) in enumerate(zip(left, table[code])):
            if n:
                ax.text(start + n / 2, y, str(n), ha="center", va="center", fontsize=S, color=verdict.text_colour)
        left += table[code].to_numpy()
    ax.set_xlabel("Claims")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_title(f"{vocab.THEME[theme].label}: verdicts by story")
    _legend_below(ax, _verdict_handles(present), ncol=3, offset=-0.45 if len(table) < 3 else -0.3)
    return fig


def source_words() -> plt.Figure:
    """Words per story, split into article text and the page debris set aside."""
    stats = data.source_stats().iloc[::-1]
    debris = stats["raw_words"] - stats["words"]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.3 + 0.42 * len(stats)))
    ax.barh(stats["short_id"], stats["words"], color=style.ACCENT, label="Article text")
    ax.barh(stats["short_id"], debris, left=stats["words"], color=style.SECOND, label="Page debris (set aside)")
    for y, (n, extra) in enumerate(zip(stats["words"], debris)):
        ax.text(n + extra + 8, y, f"{n}" + (f" + {extra}" if extra else ""), va="center", fontsize=S)
    ax.set_xlabel("Words")
    ax.set_xlim(0, stats["raw_words"].max() * 1.25)
    ax.set_title("Article text and page debris per story")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.28), ncol=2)
    return fig


def agreement_matrix() -> plt.Figure:
    """How the two reviewers' verdicts compare: first reviewer down, second across, counts in cells."""
    table = metrics.paired(data.reviews())
    codes = [v.code for v in vocab.VERDICTS]
    matrix = pd.crosstab(table["A"], table["B"]).reindex(index=codes, columns=codes, fill_value=0)
    fig, ax = plt.subplots(figsize=(style.WIDTH, 4.6))
    peak = max(1, matrix.to_numpy().max())
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            n = int(matrix.loc[a, b])
            shade = (1 - 0.75 * n / peak) if n else 1
            colour = vocab.VERDICT[a].colour if i == j else "#B0B0B0"
            ax.add_patch(plt.Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, color=colour, alpha=0.25 + 0.75 * (1 - shade) if n else 0.06))
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=S + 1, color=style.INK)
    names = [vocab.VERDICT[c].label for c in codes]
    ax.set_xticks(range(len(codes)), names, rotation=30, ha="right", fontsize=S)
    ax.set_yticks(range(len(codes)), names, fontsize=S)
    ax.set_xlim(-0.5, len(codes) - 0.5)
    ax.set_ylim(len(codes) - 0.5, -0.5)
    ax.set_xlabel("Second reviewer (blind)")
    ax.set_ylabel("First reviewer")
    ax.grid(False)
    ax.set_title("The two reviewers' verdicts (diagonal: agreement)")
    return fig
