"""One error type for bad input: every problem names the file, the row and what is wrong."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None  # 1-based line in the file (CSV header is line 1); None = whole file
    row: str | None  # a human id for the row, e.g. a claim id
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.row:
            where += f" ({self.row})"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when input files are missing, malformed or inconsistent."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))
