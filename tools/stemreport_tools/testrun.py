"""The two test commands, in one place: ``make test``/``make test-fast`` and ``make bench`` run these.

    python -m stemreport_tools.testrun full|fast [pytest arguments ...]

full: everything (nbval over every notebook, the built book in a browser and as a PDF), on three workers
for the machine's two cores: much of the suite waits (on a kernel's reply, a browser's animation frame, a
build's subprocess), and with two workers a run left about 23 core-seconds idle, with three about 6, which
made it some 5 s shorter. ``--dist loadscope`` keeps each notebook, test class and module on one worker;
``--no-loadscope-reorder`` keeps the order tests/conftest.py gives (longest first) instead of xdist's
default, which hands scopes out by their number of tests and so started the sixth-source book, one of the
longest, near the end.

fast: data, unit and bad-input tests, without building the book or executing notebooks.
"""
from __future__ import annotations

import os
import sys

# What each command selects, and how it spreads over the workers (kept apart so that ``make bench`` can
# collect the same tests without xdist to count them).
SELECTION = {
    "full": [],
    "fast": ["tests", "-m", "not book", "-p", "no:nbval", "-o", "addopts=-p no:cacheprovider"],
}
WORKERS = {
    "full": ["-n", "3", "--dist", "loadscope", "--no-loadscope-reorder"],
    "fast": ["-n", "2"],
}


def pytest_command(which: str, *extra: str, workers: bool = True) -> list[str]:
    return [sys.executable, "-m", "pytest", *SELECTION[which], *(WORKERS[which] if workers else []), *extra]


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in SELECTION:
        raise SystemExit(f"usage: python -m stemreport_tools.testrun {'|'.join(SELECTION)} [pytest arguments]")
    command = pytest_command(argv[0], *argv[1:])
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
