"""The claim ledger as schema.org ClaimReview records (JSON-LD).

The Sphinx extension embeds each source's reviews in its chapter page; the tooling writes the whole
ledger to ``data/claimreview.jsonld`` (a test keeps that file equal to what the ledger gives).

Addresses: a review's ``@id`` and ``url`` are its claim card, ``<page>#<claim id>``. With a public base
URL (``html_baseurl`` in ``_config.yml``) they are absolute. Without one, an embedded record uses the
fragment alone (``#S004-05``: the card on the page that carries it) and the downloaded file uses paths
relative to the book's root (``notebooks/source_004.html#S004-05``).

Rating scale: ``ratingValue`` 1 (contradicted) to 5 (supported), from ``stemreport.vocab``; claims that
are opinions or unverifiable carry no numeric rating, only the verdict's phrase.
"""
from __future__ import annotations

import json
import re

from stemreport import data, vocab

PUBLISHER = {"@type": "Organization", "name": "Stem cells in the news (fact-check report)"}
BEST, WORST = 5, 1


def chapter_docname(source: str) -> str:
    """Where a source's chapter (and its claim cards) live."""
    return f"notebooks/source_{source[:3]}"


def source_of_page(pagename: str) -> str | None:
    match = re.fullmatch(r"notebooks/source_(\d{3})", pagename)
    if not match:
        return None
    return next((s for s in data.sources()["source"] if s.startswith(match.group(1) + "_")), None)


def card_url(claim_id: str, source: str, base_url: str = "", embedded: bool = False) -> str:
    if base_url:
        return f"{base_url.rstrip('/')}/{chapter_docname(source)}.html#{claim_id}"
    return f"#{claim_id}" if embedded else f"{chapter_docname(source)}.html#{claim_id}"


def reviews(source: str | None = None, base_url: str = "", embedded: bool = True) -> list[dict]:
    sources = data.sources().set_index("source")
    modified = {}
    for row in data.corrections().itertuples():
        modified[row.claim_id] = max(modified.get(row.claim_id, row.date), row.date)
    records = []
    for row in data.claims().itertuples():
        if source and row.source != source:
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
        record = {"@context": "https://schema.org", "@type": "ClaimReview", "@id": url, "url": url,
                  "identifier": row.claim_id, "claimReviewed": row.claim, "itemReviewed": claim, "author": PUBLISHER}
        if row.verdict:
            verdict = vocab.VERDICT[row.verdict]
            rating = {"@type": "Rating", "alternateName": verdict.rating_name,
                      "ratingExplanation": row.explanation}
            if verdict.rating_value is not None:
                rating.update(ratingValue=verdict.rating_value, bestRating=BEST, worstRating=WORST)
            record["reviewRating"] = rating
            record["reviewBody"] = (row.correction + " " if row.correction else "") + row.explanation
            record["datePublished"] = row.checked_on.iso()
            if row.claim_id in modified:
                record["dateModified"] = modified[row.claim_id].iso()
        records.append(record)
    return records


def render(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
