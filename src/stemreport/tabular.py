"""Strict CSV reading: every cell is a string, and failures name the file and line."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from stemreport.errors import InputError, Problem


def read_utf8(path: Path, rel: str) -> str:
    """The file's text; if it is not UTF-8, an ``InputError`` naming the line of the first bad byte."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError([Problem(rel, line, None,
                                  f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}); save the file as UTF-8")]) from None


def read_csv(path: Path, root: Path, columns: list[str]) -> pd.DataFrame:
    """Read a UTF-8 CSV whose header must be exactly ``columns`` (in order).

    Returns a frame of strings (empty cells are ``""``) with a ``csv_line`` column holding each row's
    1-based line number in the file, for error messages.
    """
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if not path.is_file():
        raise InputError([Problem(rel, None, None, "file is missing")])
    text = read_utf8(path, rel).removeprefix("\ufeff")
    if not text.strip():
        raise InputError([Problem(rel, None, None, "file is empty (expected a header row and data)")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        rows, lines = [], []
        while True:
            first_line = reader.line_num + 1  # a quoted cell may span lines: report where the row starts
            try:
                row = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            lines.append(first_line)
    except csv.Error as err:
        raise InputError([Problem(rel, reader.line_num, None, f"malformed CSV: {err}")]) from None
    if header != columns:
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns]
        detail = []
        if missing:
            detail.append(f"missing column(s) {missing}")
        if unknown:
            detail.append(f"unknown column(s) {unknown}")
        if not detail:
            detail.append("columns are out of order")
        raise InputError([Problem(rel, 1, None, "wrong header: " + "; ".join(detail) + f"; expected {columns}")])
    if not rows:
        raise InputError([Problem(rel, None, None, "has a header but no data rows")])
    problems = [Problem(rel, line, None, f"has {len(row)} cells, expected {len(columns)}")
                for row, line in zip(rows, lines) if len(row) != len(columns)]
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame["csv_line"] = lines
    return frame
