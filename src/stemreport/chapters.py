"""Building blocks of the source chapters: metadata card, claim tables, fact-checks, highlighted text.

Every block is computed from the validated data, so a chapter notebook is prose plus one call per
block. Text from the sources is always escaped (see ``stemreport.tables``).
"""
from __future__ import annotations

import pandas as pd

from stemreport import data, schemas
from stemreport.seeds import load_seed
from stemreport.tables import Markup, MarkdownTable, MarkdownText, escape

BADGE_ROLE = {
    "supported": "bdg-success",
    "partly_supported": "bdg-info",
    "outdated": "bdg-warning",
    "contradicted": "bdg-danger",
    "unverifiable": "bdg-secondary",
    "opinion": "bdg-primary",
}
NOT_CHECKED = "not yet checked"


def badge(verdict: str) -> Markup:
    """A coloured verdict badge in HTML (plain text in print); empty verdicts say so honestly."""
    if not verdict:
        return Markup("{bdg-light}`not yet checked`")
    return Markup(f"{{{BADGE_ROLE[verdict]}}}`{schemas.VERDICT_LABELS[verdict]}`")


def cite(keys: str) -> str:
    keys = [k for k in keys.split(";") if k]
    return f" {{cite:p}}`{','.join(keys)}`" if keys else ""


def source_row(source: str) -> pd.Series:
    sources = data.sources()
    return sources.loc[sources["source"] == source].iloc[0]


def source_claims(source: str) -> pd.DataFrame:
    claims = data.claims()
    return claims[claims["source"] == source].reset_index(drop=True)


def verdict_counts(claims: pd.DataFrame) -> dict[str, int]:
    counts = claims["verdict"].replace("", NOT_CHECKED).value_counts()
    return {v: int(counts.get(v, 0)) for v in [*schemas.VERDICTS, NOT_CHECKED]}


def source_card(source: str) -> MarkdownTable:
    row = source_row(source)
    fields = [
        ("Seed file", f"seeds/{source}.txt"),
        ("Outlet", row.outlet),
        ("Author", row.author or "none named"),
        ("Address", row.url or "none found"),
        ("Date printed on the page", row.stated_date or "none"),
        ("First published (our estimate)", row.first_published or "not established"),
        ("How we dated it", row.date_evidence),
        ("Type of text", row.text_type),
        ("Primary study or announcement", Markup(escape(row.primary_study) + cite(row.primary_keys))),
    ]
    frame = pd.DataFrame(fields, columns=["Field", "Value"])
    return MarkdownTable(frame, f"Where source {data.short_id(source)} comes from.",
                         f"tbl-{data.short_id(source).lower()}-card", widths=[25, 75])


def claims_table(source: str) -> MarkdownTable:
    claims = source_claims(source)
    frame = pd.DataFrame({
        "ID": claims["claim_id"],
        "Quote from the source": claims["quote"],
        "Theme": claims["theme"].map(schemas.THEME_LABELS),
        "Our restatement": claims["claim"],
        "Verdict": [badge(v) for v in claims["verdict"]],
    })
    return MarkdownTable(frame, f"Every checkable claim in source {data.short_id(source)}, quoted verbatim.",
                         f"tbl-{data.short_id(source).lower()}-claims", widths=[11, 32, 13, 29, 15])


def fact_checks(source: str) -> MarkdownText:
    """One block per claim: verdict badge, the quote, what the evidence shows, and the citations."""
    blocks, plain = [], []
    for row in source_claims(source).itertuples():
        if row.verdict:
            finding = (f"{escape(row.explanation)}{cite(row.evidence)} "
                       f"*Confidence: {row.confidence}; checked {row.checked_on}.*")
        else:
            finding = "*Not yet checked.*"
        blocks.append(f"**{row.claim_id}** {badge(row.verdict)}\n\n> {escape(row.quote)}\n\n{finding}\n")
        plain.append(f"{row.claim_id}: {row.verdict or NOT_CHECKED}")
    return MarkdownText("\n".join(blocks), "\n".join(plain))


def highlighted_text(source: str) -> MarkdownText:
    """The source's article text with each claim's span in bold and tagged with its id; debris is
    replaced by a short marker saying what was set aside."""
    text = load_seed(source)
    claims = source_claims(source)
    marked = [None] * len(text)
    for row in claims.itertuples():
        for i in range(row.start, row.end):
            marked[i] = marked[i] or row.claim_id
    ends = {}
    for row in claims.itertuples():
        ends.setdefault(row.end, []).append(row.claim_id)
    debris = {seg[0]: seg for seg in data.content_segments(source) if seg[2]}
    kinds = {(r.start, r.end): r.kind for r in data.boilerplate().itertuples() if r.source == source}
    paragraphs, current, i = [], [], 0
    run_start, run_bold = 0, None

    def flush_run(end):
        chunk = text[run_start:end]
        if not chunk:
            return
        lines = chunk.split("\n")
        for n, line in enumerate(lines):
            if n:
                paragraphs.append("".join(current))
                current.clear()
            if not line.strip():
                current.append(" " if line and current else "")
                continue
            # Bold markers go on the words, never on surrounding spaces (CommonMark would not parse them).
            words = escape(line.strip())
            if run_bold:
                words = f"**{words}**"
            lead = " " if line[0].isspace() and current else ""
            trail = " " if line[-1].isspace() else ""
            current.append(lead + words + trail)

    while i < len(text):
        if i in debris:
            flush_run(i)
            start, end, _ = debris[i]
            current.append(f"*\\[set aside: {kinds[(start, end)].replace('_', ' ')}\\]*")
            i = end
            run_start, run_bold = i, marked[i] if i < len(text) else None
            continue
        if marked[i] != run_bold:
            flush_run(i)
            run_start, run_bold = i, marked[i]
        if i + 1 in ends and marked[i]:
            flush_run(i + 1)
            current.append(" {sup}`" + ",".join(ends[i + 1]) + "`")
            run_start, run_bold = i + 1, marked[i + 1] if i + 1 < len(text) else None
        i += 1
    flush_run(len(text))
    paragraphs.append("".join(current))
    body = "\n\n".join(p.strip() for p in paragraphs if p.strip())
    return MarkdownText(body, f"{source}: {len(claims)} highlighted claims")


def boilerplate_table(source: str) -> MarkdownTable | MarkdownText:
    spans = data.boilerplate()
    spans = spans[spans["source"] == source]
    if spans.empty:
        return MarkdownText("*Nothing was set aside: the saved text carries no page debris.*", "no debris")
    frame = pd.DataFrame({
        "Characters": [f"{s}\u2013{e}" for s, e in zip(spans["start"], spans["end"])],
        "Kind": spans["kind"].str.replace("_", " "),
        "Why it was set aside": spans["reason"],
        "Text (shortened)": [t if len(t) <= 90 else t[:87] + "..." for t in spans["text"]],
    })
    return MarkdownTable(frame, f"Page debris set aside in source {data.short_id(source)}.",
                         f"tbl-{data.short_id(source).lower()}-debris", widths=[12, 16, 32, 40])


def rating_summary(source: str) -> dict:
    """Media Doctor practice: a score (share satisfactory) only when at least 7 criteria are evaluable."""
    frame = data.ratings()
    frame = frame[frame["source"] == source]
    evaluable = frame[frame["rating"] != "not_applicable"]
    satisfactory = int((evaluable["rating"] == "satisfactory").sum())
    score = satisfactory / len(evaluable) if len(evaluable) >= 7 else None
    return {"evaluable": len(evaluable), "satisfactory": satisfactory, "score": score}


def ratings_table(source: str) -> MarkdownTable:
    frame = data.ratings()
    frame = frame[frame["source"] == source]
    labels = {"satisfactory": "Satisfactory", "not_satisfactory": "Not satisfactory", "not_applicable": "Not applicable"}
    table = pd.DataFrame({
        "Criterion": frame["criterion"].map(schemas.RATING_CRITERIA),
        "From": frame["criterion"].map(schemas.RATING_FAMILY),
        "Rating": frame["rating"].map(labels),
        "Why": frame["rationale"],
    })
    return MarkdownTable(table, f"How source {data.short_id(source)} does as health and science reporting.",
                         f"tbl-{data.short_id(source).lower()}-ratings", widths=[26, 12, 14, 48])
