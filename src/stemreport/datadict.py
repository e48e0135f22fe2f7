"""The data dictionary (``data/README.md``), generated from the schemas so it cannot drift from them.

Each table's columns and rules come from ``stemreport.schemas`` (the same checks validation runs); the
descriptions of what a table holds and where its facts came from are written here, once.
"""
from __future__ import annotations

from stemreport import reuse, schemas

ABOUT = {
    "data/sources.csv": "One row per story: outlet, address, dates printed and estimated, how the story was dated, the primary study, and the story's one-sentence summary and what it gets right (shown in its verdict box). Dates come from the page, its address and the events it reports (see `date_evidence`).",
    "data/claims.csv": "The ledger: one checkable proposition per row, quoted verbatim from its seed with character offsets, restated faithfully, judged by the rules of the method chapter, with evidence keys, an explanation and, for every claim that is not supported (opinions aside), a correction. Validated against the seeds (the quote must be the seed's text at the offsets), the bibliography, the reviews and the vocabulary.",
    "data/boilerplate.csv": "Page debris in the seeds (navigation, share buttons, related-article lists), found by the rules in `stemreport.boilerplate` and regenerated from them; excluded from counts and quotes.",
    "data/ratings.csv": "Each story rated on each reporting criterion of `stemreport.vocab.CRITERIA`: satisfactory, not satisfactory or not applicable, with a one-line reason.",
    "data/approvals.csv": "Approved MSC products by the inclusion rule stated in the MSC chapter, each with its regulator, date (and precision), type, status and evidence keys.",
    "data/events.csv": "Dated events behind the stories, with their precision, theme and evidence keys; used for the timeline and for what happened after each story.",
    "data/space_flights.csv": "Stem-cell experiments flown in space that the stories mention or the evidence shows.",
    "data/hsc_routes.csv": "Routes to blood stem cells described by the stories, compared.",
    "data/marrow_models.csv": "Lab-built bone-marrow models against what a bone-marrow model must show.",
    "data/reviews.csv": "Both reviewers' verdicts on every checked claim (A: the ledger's author; B: blind second reviewer), and an adjudication row with its reason wherever they differ. Validation requires two reviews per claim, a reason for every adjudication, and the ledger's verdict to be the agreed or adjudicated one.",
    "data/corrections.csv": "The ledger's history: every change (verdict, split, retired, restatement, quote, added, evidence, correction) with its date, old and new value and reason. Retired ids must not reappear in the ledger.",
    "data/evidence_log.csv": "How every bibliography entry can be found again: the search query, the date, whether the same address or the same work was found, the source's quality and the fact it supports. Every key of `references.bib` must have a row.",
}


# Table Schema types other than text, for readers (one column, several).
TYPES = {"integer": ("a whole number", "whole numbers"), "date": ("a date, YYYY-MM-DD", "dates, YYYY-MM-DD")}


def _types(table) -> str:
    """The table's columns that the Data Package types as other than text (the same fields it writes)."""
    typed: dict[str, list[str]] = {}
    for name in table.columns:
        kind = reuse.table_field(table, name)["type"]
        if kind != "string":
            typed.setdefault(kind, []).append(f"`{name}`")
    if not typed:
        return "Types: every column is text."
    parts = [f"{', '.join(names[:-1]) + ' and ' if len(names) > 1 else ''}{names[-1]} ({TYPES[kind][len(names) > 1]})"
             for kind, names in typed.items()]
    return f"Types: {'; '.join(parts)}; the other columns are text."


def _rules(column) -> str:
    rules = [c.error for c in column.checks if getattr(c, "error", None)]
    return "; ".join(dict.fromkeys(rules)) or "free text"


def addresses(base_url: str) -> list[str]:
    """How the ``@id`` and ``url`` of the JSON-LD files resolve (``stemreport.claimreview``)."""
    example = "notebooks/source_NNN.html#SNNN-NN"  # placeholders: the book links every real claim id
    lines = ["## Addresses in the JSON-LD files", "",
             "Every ClaimReview's `@id` and `url` in `claimreview.jsonld` and every annotation's `id` in",
             "`claims.annotations.jsonld` is the claim's card in the HTML edition: its chapter page and the claim id as anchor."]
    if base_url:
        return lines + [f"They are absolute, under the book's public address `{base_url}` (`html_baseurl` in `_config.yml`):",
                        f"for example `{base_url.rstrip('/')}/{example}`.", ""]
    return lines + [
        "This edition has no public address (`html_baseurl` in `_config.yml` is empty), so they are written",
        f"relative to the book's root, the folder of the HTML edition that holds `index.html`: for example `{example}`.",
        "Resolve them against the address of that folder, not against the file's own location (`data/`, the",
        "book's `_downloads/` folder or the data zip), which would give pages that do not exist. The files say",
        'so to JSON-LD processors: their `@context` sets `"@base": null`, which keeps relative addresses as they',
        "are written. Setting `html_baseurl` and running `make exports` makes every address absolute.", ""]


def render(base_url: str = "") -> str:
    lines = ["# Data dictionary", "",
             "Generated from `src/stemreport/schemas.py` by `make exports` (`python -m stemreport_tools.export`); a test keeps it in step.",
             "Every file is UTF-8 CSV with exactly these columns in this order; an empty cell means unknown or none.",
             "`datapackage.json` (Frictionless Data Package) states the same rules for standard tools: each column's",
             "type (each table's line 'Types' below), required columns, allowed values, patterns,",
             "primary and foreign keys; an empty cell is a missing value.",
             "Validation (`python -m stemreport.validate`, run before every build) reports each problem with the file,",
             "the line and the row's id.", ""]
    for table in schemas.TABLES:
        lines += [f"## `{table.file}`", "", ABOUT.get(table.file, ""), "",
                  f"Rows are named in error messages by `{table.id_column}`.", "",
                  _types(table), "",
                  "| column | a value is rejected when |", "| --- | --- |"]
        for name, column in table.schema.columns.items():
            unique = " (unique)" if column.unique else ""
            lines.append(f"| `{name}` | {_rules(column).replace('|', '/')}{unique} |")
        lines.append("")
    lines += addresses(base_url)
    return "\n".join(lines)
