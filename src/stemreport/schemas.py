"""Declared schemas of the report's data files (pandera); the controlled vocabularies come from ``vocab``.

Each ``Table`` names its file, its exact header and the column that identifies a row in error
messages. Relational checks (quotes against seeds, keys against the bibliography) live in
``stemreport.validate``.

Every check is named and carries its parameters as pandera ``statistics`` (allowed values, pattern,
whether a cell may be empty), so the Data Package (``stemreport.reuse.datapackage``) is generated from
these schemas: the same rules, stated for Frictionless, with nothing typed twice.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandera.pandas as pa

from stemreport import dates, vocab

THEMES = [t.code for t in vocab.THEMES]
VERDICTS = [v.code for v in vocab.VERDICTS]
CONFIDENCE = list(vocab.CONFIDENCE)
BOILERPLATE_KINDS = ["navigation", "social", "subscription", "related_articles", "media_placeholder",
                     "unrelated_caption", "page_furniture"]

_CLAIM_ID = re.compile(r"^S\d{3}-\d{2}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_:-]*$")
_SEED_ID = pa.Check.str_matches(r"^\d{3}_[0-9a-f]{16}$", error="not a seed id like 000_0123456789abcdef")


def is_iso_date(value: str, allow_partial: bool = False) -> bool:
    """``YYYY-MM-DD`` that is a real date (or ``YYYY``/``YYYY-MM`` when ``allow_partial``)."""
    patterns = ["%Y-%m-%d"] + (["%Y-%m", "%Y"] if allow_partial else [])
    for fmt in patterns:
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.strftime(fmt) == value  # rejects e.g. "2025-4-7"
    return False


def _list_pattern(item: str) -> str:
    """A ';'-separated list of ``item`` (a regular expression without anchors)."""
    return f"{item}(;{item})*"


def _nonempty(name: str) -> pa.Check:
    return pa.Check(lambda s: s.str.strip() != "", element_wise=False, error=f"{name} is empty", name="not_empty")


def _in(values: list[str], allow_empty: bool = False) -> pa.Check:
    allowed = set(values) | ({""} if allow_empty else set())
    return pa.Check(lambda s: s.isin(allowed), error=f"value not in {values}" + (" (or empty)" if allow_empty else ""),
                    name="one_of", statistics={"values": list(values), "allow_empty": allow_empty})


def _date(allow_empty: bool = False, allow_partial: bool = False) -> pa.Check:
    shape = "YYYY-MM-DD" + (" (or YYYY-MM / YYYY)" if allow_partial else "")
    return pa.Check(lambda v: (allow_empty and v == "") or is_iso_date(v, allow_partial),
                    element_wise=True, error=f"not an ISO date {shape}" + (" or empty" if allow_empty else ""),
                    name="iso_date", statistics={"allow_empty": allow_empty, "allow_partial": allow_partial})


def _int() -> pa.Check:
    return pa.Check(lambda v: v.isdigit(), element_wise=True, error="not a non-negative whole number", name="whole_number")


def _key_list(allow_empty: bool) -> pa.Check:
    def ok(value: str) -> bool:
        if value == "":
            return allow_empty
        return all(_KEY.match(k) for k in value.split(";"))
    return pa.Check(ok, element_wise=True,
                    error="not a ';'-separated list of bibliography keys (lowercase, no spaces)" +
                          ("" if allow_empty else "; at least one key is required"),
                    name="key_list", statistics={"pattern": _list_pattern(_KEY.pattern.strip("^$")), "allow_empty": allow_empty})


def _themes_list(allow_empty: bool = False) -> pa.Check:
    return pa.Check(lambda v: (v == "" and allow_empty) or (v != "" and all(t in THEMES for t in v.split(";"))),
                    element_wise=True,
                    error=f"not a ';'-separated list of themes from {THEMES}" + (" (or empty)" if allow_empty else ""),
                    name="theme_list", statistics={"pattern": _list_pattern("(" + "|".join(map(re.escape, THEMES)) + ")"),
                                                   "allow_empty": allow_empty})


def _claim_list() -> pa.Check:
    return pa.Check(lambda v: v == "" or all(_CLAIM_ID.match(c) for c in v.split(";")), element_wise=True,
                    error="not a ';'-separated list of claim ids of the form SNNN-NN (or empty)",
                    name="claim_list", statistics={"pattern": _list_pattern(_CLAIM_ID.pattern.strip("^$")), "allow_empty": True})


def _str(*checks: pa.Check, unique: bool = False) -> pa.Column:
    # Every cell is already a string (stemreport.tabular reads them so, and empty cells as ""): the
    # checks check values, and pandera's per-cell dtype check (a third of validation's time) is skipped.
    return pa.Column(None, checks=list(checks), unique=unique, nullable=False)


@dataclass(frozen=True)
class Table:
    file: str
    id_column: str
    schema: pa.DataFrameSchema
    # The columns that identify a row together where no one column does (validation checks each pair once).
    key: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    @property
    def primary_key(self) -> list[str]:
        """The row identity: ``key``, else the id column when it is unique, else none."""
        if self.key:
            return list(self.key)
        column = self.schema.columns.get(self.id_column)
        return [self.id_column] if column is not None and column.unique else []


def _schema(name: str, columns: dict[str, pa.Column]) -> pa.DataFrameSchema:
    # strict: unknown columns are errors; ordered: the header order is part of the contract.
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=name)


SOURCES = Table("data/sources.csv", "source", _schema("sources", {
    "source": _str(_SEED_ID, unique=True),
    "working_title": _str(_nonempty("working_title")),
    # A name of two to four words that goes with the S-code wherever a story is named ("S004, Bone-marrow MSCs").
    "short_title": _str(_nonempty("short_title"), pa.Check.str_matches(r"^[^`<>]+$", error="short_title cannot contain ` < or >")),
    "outlet": _str(_nonempty("outlet")),
    "author": _str(),
    "url": _str(pa.Check(lambda v: v == "" or v.startswith(("http://", "https://")), element_wise=True,
                         error="not an http(s) URL", name="http_url", statistics={"pattern": "https?://.*", "allow_empty": True})),
    "stated_date": _str(_date(allow_empty=True)),
    "first_published": _str(_date(allow_empty=True, allow_partial=True)),
    "date_evidence": _str(),
    "text_type": _str(_in(["news report", "reprint", "rewrite of a news report", "rewrite of a press release",
                           "promotional article", "aggregator summary"], allow_empty=True)),
    "primary_study": _str(),
    "primary_keys": _str(_key_list(allow_empty=True)),
    "themes": _str(_themes_list()),
    # The verdict box at the top of the chapter: the story in one sentence, and what it gets right.
    "summary": _str(),
    "gets_right": _str(),
}))

CLAIMS = Table("data/claims.csv", "claim_id", _schema("claims", {
    "claim_id": _str(pa.Check.str_matches(_CLAIM_ID.pattern, error="claim_id is not of the form SNNN-NN (story number, claim number)"), unique=True),
    "source": _str(_SEED_ID),
    "quote": _str(_nonempty("quote")),
    "start": _str(_int()),
    "end": _str(_int()),
    "theme": _str(_in(THEMES)),
    "claim": _str(_nonempty("claim")),
    "verdict": _str(_in(VERDICTS, allow_empty=True)),
    "evidence": _str(_key_list(allow_empty=True)),
    "explanation": _str(),
    # What is true instead, in one sentence of our words: required for every verdict that needs one.
    "correction": _str(),
    "confidence": _str(_in(CONFIDENCE, allow_empty=True)),
    "checked_on": _str(_date(allow_empty=True)),
    # Other themes the claim speaks to, so each theme chapter gathers it from every source.
    "related_themes": _str(_themes_list(allow_empty=True)),
}))

BOILERPLATE = Table("data/boilerplate.csv", "span", _schema("boilerplate", {
    "source": _str(_SEED_ID),
    "start": _str(_int()),
    "end": _str(_int()),
    "kind": _str(_in(BOILERPLATE_KINDS)),
    "reason": _str(_nonempty("reason")),
    "text": _str(_nonempty("text")),
}))

RATING_CRITERIA = [c.code for c in vocab.CRITERIA]
RATINGS = [r.code for r in vocab.RATING_VALUES]

RATINGS_TABLE = Table("data/ratings.csv", "criterion", _schema("ratings", {
    "source": _str(_SEED_ID),
    "criterion": _str(_in(RATING_CRITERIA)),
    "rating": _str(_in(RATINGS)),
    "rationale": _str(_nonempty("rationale")),
}), key=("source", "criterion"))

APPROVAL_TYPES = ["full", "conditional", "time_limited", "hospital_exemption"]
APPROVAL_STATUS = ["approved", "withdrawn", "expired", "suspended", "unknown"]
CELL_SOURCES = ["bone_marrow", "adipose", "umbilical_cord", "cord_blood", "placenta", "other"]
PRECISION = list(dates.PRECISIONS)

APPROVALS = Table("data/approvals.csv", "product", _schema("approvals", {
    "product": _str(_nonempty("product")),
    "sponsor": _str(_nonempty("sponsor")),
    "country_region": _str(_nonempty("country_region")),
    "regulator": _str(_nonempty("regulator")),
    "approval_date": _str(_date()),
    "date_precision": _str(_in(PRECISION)),
    "approval_type": _str(_in(APPROVAL_TYPES)),
    "status": _str(_in(APPROVAL_STATUS)),
    "status_date": _str(_date(allow_empty=True)),
    "cell_source": _str(_in(CELL_SOURCES)),
    "donor": _str(_in(["autologous", "allogeneic"])),
    "indication": _str(_nonempty("indication")),
    "evidence": _str(_key_list(allow_empty=False)),
    "notes": _str(),
}))

EVENTS = Table("data/events.csv", "event_id", _schema("events", {
    "event_id": _str(pa.Check.str_matches(r"^E\d{3}$", error="event_id is not like E001"), unique=True),
    "date": _str(_date()),
    "date_precision": _str(_in(PRECISION)),
    "event": _str(_nonempty("event")),
    "theme": _str(_in(THEMES)),
    "source": _str(_SEED_ID),
    "evidence": _str(_key_list(allow_empty=False)),
}))

# Reference tables behind the theme chapters: each row links to the ledger claims it bears on.
SPACE_FLIGHTS = Table("data/space_flights.csv", "flight", _schema("space_flights", {
    "flight": _str(_nonempty("flight"), unique=True),
    "date": _str(_date(allow_empty=True, allow_partial=True)),
    "date_precision": _str(_in(PRECISION, allow_empty=True)),
    "date_meaning": _str(_nonempty("date_meaning")),
    "platform": _str(_nonempty("platform")),
    "team": _str(_nonempty("team")),
    "cells": _str(_nonempty("cells")),
    "species": _str(_in(["human", "mouse"])),
    "aim": _str(_nonempty("aim")),
    "result": _str(_nonempty("result")),
    "claims": _str(_claim_list()),
    "evidence": _str(_key_list(allow_empty=False)),
}))

HSC_ROUTES = Table("data/hsc_routes.csv", "route", _schema("hsc_routes", {
    "route": _str(_nonempty("route"), unique=True),
    "source": _str(_SEED_ID),
    "species": _str(_in(["human", "mouse"])),
    "starting_cells": _str(_nonempty("starting_cells")),
    "method": _str(_nonempty("method")),
    "evidence_of_function": _str(_nonempty("evidence_of_function")),
    "distance_from_clinic": _str(_nonempty("distance_from_clinic")),
    "claims": _str(_claim_list()),
    "evidence": _str(_key_list(allow_empty=False)),
}))

MARROW_MODELS = Table("data/marrow_models.csv", "model", _schema("marrow_models", {
    "model": _str(_nonempty("model"), unique=True),
    "published": _str(_date(allow_partial=True)),
    "date_precision": _str(_in(PRECISION)),
    "journal": _str(_nonempty("journal")),
    "made_from": _str(_nonempty("made_from")),
    "niche_cells": _str(_nonempty("niche_cells")),
    "blood_stem_cells": _str(_nonempty("blood_stem_cells")),
    "lineages": _str(_nonempty("lineages")),
    "duration": _str(_nonempty("duration")),
    "growth_factors": _str(_nonempty("growth_factors")),
    "in_vivo": _str(_nonempty("in_vivo")),
    "claims": _str(_claim_list()),
    "evidence": _str(_key_list(allow_empty=False)),
}))

# The second, blind review (see the method chapter): two verdicts per claim, and the adjudicated one
# wherever they differ.
REVIEWS = Table("data/reviews.csv", "claim_id", _schema("reviews", {
    "claim_id": _str(pa.Check.str_matches(_CLAIM_ID.pattern, error="claim_id is not of the form SNNN-NN (story number, claim number)")),
    "reviewer": _str(_in(list(vocab.REVIEWERS))),
    "verdict": _str(_in(VERDICTS)),
    "note": _str(),
}), key=("claim_id", "reviewer"))

# The ledger's history: every change to a claim after its first publication in the book.
CORRECTIONS = Table("data/corrections.csv", "claim_id", _schema("corrections", {
    "date": _str(_date()),
    "claim_id": _str(pa.Check.str_matches(_CLAIM_ID.pattern, error="claim_id is not of the form SNNN-NN (story number, claim number)")),
    "change": _str(_in(list(vocab.CORRECTION_KINDS))),
    "old_value": _str(),
    "new_value": _str(),
    "reason": _str(_nonempty("reason")),
}))

# How each bibliography entry can be found again: the search that finds it, when, and what it supports.
EVIDENCE_LOG = Table("data/evidence_log.csv", "key", _schema("evidence_log", {
    "key": _str(pa.Check.str_matches(_KEY.pattern, error="not a bibliography key"), unique=True),
    "query": _str(_nonempty("query")),
    "searched_on": _str(_date()),
    "found": _str(_in(["exact", "same_work"])),
    "quality": _str(_in(list(vocab.EVIDENCE_QUALITIES))),
    "supports": _str(_nonempty("supports")),
}))

TABLES = [SOURCES, CLAIMS, BOILERPLATE, RATINGS_TABLE, APPROVALS, EVENTS, SPACE_FLIGHTS, HSC_ROUTES, MARROW_MODELS,
          REVIEWS, CORRECTIONS, EVIDENCE_LOG]
REFERENCE_TABLES = [SPACE_FLIGHTS, HSC_ROUTES, MARROW_MODELS]
