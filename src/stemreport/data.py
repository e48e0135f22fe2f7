"""Validated, typed access to the report's data for notebooks.

Everything goes through ``stemreport.validate.validate_all`` first, so a notebook never renders
from input that failed a check.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from stemreport import schemas
from stemreport.paths import project_root
from stemreport.seeds import load_seed
from stemreport.validate import BIBLIOGRAPHY, validate_all

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@lru_cache(maxsize=None)
def _tables(root: Path) -> dict:
    return validate_all(root)


def _frame(file: str, root: Path | None, ints: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = _tables(root or project_root())[file].drop(columns="csv_line").copy()
    for column in ints:
        frame[column] = frame[column].astype(int)
    return frame.reset_index(drop=True)


def sources(root: Path | None = None) -> pd.DataFrame:
    frame = _frame(schemas.SOURCES.file, root)
    frame["theme_list"] = frame["themes"].str.split(";")
    return frame


def claims(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.CLAIMS.file, root, ("start", "end"))


def boilerplate(root: Path | None = None) -> pd.DataFrame:
    return _frame(schemas.BOILERPLATE.file, root, ("start", "end"))


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


def bibliography(root: Path | None = None) -> dict[str, dict[str, str]]:
    return _tables(root or project_root())[BIBLIOGRAPHY]


DATE_WIDTH = {"day": 10, "month": 7, "year": 4}


def parse_date(value: str) -> dt.date:
    """Partial ISO dates (YYYY, YYYY-MM) sit at the start of their period."""
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def date_end(value: str) -> dt.date:
    """The last day a partial ISO date can mean (so 'after 2025-05' means from June 2025)."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31)


def shown_date(value: str, precision: str) -> str:
    """A date cut to the precision it is known to (2025-05-16 with 'month' shows as 2025-05)."""
    return value[:DATE_WIDTH[precision]]


def events_after_publication(root: Path | None = None) -> pd.DataFrame:
    """Events on record that happened after the story they bear on was first published (a story
    dated only to a month counts as published at the month's end)."""
    frame = events(root)
    published = sources(root).set_index("source")["first_published"]
    after = [bool(published[e.source]) and parse_date(e.date) > date_end(published[e.source])
             for e in frame.itertuples()]
    return frame[after].reset_index(drop=True)


def short_id(source: str) -> str:
    """``000_fba4077bc5a9e4a0`` -> ``S000``: the prefix used in claim ids and labels."""
    return "S" + source[:3]


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
        rows.append({
            "source": row.source,
            "short_id": short_id(row.source),
            "working_title": row.working_title,
            "outlet": row.outlet,
            "stated_date": row.stated_date,
            "themes": row.themes,
            "words": count_words(clean),
            "characters": len(clean),
            "raw_words": count_words(raw),
            "raw_characters": len(raw),
        })
    return pd.DataFrame(rows)


def theme_claims(theme: str, root: Path | None = None) -> pd.DataFrame:
    """Every ledger claim on ``theme`` from every source: its main theme, or one of its related themes."""
    frame = claims(root)
    related = frame["related_themes"].str.split(";").map(lambda ts: theme in ts)
    selected = frame[(frame["theme"] == theme) | related].copy()
    selected["role"] = ["main" if t == theme else "related" for t in selected["theme"]]
    return selected.reset_index(drop=True)
