"""Bad input never reaches the book: the real build CLI stops with one clear message, book untouched.

Each case takes a fresh copy of the project, plants a "previous good book" in ``_build``, breaks one
thing, and runs ``python -m stemreport.build`` on the copy. Every case expects: a non-zero exit; one
line of stderr naming the file, the row (line number and/or row id) and the problem; the previous
book byte for byte; and no Sphinx work started (no ``_build/.work``).

The cases are written against column *names* and pick their rows by content, so they survive new
columns and new rows. Validation fails in about a second and a half (mostly importing pandas and
pandera), so the module runs its CLI calls two at a time.
"""
from __future__ import annotations

import csv
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import COPY_IGNORE, ROOT, assert_previous_book_intact, plant_previous_book, run_module

CLAIMS, SOURCES, BOILERPLATE, RATINGS = "data/claims.csv", "data/sources.csv", "data/boilerplate.csv", "data/ratings.csv"
MANIFEST, BIB = "data/seeds.sha256", "references.bib"


# --- helpers: CSV edits by column name, rows picked by content -----------------------------------

def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (first line of the row, cells) for every data row."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, rows = next(reader), []
        while True:
            first_line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return header, rows
            if row:
                rows.append((first_line, row))


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def edit_row(project: Path, file: str, pick=lambda r: True, **changes) -> tuple[int, dict[str, str]]:
    """Change cells (by column name; a value may be a function of the old value) in the first row that
    ``pick`` accepts. Returns that row's first line and its original values."""
    path = project / file
    header, rows = read_rows(path)
    for line, row in rows:
        record = dict(zip(header, row))
        if pick(record):
            for column, value in changes.items():
                row[header.index(column)] = value(record[column]) if callable(value) else value
            write_rows(path, header, [r for _, r in rows])
            return line, record
    raise AssertionError(f"no row of {file} fits the case")


def records(project: Path, file: str) -> list[tuple[int, dict[str, str]]]:
    header, rows = read_rows(project / file)
    return [(line, dict(zip(header, row))) for line, row in rows]


def checked(record: dict[str, str]) -> bool:
    return record["verdict"] == "supported" and bool(record["evidence"])


def seed(project: Path, prefix: str) -> Path:
    return next((project / "seeds").glob(f"{prefix}_*.txt"))


def manifest_line(project: Path, name: str) -> int:
    lines = (project / MANIFEST).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.endswith("  " + name))


def insert_bytes_on_line(path: Path, line: int, data: bytes) -> None:
    raw = path.read_bytes()
    offset = 0
    for _ in range(line - 1):
        offset = raw.index(b"\n", offset) + 1
    path.write_bytes(raw[:offset] + data + raw[offset:])


# --- the cases: each breaks one thing and returns the fragments one message must contain ---------

CASES = {}


def case(function):
    CASES[function.__name__.removeprefix("case_")] = function
    return function


@case
def case_seed_edited(project):
    path = seed(project, "002")
    path.write_bytes(path.read_bytes().replace(b"the", b"teh", 1))
    return [f"seeds/{path.name}", f"{MANIFEST}, line {manifest_line(project, path.name)}", "fails its SHA-256 checksum"]


@case
def case_seed_missing(project):
    path = seed(project, "003")
    path.unlink()
    return [f"seeds/{path.name}", f"{MANIFEST}, line {manifest_line(project, path.name)}", "seed is missing"]


@case
def case_seed_extra(project):
    (project / "seeds" / "005_0123456789abcdef.txt").write_text("An extra text.", encoding="utf-8")
    return ["seeds/005_0123456789abcdef.txt", "unknown file in seeds/", f"not listed in {MANIFEST}"]


@case
def case_seed_manifest_malformed(project):
    path = project / MANIFEST
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("  ", " ", 1)  # one space: not sha256sum's format
    path.write_text("".join(lines), encoding="utf-8")
    return [f"{MANIFEST}, line 2", "not a 'sha256  filename' line"]


@case
def case_claim_offsets_drifted(project):
    line, claim = edit_row(project, CLAIMS, start=lambda v: str(int(v) + 1), end=lambda v: str(int(v) + 1))
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "quote does not match the seed",
            f"the text occurs at [{claim['start']}:{claim['end']}]"]


@case
def case_claim_offsets_outside_seed(project):
    line, claim = edit_row(project, CLAIMS, end="9999999")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], f"offsets [{claim['start']}:9999999] are outside the seed"]


@case
def case_claim_unknown_verdict(project):
    line, claim = edit_row(project, CLAIMS, lambda r: r["verdict"] != "", verdict="probably")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "column 'verdict' = 'probably'", "value not in"]


@case
def case_claim_unknown_theme(project):
    line, claim = edit_row(project, CLAIMS, theme="astrology")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "column 'theme' = 'astrology'", "value not in"]


@case
def case_claim_duplicate_id(project):
    (_, first), (second_line, second) = records(project, CLAIMS)[:2]
    edit_row(project, CLAIMS, lambda r: r["claim_id"] == second["claim_id"], claim_id=first["claim_id"])
    return [f"{CLAIMS}, line {second_line}", first["claim_id"], "column 'claim_id'", "duplicate value"]


@case
def case_claim_unknown_source(project):
    line, claim = edit_row(project, CLAIMS, source="009_0123456789abcdef")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "unknown source '009_0123456789abcdef'"]


@case
def case_claim_evidence_not_in_bibliography(project):
    line, claim = edit_row(project, CLAIMS, checked, evidence=lambda v: v + ";nosuchkey2099")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], f"evidence key 'nosuchkey2099' is not in {BIB}"]


@case
def case_claim_verdict_without_evidence(project):
    line, claim = edit_row(project, CLAIMS, checked, evidence="")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "verdict 'supported' needs at least one evidence key"]


@case
def case_claim_fact_check_incomplete(project):
    line, claim = edit_row(project, CLAIMS, checked, explanation="")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "fact-check is incomplete: explanation empty"]


@case
def case_claim_impossible_date(project):
    line, claim = edit_row(project, CLAIMS, checked, checked_on="2025-02-30")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "column 'checked_on' = '2025-02-30'", "not an ISO date"]


@case
def case_claim_quote_in_boilerplate(project):
    _, debris = next((n, r) for n, r in records(project, BOILERPLATE) if "\n" not in r["text"])
    line, claim = edit_row(project, CLAIMS, lambda r: r["source"] == debris["source"],
                           quote=debris["text"], start=debris["start"], end=debris["end"])
    return [f"{CLAIMS}, line {line}", claim["claim_id"], f"quote overlaps boilerplate ({debris['kind']})"]


@case
def case_claim_related_theme_repeats_main(project):
    line, claim = edit_row(project, CLAIMS, lambda r: r["theme"] == "organoids", related_themes="organoids")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "related_themes must not repeat the main theme"]


@case
def case_claim_unknown_related_theme(project):
    line, claim = edit_row(project, CLAIMS, related_themes="astrology")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "column 'related_themes' = 'astrology'"]


@case
def case_reference_table_unknown_claim(project):
    line, row = edit_row(project, "data/space_flights.csv", claims="S000-99")
    return [f"data/space_flights.csv, line {line}", row["flight"], "claim 'S000-99' is not in data/claims.csv"]


@case
def case_reference_table_unknown_key(project):
    line, row = edit_row(project, "data/marrow_models.csv", evidence="nosuchkey2099")
    return [f"data/marrow_models.csv, line {line}", row["model"], f"evidence key 'nosuchkey2099' is not in {BIB}"]


@case
def case_claims_wrong_header(project):
    path = project / CLAIMS
    header, rows = read_rows(path)
    header[header.index("claim")] = "claim_text"
    write_rows(path, header, [r for _, r in rows])
    return [f"{CLAIMS}, line 1", "wrong header", "missing column(s) ['claim']", "unknown column(s) ['claim_text']"]


@case
def case_claims_row_with_missing_cells(project):
    path = project / CLAIMS
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write("S000-99,000_fba4077bc5a9e4a0,a quote cut short\n")
    return [f"{CLAIMS}, line {line}", "has 3 cells, expected"]


@case
def case_claims_empty_ledger(project):
    path = project / CLAIMS
    header, _ = read_rows(path)
    write_rows(path, header, [])
    return [CLAIMS, "has a header but no data rows"]


@case
def case_claims_empty_file(project):
    (project / CLAIMS).write_bytes(b"")
    return [CLAIMS, "file is empty"]


@case
def case_sources_malformed_date(project):
    line, source = edit_row(project, SOURCES, stated_date="7 April 2025")
    return [f"{SOURCES}, line {line}", f"source {source['source']}", "column 'stated_date' = '7 April 2025'",
            "not an ISO date"]


@case
def case_sources_not_utf8(project):
    insert_bytes_on_line(project / SOURCES, 3, b"\xf6")  # a Latin-1 'o umlaut'
    return [f"{SOURCES}, line 3", "not valid UTF-8", "byte 0xf6"]


@case
def case_boilerplate_missing_file(project):
    (project / BOILERPLATE).unlink()
    return [BOILERPLATE, "file is missing"]


@case
def case_boilerplate_span_drifted(project):
    # A row whose text spans several lines: the message must give the line where the row starts.
    line, span = edit_row(project, BOILERPLATE, lambda r: "\n" in r["text"], end=lambda v: str(int(v) - 1))
    return [f"{BOILERPLATE}, line {line}", f"{span['source']}[{span['start']}:{int(span['end']) - 1}]",
            "text does not match the seed"]


@case
def case_ratings_criterion_twice(project):
    path = project / RATINGS
    header, rows = read_rows(path)
    (first_line, first), last_line = rows[0], len(path.read_text(encoding="utf-8").splitlines()) + 1
    write_rows(path, header, [r for _, r in rows] + [first])
    return [f"{RATINGS}, line {last_line}", f"criterion {first[header.index('criterion')]}",
            f"rated on this criterion twice (also line {first_line})"]


@case
def case_bib_entry_without_doi_or_url(project):
    path = project / BIB
    line = len(path.read_text(encoding="utf-8").splitlines()) + 2
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n@misc{nolink2020,\n  title = {No link},\n  year = {2020}\n}\n")
    return [f"{BIB}, line {line}", "entry nolink2020", "has neither a doi nor a url field"]


@case
def case_bib_duplicate_key(project):
    path = project / BIB
    text = path.read_text(encoding="utf-8")
    first = next(n for n, l in enumerate(text.splitlines(), start=1) if l.startswith("@"))
    key = text.splitlines()[first - 1].partition("{")[2].rstrip(",").strip()
    line = len(text.splitlines()) + 2
    path.write_text(text + f"\n@misc{{{key},\n  title = {{Again}},\n  url = {{https://example.org}}\n}}\n",
                    encoding="utf-8")
    return [f"{BIB}, line {line}", f"entry {key}", "repeated bibliography entry", f"first at line {first}"]


@case
def case_bib_not_utf8(project):
    insert_bytes_on_line(project / BIB, 5, b"\xe9")
    return [f"{BIB}, line 5", "not valid UTF-8", "byte 0xe9"]


# --- running: all selected cases prepared, then their CLI runs two at a time ---------------------

@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """{case: (project copy, expected fragments, completed process)} for the cases selected in this session."""
    names = [item.callspec.params["name"] for item in request.session.items
             if getattr(item, "module", None) is request.module and hasattr(item, "callspec") and "name" in item.callspec.params]
    prepared = {}
    for name in names:
        project = tmp_path_factory.mktemp(name) / "project"
        shutil.copytree(ROOT, project, ignore=COPY_IGNORE)
        plant_previous_book(project)
        prepared[name] = (project, CASES[name](project))
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        runs = dict(zip(prepared, pool.map(lambda n: run_module("stemreport.build", cwd=prepared[n][0], timeout=120),
                                           prepared)))
    return {name: (*prepared[name], runs[name]) for name in prepared}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_stops_build_with_clear_message(outcomes, name):
    project, expected, result = outcomes[name]
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert any(all(fragment in line for fragment in expected) for line in lines), \
        f"no single message contains {expected}:\n{result.stderr}"
    assert "stopped before building" in result.stderr
    assert not (project / "_build" / ".work").exists(), "Sphinx work started on bad input"
    assert_previous_book_intact(project)

