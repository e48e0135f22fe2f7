"""Every kind of bad input gets one clear message naming the file, the line/row and the problem."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stemreport.errors import InputError
from stemreport.validate import validate_all


def test_real_inputs_are_valid(root):
    tables = validate_all(root)
    assert len(tables["data/claims.csv"]) > 0


def _rewrite_csv(path: Path, change) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _set(column: str, value: str, row: int = 1):
    def change(rows):
        rows[row][rows[0].index(column)] = value
    return change


def _problems(root: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        validate_all(root)
    return [str(p) for p in caught.value.problems]


def _first_claim_id(root: Path) -> str:
    with open(root / "data/claims.csv", encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))["claim_id"]


CASES = {
    # name: (file, change, expected fragments in one message)
    "drifted offsets": ("claims.csv", lambda rows: rows[1].__setitem__(3, str(int(rows[1][3]) + 1)),
                        ["data/claims.csv, line 2", "quote does not match the seed", "occurs at"]),
    "unknown theme": ("claims.csv", _set("theme", "astrology"), ["data/claims.csv, line 2", "'theme'", "astrology"]),
    "unknown verdict": ("claims.csv", _set("verdict", "probably"), ["data/claims.csv, line 2", "'verdict'", "probably"]),
    "duplicate id": ("claims.csv", lambda rows: rows[2].__setitem__(0, rows[1][0]),
                     ["data/claims.csv, line 3", "duplicate"]),
    "missing column": ("claims.csv", lambda rows: [r.pop(6) for r in rows],
                       ["data/claims.csv, line 1", "missing column(s) ['claim']"]),
    "unknown column": ("sources.csv", lambda rows: [r.append("x") for r in rows],
                       ["data/sources.csv, line 1", "unknown column(s) ['x']"]),
    "bad date": ("sources.csv", _set("stated_date", "7 April 2025", row=5),
                 ["data/sources.csv, line 6", "stated_date", "not an ISO date"]),
    "impossible date": ("claims.csv", lambda rows: (rows[1].__setitem__(7, "unverifiable"), rows[1].__setitem__(9, "x"),
                                                    rows[1].__setitem__(10, "low"), rows[1].__setitem__(11, "2025-02-30")),
                        ["data/claims.csv, line 2", "checked_on", "not an ISO date"]),
    "unknown evidence key": ("claims.csv", lambda rows: (rows[1].__setitem__(7, "supported"), rows[1].__setitem__(8, "nosuchkey2099"),
                                                        rows[1].__setitem__(9, "x"), rows[1].__setitem__(10, "low"),
                                                        rows[1].__setitem__(11, "2026-01-01")),
                             ["data/claims.csv, line 2", "evidence key 'nosuchkey2099' is not in references.bib"]),
    "incomplete fact-check": ("claims.csv", _set("explanation", ""), ["data/claims.csv, line 2", "fact-check is incomplete"]),
    "quote in boilerplate": ("claims.csv", lambda rows: _move_quote_to_debris(rows), ["data/claims.csv", "overlaps boilerplate"]),
    "empty ledger": ("claims.csv", lambda rows: _delete_data_rows(rows), ["data/claims.csv", "no data rows"]),
    "related theme repeats main": ("claims.csv", lambda rows: rows[1].__setitem__(rows[0].index("related_themes"), rows[1][rows[0].index("theme")]),
                                   ["data/claims.csv, line 2", "related_themes must not repeat the main theme"]),
    "unknown related theme": ("claims.csv", _set("related_themes", "astrology"),
                              ["data/claims.csv, line 2", "'related_themes'", "astrology"]),
    "reference row names unknown claim": ("space_flights.csv", _set("claims", "S000-99"),
                                          ["data/space_flights.csv, line 2", "claim 'S000-99' is not in data/claims.csv"]),
    "reference row cites unknown key": ("marrow_models.csv", _set("evidence", "nosuchkey2099"),
                                        ["data/marrow_models.csv, line 2", "evidence key 'nosuchkey2099' is not in references.bib"]),
}


def _delete_data_rows(rows):
    del rows[1:]


def _move_quote_to_debris(rows):
    for row in rows[1:]:
        if row[1] == "002_3b74d452990d33d3":
            row[2], row[3], row[4] = "Like Us on Facebook", "830", "849"
            return


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_named(project_copy, name):
    file, change, expected = CASES[name]
    _rewrite_csv(project_copy / "data" / file, change)
    messages = _problems(project_copy)
    assert any(all(fragment in message for fragment in expected) for message in messages), messages


def test_claim_id_in_message(project_copy):
    claim_id = _first_claim_id(project_copy)
    _rewrite_csv(project_copy / "data/claims.csv", _set("theme", "astrology"))
    assert any(f"claim_id {claim_id}" in m for m in _problems(project_copy))


def test_non_utf8_file(project_copy):
    path = project_copy / "data/sources.csv"
    path.write_bytes(path.read_bytes().replace("Tiangong".encode(), "Tiang\xf6ng".encode("latin-1")))
    [message] = _problems(project_copy)
    assert message.startswith("data/sources.csv, line 2") and "not valid UTF-8" in message


def test_missing_file(project_copy):
    (project_copy / "data/boilerplate.csv").unlink()
    assert "data/boilerplate.csv: file is missing" in _problems(project_copy)


def test_empty_file(project_copy):
    (project_copy / "data/claims.csv").write_text("", encoding="utf-8")
    assert any("data/claims.csv" in m and "empty" in m for m in _problems(project_copy))


def test_bib_entry_without_doi_or_url(project_copy):
    bib = project_copy / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@misc{nolink2020,\n  title = {No link},\n  year = {2020}\n}\n",
                   encoding="utf-8")
    assert any("references.bib" in m and "nolink2020" in m and "neither a doi nor a url" in m
               for m in _problems(project_copy))
