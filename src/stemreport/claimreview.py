"""The claim ledger as schema.org ClaimReview records (JSON-LD).

The Sphinx extension embeds each source's reviews in its chapter page; the tooling writes the whole
ledger to ``data/claimreview.jsonld`` (a test keeps that file equal to what the ledger gives).

Addresses: a review's ``@id`` and ``url`` are its claim card, ``<page>#<claim id>``. With a public base
URL (``html_baseurl`` in ``_config.yml``, passed in as ``base_url``) they are absolute,
``<base>/notebooks/source_004.html#S004-05``, wherever the record is read. Without one, an embedded
record uses the fragment alone (``#S004-05``: the card on the page that carries it), and the downloaded
file, which is read from several places (``data/``, the book's ``_downloads/<hash>/``, the data zip),
uses paths relative to the book's root (``notebooks/source_004.html#S004-05``) and says so in its
context: ``"@base": null`` (``context``), so a JSON-LD processor keeps them as written instead of
resolving them against the file's own location, which would give pages that do not exist. The data
dictionary states the base.

Rating scale: ``ratingValue`` 1 (contradicted) to 5 (supported), from ``stemreport.vocab``; claims that
are opinions or unverifiable carry no numeric rating, only the verdict's phrase. A claim not yet checked
(a new story's claims, empty verdict) has no review: it is left out, never published without a rating.

Dates (``review_dates``): a review's history is its claim's entries in ``data/corrections.csv`` (the
rows about it, and the split that created it) and its ``checked_on``. ``datePublished`` is the first
publication of the review, the earliest of those dates (the log records changes after publication, so
its first entry can be older than the last check); ``dateModified`` is the latest of them (a change in
the log, or a re-check, which the card shows), given when the log has entries for the claim. So
``dateModified`` is never before ``datePublished``.
"""
from __future__ import annotations

import json
import re

from stemreport import data, vocab
from stemreport.dates import PartialDate

PUBLISHER = {"@type": "Organization", "name": "Stem cells in the news (fact-check report)"}
SCHEMA_ORG = "https://schema.org"
BEST, WORST = 5, 1


def chapter_docname(source: str) -> str:
    """Where a source's chapter (and its claim cards) live."""
    return f"notebooks/source_{source[:3]}"


def source_of_page(pagename: str) -> str | None:
    match = re.fullmatch(r"notebooks/source_(\d{3})", pagename)
    if not match:
        return None
    return next((s for s in data.sources()["source"] if s.startswith(match.group(1) + "_")), None)


def context(vocabulary: str, relative_to_root: bool) -> str | list:
    """A JSON-LD ``@context``: the vocabulary alone, or, for addresses relative to the book's root in a
    file that can sit anywhere, the vocabulary and ``"@base": null`` (relative ids stay relative)."""
    return [vocabulary, {"@base": None}] if relative_to_root else vocabulary


def card_url(claim_id: str, source: str, base_url: str = "", embedded: bool = False) -> str:
    if base_url:
        return f"{base_url.rstrip('/')}/{chapter_docname(source)}.html#{claim_id}"
    return f"#{claim_id}" if embedded else f"{chapter_docname(source)}.html#{claim_id}"


_CLAIM_ID = re.compile(r"S\d{3}-\d{2}")


def review_dates() -> dict[str, tuple[PartialDate, PartialDate | None]]:
    """For every checked claim: (datePublished, dateModified or None), as the module's docstring says."""
    log: dict[str, list[PartialDate]] = {}
    for row in data.corrections().itertuples():
        named = {row.claim_id}
        if row.change == "split":  # 'S004-13; S004-32': the split created the ids after the first
            named.update(_CLAIM_ID.findall(row.new_value))
        for claim_id in named:
            log.setdefault(claim_id, []).append(row.date)
    dates = {}
    for row in data.claims().itertuples():
        if not row.verdict:
            continue
        history = [row.checked_on, *log.get(row.claim_id, [])]
        published = min(history, key=lambda d: d.start)
        modified = max(history, key=lambda d: d.start) if row.claim_id in log else None
        dates[row.claim_id] = (published, modified)
    return dates


def reviews(source: str | None = None, base_url: str = "", embedded: bool = True) -> list[dict]:
    """The ClaimReview of every checked claim (of one ``source``, or all); unchecked claims have none."""
    sources = data.sources().set_index("source")
    dates = review_dates()
    records = []
    for row in data.claims().itertuples():
        if (source and row.source != source) or not row.verdict:
            continue
        meta = sources.loc[row.source]
        appearance = {"@type": "CreativeWork", "headline": meta["working_title"],
                      "publisher": {"@type": "Organization", "name": meta["outlet"].split(" (")[0]}}
        if meta["url"]:
            appearance["url"] = meta["url"]
        if meta["first_published"] is not None:
            appearance["datePublished"] = meta["first_published"].iso()
        claim = {"@type": "Claim", "text": row.quote, "appearance": appearance,
                 "author": {"@type": "Organization", "name": meta["outlet"].split(" (")[0]}}
        if meta["first_published"] is not None:
            claim["datePublished"] = meta["first_published"].iso()
        url = card_url(row.claim_id, row.source, base_url, embedded)
        record = {"@context": context(SCHEMA_ORG, relative_to_root=not base_url and not embedded),
                  "@type": "ClaimReview", "@id": url, "url": url,
                  "identifier": row.claim_id, "claimReviewed": row.claim, "itemReviewed": claim, "author": PUBLISHER}
        verdict = vocab.VERDICT[row.verdict]
        rating = {"@type": "Rating", "alternateName": verdict.rating_name, "ratingExplanation": row.explanation}
        if verdict.rating_value is not None:
            rating.update(ratingValue=verdict.rating_value, bestRating=BEST, worstRating=WORST)
        record["reviewRating"] = rating
        record["reviewBody"] = (row.correction + " " if row.correction else "") + row.explanation
        published, modified = dates[row.claim_id]
        record["datePublished"] = published.iso()
        if modified is not None:
            record["dateModified"] = modified.iso()
        records.append(record)
    return records


def render(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
