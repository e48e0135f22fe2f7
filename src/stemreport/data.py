"""Validated, typed access to the report's data for notebooks and the Sphinx extension.

Everything goes through ``stemreport.validate.validate_all`` first, so nothing renders from input that
failed a check (through ``validated_tables``: the build's validation step stores what it validated, and a
kernel uses that only while every input byte and the package's code are what was validated).

Types are set here, once: offsets become integers and every date column becomes a ``PartialDate`` (or
``None`` when empty) at the precision the data give it, so no caller re-parses or compares date strings.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from stemreport import schemas, vocab
from stemreport.dates import PartialDate, parse_optional
from stemreport.paths import project_root
from stemreport.seeds import load_seed
from stemreport.validate import BIBLIOGRAPHY, validated_tables

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

# Date columns per file: column -> the column holding its precision (None: the value's own length).
DATE_COLUMNS = {
    schemas.SOURCES.file: {"stated_date": None, "first_published": None},
    schemas.CLAIMS.file: {"checked_on": None},
    schemas.APPROVALS.file: {"approval_date": "date_precision", "status_date": None},
    schemas.EVENTS.file: {"date": "date_precision"},
    schemas.SPACE_FLIGHTS.file: {"date": "date_precision"},
    schemas.MARROW_MODELS.file: {"published": "date_precision"},
    schemas.CORRECTIONS.file: {"date": None},
    schemas.EVIDENCE_LOG.file: {"searched_on": None},
}
INT_COLUMNS = {schemas.CLAIMS.file: ("start", "end"), schemas.BOILERPLATE.file: ("start", "end")}


@cache
def _tables(root: Path) -> dict:
    return validated_tables(root)


@cache
def _typed(file: str, root: Path) -> pd.DataFrame:
    frame = _tables(root)[file].drop(columns="csv_line").copy()
    for column in INT_COLUMNS.get(file, ()):
        frame[column] = frame[column].astype(int)
    for column, precision_column in DATE_COLUMNS.get(file, {}).items():
        precisions = frame[precision_column] if precision_column else [None] * len(frame)
        frame[column] = [parse_optional(v, p) for v, p in zip(frame[column], precisions)]
    return frame.reset_index(drop=True)


def _frame(file: str, root: Path | None) -> pd.DataFrame:
    return _typed(file, (root or project_root()).resolve()).copy()


def sources(root: Path | None = None) -> pd.DataFrame:
    frame = _frame(schemas.SOURCES.file, root)
    frame["theme_list"] = frame["themes"].str.split(";")
    frame["short_id"] = frame["source"].map(short_id)
    return frame


def claims(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.CLAIMS.file, root)


def boilerplate(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.BOILERPLATE.file, root)


def ratings(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.RATINGS_TABLE.file, root)


def approvals(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.APPROVALS.file, root)


def events(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.EVENTS.file, root)


def space_flights(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.SPACE_FLIGHTS.file, root)


def hsc_routes(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.HSC_ROUTES.file, root)


def marrow_models(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.MARROW_MODELS.file, root)


def reviews(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.REVIEWS.file, root)


def corrections(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.CORRECTIONS.file, root)


def evidence_log(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.EVIDENCE_LOG.file, root)


def bibliography(root: Path | None = None) -> dict[str, dict[str, str]]:
    return _tables((root or project_root()).resolve())[BIBLIOGRAPHY]


def short_id(source: str) -> str:
    """``000_fba4077bc5a9e4a0`` -> ``S000``: the prefix used in claim ids and labels."""
    return "S" + source[:3]


def source_of(short: str, root: Path | None = None) -> str:
    """``S004`` (or ``004``) -> the full source id."""
    digits = short.removeprefix("S")
    return next(s for s in sources(root)["source"] if s.startswith(digits + "_"))


def source_row(source: str, root: Path | None = None) -> pd.Series:
    frame = sources(root)
    return frame.loc[frame["source"] == source].iloc[0]


def source_claims(source: str, root: Path | None = None) -> pd.DataFrame:
    frame = claims(root)
    return frame[frame["source"] == source].reset_index(drop=True)


def retired_ids(root: Path | None = None) -> pd.DataFrame:
    """Ids that no longer name a claim (retired or split away), with the corrections-log row that says why."""
    log = corrections(root)
    return log[log["change"] == "retired"].reset_index(drop=True)


def events_after_publication(root: Path | None = None) -> pd.DataFrame:
    """Events on record that certainly happened after the story they bear on was first published (a story
    dated only to a month counts as published at the month's end)."""
    frame = events(root)
    published = sources(root).set_index("source")["first_published"]
    after = [published[e.source] is not None and e.date.after(published[e.source]) for e in frame.itertuples()]
    return frame[after].reset_index(drop=True)


def content_segments(source: str, root: Path | None = None) -> list[tuple[int, int, bool]]:
    """Split a seed into (start, end, is_boilerplate) segments covering the whole raw text."""
    text = load_seed(source, root or project_root())
    spans = sorted((r.start, r.end) for r in boilerplate(root).itertuples() if r.source == source)
    segments, cursor = [], 0
    for start, end in spans:
        if start > cursor:
            segments.append((cursor, start, False))
        segments.append((start, end, True))
        cursor = max(cursor, end)
    if cursor < len(text):
        segments.append((cursor, len(text), False))
    return segments


def clean_text(source: str, root: Path | None = None) -> str:
    """The seed with marked boilerplate removed (for counting and display; offsets use the raw seed)."""
    text = load_seed(source, root or project_root())
    return "".join(text[s:e] for s, e, junk in content_segments(source, root) if not junk)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def source_stats(root: Path | None = None) -> pd.DataFrame:
    """One row per source: size of the raw seed and of its content once boilerplate is set aside."""
    root = root or project_root()
    rows = []
    for row in sources(root).itertuples():
        raw = load_seed(row.source, root)
        clean = clean_text(row.source, root)
        rows.append({"source": row.source, "short_id": row.short_id, "working_title": row.working_title,
                     "outlet": row.outlet, "stated_date": row.stated_date, "themes": row.themes,
                     "words": count_words(clean), "characters": len(clean),
                     "raw_words": count_words(raw), "raw_characters": len(raw)})
    return pd.DataFrame(rows)


def theme_claims(theme: str, root: Path | None = None) -> pd.DataFrame:
    """Every ledger claim on ``theme`` from every source: its main theme, or one of its related themes."""
    frame = claims(root)
    related = frame["related_themes"].str.split(";").map(lambda ts: theme in ts)
    selected = frame[(frame["theme"] == theme) | related].copy()
    selected["role"] = ["main" if t == theme else "related" for t in selected["theme"]]
    return selected.reset_index(drop=True)


def verdict_of(code: str) -> vocab.Verdict:
    return vocab.verdict(code)


def check_date(root: Path | None = None) -> PartialDate:
    """The date the ledger was last checked (latest ``checked_on``): 'today' for figures and prose."""
    return max(d for d in claims(root)["checked_on"] if d is not None)
