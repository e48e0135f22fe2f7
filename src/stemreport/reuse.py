"""The ledger in standard forms for reuse: W3C Web Annotations and a Frictionless Data Package.

- ``annotations()``: one Web Annotation per checked claim (``data/claims.annotations.jsonld``; a claim
  not yet checked has no assessment to publish). Its target's ``source`` is the story's page, its
  address in ``data/sources.csv``, which annotation tools such as Hypothesis anchor on, with a
  ``TextQuoteSelector`` (exact, prefix, suffix) and a ``TextPositionSelector`` (character offsets). The
  offsets count characters of the seed, the copy of the page that was checked, which a ``TimeState``
  names: ``cached`` is the seed's SHA-256 (``urn:sha256:...``; the seeds are not published in the book)
  and ``sourceDate`` the annotation's ``created`` (the page as it was checked). The quote re-anchors on
  the live page; the offsets hold in the seed, and a test re-anchors every claim in it. A story without
  an address has the seed itself as ``source`` and no state. Its ``id`` is the
  claim's card, addressed as ``stemreport.claimreview`` says (absolute with ``html_baseurl``; otherwise
  relative to the book's root, with ``"@base": null`` in the context). The bodies are
  the verdict (purpose ``assessing``), where the text is wrong the correction (``editing``: the W3C
  vocabulary's word for asking that the target be changed; it has no "correcting") and the reasoning
  (``commenting``). ``created`` and ``modified`` are the claim's ClaimReview ``datePublished`` and
  ``dateModified`` (``claimreview.review_dates``), as ``xsd:dateTime`` as the model requires: the day at
  00:00 UTC (the ledger records the day, not the hour).
- ``datapackage()``: ``data/datapackage.json``, a Table Schema for every table, generated from the
  checks of ``stemreport.schemas`` (so the descriptor cannot drift from validation; a check it cannot
  state is an error): types (integers for offsets, dates for full ISO dates), required fields (empty
  cells are missing values), enumerations from the vocabulary, patterns, uniqueness, primary keys (a
  unique id column, or the table's declared key), foreign keys, licence.
"""
from __future__ import annotations

import hashlib
import json
import re

from stemreport import claimreview, data, schemas, vocab
from stemreport.paths import project_root
from stemreport.seeds import load_seed

ANNO = "http://www.w3.org/ns/anno.jsonld"
CONTEXT = 200  # characters of prefix and suffix, plenty to make every quote unique in its seed
LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}


def seed_hash(source: str) -> str:
    return hashlib.sha256((project_root() / "seeds" / f"{source}.txt").read_bytes()).hexdigest()


def _datetime(day) -> str:
    """An ``xsd:dateTime``, as the model requires: the day at 00:00 UTC (the ledger records days)."""
    return f"{day.iso()}T00:00:00Z"


def annotations(base_url: str = "") -> dict:
    sources = data.sources().set_index("source")
    dates = claimreview.review_dates()
    items = []
    for claim in data.claims().itertuples():
        if not claim.verdict:  # not yet checked: nothing is assessed yet
            continue
        text = load_seed(claim.source)
        meta = sources.loc[claim.source]
        published, modified = dates[claim.claim_id]  # the same dates as the claim's ClaimReview
        seed = f"urn:sha256:{seed_hash(claim.source)}"
        target = {"type": "SpecificResource", "source": meta["url"] or seed,
                  "selector": [
                      {"type": "TextQuoteSelector", "exact": claim.quote,
                       "prefix": text[max(0, claim.start - CONTEXT):claim.start], "suffix": text[claim.end:claim.end + CONTEXT]},
                      {"type": "TextPositionSelector", "start": claim.start, "end": claim.end}]}
        if meta["url"]:  # the page, as the text that was checked: the seed
            target["state"] = {"type": "TimeState", "cached": seed, "sourceDate": _datetime(published)}
        verdict = vocab.verdict(claim.verdict)
        body = [{"type": "TextualBody", "purpose": "assessing", "format": "text/plain", "value": verdict.label}]
        if claim.correction:
            body.append({"type": "TextualBody", "purpose": "editing", "format": "text/plain", "value": claim.correction})
        body.append({"type": "TextualBody", "purpose": "commenting", "format": "text/plain", "value": claim.explanation})
        item = {"id": claimreview.card_url(claim.claim_id, claim.source, base_url), "type": "Annotation",
                "motivation": "assessing", "body": body, "target": target}
        item["created"] = _datetime(published)
        if modified is not None:
            item["modified"] = _datetime(modified)
        items.append(item)
    return {"@context": claimreview.context(ANNO, relative_to_root=not base_url), "type": "AnnotationCollection",
            "label": "Claims of the stem-cell news report, with verdicts", "total": len(items),
            "first": {"type": "AnnotationPage", "items": items}}


FOREIGN = {
    "claims": [("source", "sources", "source")],
    "reviews": [("claim_id", "claims", "claim_id")],
    "ratings": [("source", "sources", "source")],
    "boilerplate": [("source", "sources", "source")],
    "events": [("source", "sources", "source")],
    "hsc_routes": [("source", "sources", "source")],
}
PARTIAL_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"


def _unanchored(pattern: str) -> str:
    """Table Schema patterns match the whole value; pandera's carry explicit anchors."""
    return pattern.removeprefix("^").removesuffix("$")


def table_field(table: schemas.Table, name: str) -> dict:
    """A Table Schema field from the column's pandera checks (``stemreport.schemas`` names each check and
    gives its parameters): its type, whether it is required, its enum, pattern, minimum and uniqueness.
    Empty cells are missing values, so a column that may be empty is simply not required."""
    column = table.schema.columns[name]
    field: dict = {"name": name, "type": "string"}
    constraints: dict = {}
    required = False

    def pattern(value: str) -> None:
        if "pattern" in constraints:
            raise ValueError(f"{table.file}: {name} has two patterns; the Data Package can state one")
        constraints["pattern"] = _unanchored(value)

    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "not_empty":
            required = True
        elif check.name == "str_matches":
            pattern(stats["pattern"])
            required = required or re.fullmatch(stats["pattern"], "") is None
        elif check.name == "one_of":
            constraints["enum"] = list(stats["values"])
            required = required or not stats["allow_empty"]
        elif check.name == "whole_number":
            field["type"] = "integer"
            constraints["minimum"] = 0
            required = True
        elif check.name == "iso_date":
            precision = data.DATE_COLUMNS.get(table.file, {}).get(name)
            if stats["allow_partial"]:
                pattern(PARTIAL_DATE)
                field["description"] = "ISO 8601 date, or its year or year-month" + (f" (see {precision})" if precision else "")
            else:
                field["type"] = "date"
                if precision:
                    field["description"] = f"ISO 8601 date, known to the precision given in {precision}"
            required = required or not stats["allow_empty"]
        elif check.name in ("key_list", "theme_list", "claim_list", "http_url"):
            pattern(stats["pattern"])
            required = required or not stats["allow_empty"]
        else:
            raise ValueError(f"{table.file}: {name} has a check ({check.name!r}) that reuse.table_field cannot "
                             "state in the Data Package; name it and describe it there")
    if column.unique:
        constraints["unique"] = True
    if required:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def datapackage() -> dict:
    resources = []
    for table in schemas.TABLES:
        name = table.schema.name
        schema = {"fields": [table_field(table, column) for column in table.columns], "missingValues": [""]}
        if table.primary_key:
            schema["primaryKey"] = table.primary_key
        if name in FOREIGN:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": rf}} for f, r, rf in FOREIGN[name]]
        resources.append({"name": name, "path": table.file.removeprefix("data/"), "profile": "tabular-data-resource",
                          "format": "csv", "encoding": "utf-8", "schema": schema})
    return {"name": "stemcell-news-factcheck", "title": "Stem cells in the news, checked against the evidence",
            "profile": "tabular-data-package", "licenses": [LICENCE], "resources": resources,
            "description": "The claim ledger, reviews, corrections, evidence log and reference tables of the report. "
                           "data/README.md describes every column; the seeds (source texts) are third-party "
                           "material and are not part of this package."}


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
