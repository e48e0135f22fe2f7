"""Building blocks of the source chapters, bottom line first.

A source chapter is the template ``tools/templates/source.ipynb`` with its source id filled in: prose
plus one call per block, in this order: the verdict box (the story, what it gets right, what it gets
wrong with the truth beside it, the verdict counts, the rating), one card per claim, the text with its
claims marked, the rating table, the provenance card and the debris set aside, and the changes log.

Every block is computed from the validated data and rendered as MyST markup, using the roles of the
``stemreport_sphinx`` extension (``{claim}``, ``{claimtext}``, ``{verdict}``) so that ids are links and
badges always show the ledger's current verdict. Text from the sources is always escaped.
"""
from __future__ import annotations

import re

import pandas as pd

from stemreport import data, metrics, vocab, words
from stemreport.seeds import load_seed
from stemreport.tables import MarkdownTable, MarkdownText, Markup, escape, linked

PDF_LINK = "../book.pdf"  # the typeset book, published beside the HTML (every chapter page is one folder deep)


# --------------------------------------------------------------------------- small pieces of markup

def role(name: str, content: str) -> str:
    """``{name}`content``` for any content: a run of backticks inside is fenced by a longer run (as in
    CommonMark code spans), so no character of a source can end the role early."""
    runs = [len(r) for r in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{{{name}}}{fence}{pad}{content}{pad}{fence}"


def badge(code: str) -> Markup:
    """A verdict badge (its colour, symbol and label come from the vocabulary via the extension)."""
    return Markup(f"{{verdict}}`{code or vocab.NOT_CHECKED.code}`")


def ref(claim_id: str) -> Markup:
    """A claim's id as a link to its card, with its current verdict badge."""
    return Markup(f"{{claim}}`{claim_id}`")


def cite(keys: str) -> str:
    keys = [k for k in keys.split(";") if k]
    return f" {{cite:p}}`{','.join(keys)}`" if keys else ""


def theme_label(theme: str) -> str:
    """The page label of a theme chapter: its docname's last part, with hyphens."""
    return vocab.THEME[theme].chapter.rsplit("/", 1)[1].replace("_", "-")


def chapter_label(source: str) -> str:
    return f"source-{source[:3]}"


def story(source: str) -> Markup:
    """The story's code and short title, linked to its chapter: never an S-code alone."""
    row = data.source_row(source)
    return Markup(f"{{ref}}`{row.short_id}, {row.short_title} <{chapter_label(source)}>`")  # role text is literal: no escapes


def shorten(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " \u2026"


def quoted(text: str, limit: int = 110) -> Markup:
    """A story's words in the book's quotation marks, shortened and escaped. Double quotation marks inside
    the words become single ones, as nested quotations are printed, so a quote that itself opens with a
    quotation mark does not show as two opening marks in a row."""
    inner = re.sub(r'(^|[\s(\[])"', "\\1\u2018", shorten(text, limit))
    inner = inner.replace('"', "\u2019").replace("\u201c", "\u2018").replace("\u201d", "\u2019")
    return Markup(f"\u201c{escape(inner)}\u201d")


def verdict_tally(claims: pd.DataFrame) -> Markup:
    """'{verdict}`supported|14 ·` {verdict}`contradicted|11` ...', verdicts with no claims left out."""
    counts = metrics.verdict_counts(claims)
    shown = [(code, n) for code, n in counts.items() if n]
    # Badge, count and the dot after it are one unit (see the verdict role): a line breaks only between units.
    dots = [" \u00b7"] * (len(shown) - 1) + [""]
    parts = [f"{{verdict}}`{code}|{n}{dot}`" for (code, n), dot in zip(shown, dots)]
    return Markup(" ".join(parts) if parts else "no claims extracted yet")


def rating_sentence(source: str) -> str:
    ratings = data.ratings()
    summary = metrics.rating_summary(ratings[ratings["source"] == source])
    if not summary["rated"]:
        return "Not yet rated."
    judged, good = summary["judged"], summary["satisfactory"]
    score = f"score {words.percent(summary['score'])}" if summary["score"] is not None else \
        f"no score (fewer than {words.number(vocab.MIN_JUDGED_FOR_SCORE)} criteria could be judged)"
    return (f"{words.capitalised(words.number(good))} of the {words.count(judged, 'criterion', words=False)} that "
            f"apply {'was' if good == 1 else 'were'} met: {score}.")


# --------------------------------------------------------------------------- numbers the prose glues

def criteria_values() -> dict[str, str]:
    """Counts of the rating vocabulary that prose states ("four drawn from the ISSCR's guidance", "at least
    seven criteria"), so that adding a criterion or changing the rule changes the sentences too."""
    return {"n_isscr": words.number(sum(c.family == vocab.ISSCR for c in vocab.CRITERIA)),
            "n_criteria": words.number(len(vocab.CRITERIA)),
            "min_judged": words.number(vocab.MIN_JUDGED_FOR_SCORE)}


def _years(years: float | None) -> str:
    """'3.2 years' (or 'no time at all' when the page's date is not later than the first publication)."""
    return "no time at all" if years is None else f"{years:g} {'year' if years == 1 else 'years'}"


def glue_values(source: str) -> dict[str, str]:
    """Everything a source chapter's prose quotes, as text (counts agree with their nouns)."""
    row = data.source_row(source)
    claims = data.source_claims(source)
    stats = data.source_stats().set_index("source").loc[source]
    counts = metrics.verdict_counts(claims)
    checked = len(claims) - counts[vocab.NOT_CHECKED.code]
    return {
        "code": row.short_id,
        "claims": words.count(len(claims), "claim"),
        "checked": words.count(checked, "claim"),
        "words": words.count(int(stats["words"]), "word", words=False),
        "first_published": row.first_published.long() if row.first_published else "not established",
        "stated_date": row.stated_date.long() if row.stated_date else "no date",
        "stamp_gap": _years(metrics.years_between(row.first_published, row.stated_date)),
        "rating": rating_sentence(source),
        "n_wrong": words.count(len(metrics.wrong(claims)), "claim"),
        **criteria_values(),
    }


# --------------------------------------------------------------------------- the verdict box

BOX_ERRORS = 3
"""How many errors (with their truths) the verdict box shows before the rest fold away, so that the
bottom line, the counts and the most consequential errors fit a laptop's first screen."""


def _main_theme_first(source: str, codes: set[str]) -> pd.DataFrame:
    """The story's claims with a verdict in ``codes``, most consequential first, by the stated rule: those
    on the story's main theme before the others, each group in reading order (headline and page stamp
    first, since more readers meet them than any later line)."""
    claims = data.source_claims(source).sort_values("start")
    pool = claims[claims["verdict"].isin(codes)]
    on_main = pool["theme"] == data.source_row(source).theme_list[0]
    return pd.concat([pool[on_main], pool[~on_main]])


def ranked_errors(source: str) -> pd.DataFrame:
    """The story's errors (contradicted or outdated), most consequential first."""
    return _main_theme_first(source, metrics.WRONG)


def ranked_overstatements(source: str) -> pd.DataFrame:
    """Its partly supported claims, ranked like errors."""
    return _main_theme_first(source, {vocab.PARTLY_SUPPORTED.code})


def most_consequential_error(source: str) -> pd.Series | None:
    """The first of :func:`ranked_errors`; failing that, the first partly supported claim on the main
    theme. None if the story has neither."""
    errors = ranked_errors(source)
    if len(errors):
        return errors.iloc[0]
    partly = ranked_overstatements(source)
    partly = partly[partly["theme"] == data.source_row(source).theme_list[0]]
    return partly.iloc[0] if len(partly) else None


def _truth_list(claims: pd.DataFrame, what: str) -> list[str]:
    """Claims as a list, each with its quote and the truth beside it; beyond ``BOX_ERRORS`` the rest fold
    into a dropdown (open in print), so every one is still shown with its truth."""
    items = [f"- {ref(c.claim_id)} {quoted(c.quote)} **True:** {escape(c.correction)}" for c in claims.itertuples()]
    lines = items[:BOX_ERRORS]
    rest = items[BOX_ERRORS:]
    if rest:
        lines += ["", f"````{{dropdown}} {words.capitalised(words.count(len(rest), 'more ' + what))}, each with what is true",
                  ":class-container: more-errors", "", *rest, "````"]
    return lines


def verdict_box(source: str) -> MarkdownText:
    """The bottom line, in the order a skimming reader needs it: what the story is, how its claims fared
    (counts and rating), what it gets wrong with the truth beside each error (the most consequential
    first), then what it gets right."""
    row = data.source_row(source)
    claims = data.source_claims(source)
    counts = metrics.verdict_counts(claims)
    checkable = metrics.checked(metrics.checkable(claims))
    lines = [f":::::{{admonition}} Bottom line on {row.short_id}, {escape(row.short_title)}", ":class: verdict-box", ""]
    lines.append(f"**The story.** {escape(row.summary) if row.summary else '*Not yet summarised.*'}")
    lines.append("")
    lines += [f"**Verdicts.** {verdict_tally(claims)}", "",
              f"**As reporting.** {escape(rating_sentence(source).removesuffix('.'))} "
              f"({{ref}}`the ratings <{chapter_label(source)}-ratings>`).", ""]
    if not len(checkable):
        lines.append(f"**Not yet checked.** This story's {words.count(len(claims), 'claim')} "
                     f"{'has' if len(claims) == 1 else 'have'} not been fact-checked yet: no verdict below is final.")
    else:
        wrong = ranked_errors(source)
        partly = counts[vocab.PARTLY_SUPPORTED.code]
        if len(wrong):
            lines.append(f"**What it gets wrong, and what is true** ({words.count(len(wrong), 'error')}, "
                         "the most consequential first):")
            lines += ["", *_truth_list(wrong, "error")]
            if partly:
                lines += ["", f"{words.capitalised(words.count(partly, 'more claim'))} {'is' if partly == 1 else 'are'} "
                          "partly supported: a true core, stretched or missing a qualifier (see the cards below)."]
        else:
            lines.append("**What it gets wrong.** No claim is contradicted or outdated.")
            if partly:
                lines += ["", f"**What it overstates, and what is true** ({words.count(partly, 'claim')} partly "
                          "supported, the most consequential first):", "",
                          *_truth_list(ranked_overstatements(source), "overstated claim")]
        supported = counts[vocab.SUPPORTED.code]
        lines += ["", f"**What it gets right.** {escape(row.gets_right)} "
                  f"({words.capitalised(words.number(supported))} of its {words.count(len(checkable), 'checkable claim')} "
                  f"{'is' if supported == 1 else 'are'} fully supported.)"]
    links = []
    if row.url:
        links.append(f"[the original page]({row.url})")
    links.append(f"<a href=\"{PDF_LINK}\">this book as a PDF</a>")
    joined = " \u00b7 ".join(links)
    lines += ["", "```{container} only-html", f"**Read it yourself:** {joined}", "```", ":::::"]
    plain = f"{row.short_id}: " + ", ".join(f"{n} {c}" for c, n in counts.items() if n)
    return MarkdownText("\n".join(lines), plain)


# --------------------------------------------------------------------------- one card per claim

def card(claim) -> str:
    """The canonical card of one claim (a row of the ledger), anchored by its id."""
    verdict = vocab.verdict(claim.verdict)
    theme = vocab.THEME[claim.theme]
    meta = [f"{{ref}}`{theme.label} <{theme_label(theme.code)}>`" if theme.chapter else escape(theme.label)]
    if claim.verdict:
        meta += [escape(f"confidence {claim.confidence}"), escape(f"checked {claim.checked_on.iso()}")]
    lines = [f"::::{{claim-card}} {claim.claim_id}",
             f"{badge(claim.verdict)} **{claim.claim_id}** \u00b7 {' · '.join(meta)}", "",
             f"> {escape(claim.quote)}", "",
             f"**The text says:** {escape(claim.claim)}", ""]
    if claim.correction:
        lines += [f"**What is true:** {linked(claim.correction)}", ""]
    if claim.verdict:
        lines += [f"**Why {verdict.label.lower()}:** {linked(claim.explanation)}{cite(claim.evidence)}", ""]
    else:
        lines += ["*Not yet checked.*", ""]
    lines += [f"{{claimback}}`{claim.claim_id}`", "::::"]
    return "\n".join(lines)


def claim_cards(source: str) -> MarkdownText:
    claims = data.source_claims(source)
    if claims.empty:
        return MarkdownText("*No claims have been extracted from this story yet.*", "no claims")
    blocks = [card(c) for c in claims.itertuples()]
    plain = "\n".join(f"{c.claim_id}: {c.verdict or vocab.NOT_CHECKED.code}" for c in claims.itertuples())
    return MarkdownText("\n\n".join(blocks), plain)


def retired_cards(source: str) -> MarkdownText:
    """Anchors for ids that no longer name a claim, so links to them still lead somewhere."""
    prefix = data.short_id(source) + "-"
    log = data.corrections()
    retired = data.retired_ids()
    retired = retired[retired["claim_id"].str.startswith(prefix)]
    mine = log[log["claim_id"].str.startswith(prefix)]
    lines = []
    for row in retired.itertuples():
        lines += [f"::::{{claim-card}} {row.claim_id}", f"{badge(vocab.RETIRED.code)} **{row.claim_id}** \u00b7 retired {row.date.iso()}",
                  "", f"> {escape(row.old_value)}", "", f"**Why:** {linked(row.reason)}", "::::", ""]
    changes = mine[mine["change"] != "retired"]
    if len(changes):
        kinds = changes.groupby("change")["claim_id"].nunique()
        summary = words.listing([f"{words.count(int(n), 'claim')} ({kind})" for kind, n in kinds.items()])
        lines.append(f"Changes logged for this story's claims: {summary}; every change, with the old and new "
                     f"value and the reason, is in the {{ref}}`corrections log <changes>`.")
    if not lines:
        lines.append("No claim of this story has been changed since it was first published.")
    return MarkdownText("\n".join(lines), f"{len(retired)} retired ids, {len(changes)} logged changes")


# --------------------------------------------------------------------------- the marked text

def legend(claims: pd.DataFrame) -> str:
    """The key to the marked text: the verdicts that occur, each with its symbol (in the tags) and its
    underline style (on screen), so that colour is never the only cue; and what the grey type is."""
    codes = set(claims["verdict"].replace("", vocab.NOT_CHECKED.code))
    present = [v for v in (*vocab.VERDICTS, vocab.NOT_CHECKED) if v.code in codes]
    badges = " ".join(str(badge(v.code)) for v in present)
    styles = ", ".join(f"{v.label.lower()} {v.underline}" for v in present)
    return (f"**Key.** Each claim is marked in its verdict's colour and followed by a tag, the verdict's symbol and the "
            f"claim's id, that leads to its card: {badges}. On screen each verdict also has its own underline: "
            f"{styles}. Page debris that we set aside (menus, captions, links) is in small grey type.")


def _segments(text: str, claims: pd.DataFrame) -> list[tuple[int, int, str | None]]:
    """Cut the text where any claim starts or ends; each piece carries its innermost claim (or None)."""
    cuts = {0, len(text)}
    for c in claims.itertuples():
        cuts |= {c.start, c.end}
    cuts = sorted(cuts)
    spans = [(c.start, c.end, c.claim_id) for c in claims.itertuples()]
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s[0] <= a and b <= s[1]]
        inner = min(covering, key=lambda s: s[1] - s[0])[2] if covering else None
        pieces.append((a, b, inner))
    return pieces


def marked_text(source: str) -> MarkdownText:
    """The article text as saved, each claim span coloured by verdict and linked to its card, a tag after
    each claim; set-aside debris kept visible but quiet. Paragraphs follow the seed's line breaks."""
    text = load_seed(source)
    claims = data.source_claims(source)
    debris = {(r.start, r.end): r.kind.replace("_", " ") for r in data.boilerplate().itertuples() if r.source == source}
    ends: dict[int, list[str]] = {}
    for c in claims.sort_values(["end", "start"], ascending=[True, False]).itertuples():
        ends.setdefault(c.end, []).append(c.claim_id)
    paragraphs, current = [], []

    def emit(chunk: str, claim_id: str | None, kind: str | None) -> None:
        for n, line in enumerate(chunk.split("\n")):
            if n:
                paragraphs.append("".join(current))
                current.clear()
            if not line.strip():
                if line and current:
                    current.append(" ")
                continue
            lead = " " if line[0].isspace() and current else ""
            trail = " " if line[-1].isspace() else ""
            body = " ".join(line.split())
            if kind:
                piece = role("debris", f"{kind}|{body}")
            elif claim_id:
                piece = role("claimtext", f"{claim_id}|{body}")
            else:
                piece = escape(body)
            current.append(lead + piece + trail)

    cursor = 0
    debris_spans = sorted(debris.items())
    boundaries = []
    for (s, e), kind in debris_spans:
        if s > cursor:
            boundaries.append((cursor, s, None))
        boundaries.append((s, e, kind))
        cursor = e
    if cursor < len(text):
        boundaries.append((cursor, len(text), None))
    for s, e, kind in boundaries:
        if kind:
            emit(text[s:e], None, kind)
            continue
        own = claims[(claims["start"] >= s) & (claims["end"] <= e)]
        for a, b, claim_id in _segments(text[s:e], own.assign(start=own["start"] - s, end=own["end"] - s)):
            emit(text[s + a:s + b], claim_id, None)
            for tag in ends.get(s + b, []):
                current.append(f"{{claimmark}}`{tag}`")
    paragraphs.append("".join(current))
    body = "\n\n".join([legend(claims)] * bool(len(claims)) + [p.strip() for p in paragraphs if p.strip()])
    return MarkdownText(body, f"{source}: {len(claims)} marked claims")


# --------------------------------------------------------------------------- ratings and provenance

def ratings_table(source: str) -> MarkdownTable | MarkdownText:
    frame = data.ratings()
    frame = frame[frame["source"] == source]
    if frame.empty:
        return MarkdownText("*Not yet rated.*", "not yet rated")
    table = pd.DataFrame({
        "Criterion": [f"{vocab.CRITERION[c].label} ({vocab.CRITERION[c].family.split(' /')[0]})" for c in frame["criterion"]],
        "Rating": frame["rating"].map(lambda r: vocab.RATING_VALUE[r].label),
        "Why": frame["rationale"],
    })
    return MarkdownTable(table, f"How {data.short_id(source)} does as health and science reporting.",
                         f"tbl-{data.short_id(source).lower()}-ratings", widths=[30, 16, 54])


def source_card(source: str) -> MarkdownTable:
    row = data.source_row(source)
    fields = [
        ("Seed file", f"seeds/{source}.txt"),
        ("Outlet", row.outlet),
        ("Author", row.author or "none named"),
        ("Address", Markup(f"<{row.url}>") if row.url else "none found"),
        ("Date printed on the page", row.stated_date.long() if row.stated_date else "none"),
        ("First published (our estimate)", row.first_published.long() if row.first_published else "not established"),
        ("How we dated it", row.date_evidence),
        ("Type of text", row.text_type or "not yet classified"),
        ("Primary study or announcement", Markup(escape(row.primary_study) + cite(row.primary_keys))),
    ]
    frame = pd.DataFrame(fields, columns=["Field", "Value"])
    return MarkdownTable(frame, f"Where {row.short_id} comes from.", f"tbl-{row.short_id.lower()}-card", widths=[25, 75])


def boilerplate_table(source: str) -> MarkdownTable | MarkdownText:
    spans = data.boilerplate()
    spans = spans[spans["source"] == source]
    if spans.empty:
        return MarkdownText("*Nothing was set aside: the saved text carries no page debris.*", "no debris")
    frame = pd.DataFrame({
        "Characters": [f"{s}\u2013{e}" for s, e in zip(spans["start"], spans["end"])],
        "Kind": spans["kind"].str.replace("_", " "),
        "Why it was set aside": spans["reason"],
        "Text (shortened)": [shorten(t, 90) for t in spans["text"]],
    })
    return MarkdownTable(frame, f"Page debris set aside in {data.short_id(source)}.",
                         f"tbl-{data.short_id(source).lower()}-debris", widths=[13, 16, 31, 40])
