"""Export the claim ledger as schema.org ClaimReview records (JSON-LD).

``python -m stemreport.claimreview`` rewrites ``data/claimreview.jsonld``; a test keeps the committed
file equal to what the ledger produces, and the book embeds each source's reviews in its HTML page.
"""
from __future__ import annotations

import json
import sys

from stemreport import data
from stemreport.paths import project_root

AUTHOR = {"@type": "Organization", "name": "The stem-cell report team"}
OUTPUT = "data/claimreview.jsonld"


def chapter_page(source: str) -> str:
    return f"notebooks/source_{source[:3]}.html"


def reviews(source: str | None = None) -> list[dict]:
    sources = data.sources().set_index("source")
    records = []
    for row in data.claims().itertuples():
        if source and row.source != source:
            continue
        meta = sources.loc[row.source]
        appearance = {"@type": "CreativeWork", "headline": meta["working_title"],
                      "publisher": {"@type": "Organization", "name": meta["outlet"]}}
        if meta["url"]:
            appearance["url"] = meta["url"]
        if meta["first_published"]:
            appearance["datePublished"] = meta["first_published"]
        record = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "@id": f"{chapter_page(row.source)}#{row.claim_id}",
            "identifier": row.claim_id,
            "claimReviewed": row.claim,
            "itemReviewed": {"@type": "Claim", "text": row.quote, "appearance": appearance},
            "author": AUTHOR,
        }
        if row.verdict:
            record["reviewRating"] = {"@type": "Rating", "alternateName": row.verdict,
                                      "ratingExplanation": row.explanation}
            record["datePublished"] = row.checked_on
        records.append(record)
    return records


def render(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> int:
    (project_root() / OUTPUT).write_text(render(reviews()), encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
