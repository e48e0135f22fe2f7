"""Bad input never reaches the book: validation stops it with one clear message naming file, row, problem.

Each case takes a fresh copy of just what validation reads (data, seeds, bibliography: milliseconds to
copy), breaks one thing, and runs the validator in-process: it must raise with one problem whose text
names the file, the row (line number and/or row id) and the problem. One case goes through the real
command line end to end (``python -m stemreport_tools.build`` on a whole project copy), to show that a
bad input stops the build before any notebook or Sphinx work and leaves the previous book untouched.

The cases are written against column *names* and pick their rows by content, so they survive new
columns and new rows.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import assert_previous_book_intact, copy_inputs, plant_previous_book, run_module

from stemreport.errors import InputError
from stemreport.validate import validate_all

CLAIMS, SOURCES, BOILERPLATE, RATINGS = "data/claims.csv", "data/sources.csv", "data/boilerplate.csv", "data/ratings.csv"
REVIEWS, CORRECTIONS, EVIDENCE_LOG = "data/reviews.csv", "data/corrections.csv", "data/evidence_log.csv"
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
    first = next(n for n, text_line in enumerate(text.splitlines(), start=1) if text_line.startswith("@"))
    key = text.splitlines()[first - 1].partition("{")[2].rstrip(",").strip()
    line = len(text.splitlines()) + 2
    path.write_text(text + f"\n@misc{{{key},\n  title = {{Again}},\n  url = {{https://example.org}}\n}}\n",
                    encoding="utf-8")
    return [f"{BIB}, line {line}", f"entry {key}", "repeated bibliography entry", f"first at line {first}"]


@case
def case_bib_bare_percent(project):
    """A bare % in a printed field starts a LaTeX comment: the rest of the field silently vanished."""
    path = project / BIB
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, text_line in enumerate(lines) if text_line.strip().startswith("title = {"))
    lines[n] = lines[n].replace("title = {", "title = {100% ", 1)
    path.write_text("".join(lines), encoding="utf-8")
    key = next(text_line for text_line in reversed(lines[:n]) if text_line.startswith("@")).partition("{")[2].rstrip(",\n").strip()
    entry_line = next(i for i, text_line in enumerate(lines, start=1) if text_line.startswith("@") and f"{{{key}," in text_line)
    return [f"{BIB}, line {entry_line}", f"entry {key}", "field title has a bare %"]


@case
def case_bib_not_utf8(project):
    insert_bytes_on_line(project / BIB, 5, b"\xe9")
    return [f"{BIB}, line 5", "not valid UTF-8", "byte 0xe9"]


@case
def case_high_confidence_on_secondary_sources_only(project):
    """The method page's confidence rule: 'high' needs the paper, the regulator, the institution or the
    outlet that reported the event; a claim citing only a secondary source is at most 'medium'."""
    header, logged = read_rows(project / EVIDENCE_LOG)
    secondary = next(row["key"] for row in (dict(zip(header, r)) for _, r in logged) if row["quality"] == "secondary")
    line, claim = edit_row(project, CLAIMS, lambda r: r["verdict"] == "supported", confidence="high", evidence=secondary)
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "confidence 'high' needs a first-hand source",
            f"{secondary} (secondary)"]


@case
def case_claim_without_correction(project):
    line, claim = edit_row(project, CLAIMS, lambda r: r["verdict"] == "contradicted", correction="")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "verdict 'contradicted' needs a correction"]


@case
def case_supported_claim_with_correction(project):
    line, claim = edit_row(project, CLAIMS, checked, correction="Something else is true.")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "verdict 'supported' takes no correction"]


@case
def case_bib_same_url_twice(project):
    path = project / BIB
    text = path.read_text(encoding="utf-8")
    url = next(line.split("{", 1)[1].rsplit("}", 1)[0] for line in text.splitlines() if line.strip().startswith("url"))
    line = len(text.splitlines()) + 2
    path.write_text(text + f"\n@misc{{again2099,\n  title = {{Again}},\n  url = {{{url}}}\n}}\n", encoding="utf-8")
    return [f"{BIB}, line {line}", "entry again2099", "same url as entry", "merge them into one key"]


@case
def case_bib_key_missing_from_evidence_log(project):
    path = project / EVIDENCE_LOG
    header, rows = read_rows(path)
    key = rows[0][1][header.index("key")]
    write_rows(path, header, [r for _, r in rows[1:]])
    return [BIB, f"entry {key}", f"missing from {EVIDENCE_LOG}"]


@case
def case_evidence_log_unknown_key(project):
    path = project / EVIDENCE_LOG
    header, rows = read_rows(path)
    extra = dict(zip(header, rows[0][1]), key="nosuchkey2099")
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    write_rows(path, header, [r for _, r in rows] + [[extra[c] for c in header]])
    return [f"{EVIDENCE_LOG}, line {line}", "key nosuchkey2099", f"not an entry of {BIB}"]


@case
def case_review_of_unknown_claim(project):
    path = project / REVIEWS
    header, rows = read_rows(path)
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    write_rows(path, header, [r for _, r in rows] + [["S000-99", "B", "supported", "a claim that does not exist"]])
    return [f"{REVIEWS}, line {line}", "claim S000-99", "review of an unknown claim"]


@case
def case_claim_with_one_review(project):
    path = project / REVIEWS
    header, rows = read_rows(path)
    first = rows[0][1][header.index("claim_id")]
    write_rows(path, header, [r for _, r in rows if not (r[0] == first and r[1] == "B")])
    return [REVIEWS, f"claim {first}", "needs two reviews (A and B); missing B"]


@case
def case_adjudication_without_reason(project):
    line, row = edit_row(project, REVIEWS, lambda r: r["reviewer"] == "adjudication", note="")
    return [f"{REVIEWS}, line {line}", f"claim {row['claim_id']}", "an adjudicated disagreement needs a reason"]


@case
def case_disagreement_not_adjudicated(project):
    path = project / REVIEWS
    header, rows = read_rows(path)
    target = next(r for _, r in rows if r[1] == "adjudication")[0]
    write_rows(path, header, [r for _, r in rows if not (r[0] == target and r[1] == "adjudication")])
    return [REVIEWS, f"claim {target}", "reviewers disagree", "no adjudication row with a reason"]


@case
def case_ledger_verdict_differs_from_review(project):
    line, claim = edit_row(project, CLAIMS, lambda r: r["verdict"] == "opinion", verdict="unverifiable",
                           correction="Nothing could be found either way.")
    return [f"{CLAIMS}, line {line}", claim["claim_id"], "differs from the reviewed verdict 'opinion'"]


@case
def case_retired_id_reused(project):
    _, claim = records(project, CLAIMS)[0]
    path = project / CORRECTIONS
    header, rows = read_rows(path)
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    write_rows(path, header, [r for _, r in rows] + [["2026-12-02", claim["claim_id"], "retired", "old", "", "test"]])
    return [f"{CORRECTIONS}, line {line}", f"claim {claim['claim_id']}", "a retired id must not be reused"]


@case
def case_correction_of_unknown_claim(project):
    path = project / CORRECTIONS
    header, rows = read_rows(path)
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    write_rows(path, header, [r for _, r in rows] + [["2026-12-02", "S000-98", "verdict", "a", "b", "test"]])
    return [f"{CORRECTIONS}, line {line}", "claim S000-98", "unknown claim"]


@case
def case_short_title_with_backtick(project):
    line, source = edit_row(project, SOURCES, short_title="A `quoted` title")
    return [f"{SOURCES}, line {line}", f"source {source['source']}", "short_title cannot contain"]


# --- running ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_rejected_with_one_clear_message(tmp_path, name):
    project = copy_inputs(tmp_path / "inputs")
    expected = CASES[name](project)
    with pytest.raises(InputError) as raised:
        validate_all(project)
    messages = [str(p) for p in raised.value.problems]
    assert any(all(fragment in message for fragment in expected) for message in messages), \
        f"no single message contains {expected}:\n" + "\n".join(messages)


def test_bad_input_stops_the_build_before_any_work(project_copy):
    """End to end through the command line: a drifted quote stops the build, names the problem, starts
    no notebook and no Sphinx, and leaves the previous book exactly as it was."""
    plant_previous_book(project_copy)
    expected = CASES["claim_offsets_drifted"](project_copy)
    result = run_module("stemreport_tools.build", cwd=project_copy, timeout=120)
    assert result.returncode != 0, result.stdout + result.stderr
    assert any(all(f in line for f in expected) for line in result.stderr.splitlines()), result.stderr
    assert "stopped before building" in result.stderr
    assert not (project_copy / "_build" / ".work").exists(), "Sphinx work started on bad input"
    assert_previous_book_intact(project_copy)
