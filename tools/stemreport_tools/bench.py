"""Time the build and the tests (``make bench``) and print a small Markdown table.

Rows, all from one run: a cold build (outputs and notebook cache cleared), a warm rebuild with nothing
changed, a forced warm rebuild (Sphinx and LaTeX redo their incremental work, no notebook runs), a
rebuild after touching one notebook (the cache report says which notebooks executed), and the test
suite. The machine and its load are printed too: a shared machine makes timings noisy.
"""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

import nbformat

from stemreport.paths import project_root
from stemreport_tools.testrun import pytest_command
from stemreport_tools.toc import toc_notebooks

EXECUTED = re.compile(r"^\[build\] executed (\S+\.ipynb)", re.M)


def _report(stdout: str, total: int) -> str:
    """Which notebooks executed (the parallel step's log) and what Sphinx took from the cache."""
    if "nothing changed since the last build" in stdout:
        return "0 executed: nothing changed, current book kept (no Sphinx, no LaTeX)"
    executed = EXECUTED.findall(stdout)
    by_sphinx = stdout.count("Executing notebook")
    cached = len(set(re.findall(r"^(\S+\.ipynb): Using cached notebook", stdout, re.M)))
    names = ", ".join(n.rsplit("/", 1)[-1] for n in executed) if len(executed) <= 2 else f"all {len(executed)}"
    return (f"{len(executed)} of {total} executed ({names}) in parallel before Sphinx; "
            f"Sphinx executed {by_sphinx}, took {cached} from the cache") if executed or by_sphinx \
        else f"0 of {total} executed; Sphinx took {cached} from the cache"


def _run(label: str, command: list[str], root) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run one bench step: its result, its wall time and the machine's load when it started."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: '{label}' failed")
    return result, elapsed, load


def _timed(label: str, command: list[str], root, total: int) -> tuple[str, float, str]:
    result, elapsed, load = _run(label, command, root)
    summary = f"{_report(result.stdout, total)} (load {load:.1f} at start)"
    print(f"{label}: {elapsed:.1f} s: {summary}", file=sys.stderr, flush=True)
    return label, elapsed, summary


def _touch_notebook(path) -> None:
    """Change one notebook's code (a trailing comment) so the cache must re-execute exactly it."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    cell.source = cell.source.rstrip("\n") + f"\n# bench {time.time_ns()}"
    nbformat.write(notebook, path)


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor()) if os.path.exists("/proc/cpuinfo") else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


PASSED = re.compile(r"(\d+) passed")


def _tests(label: str, which: str, root) -> tuple[str, float, str]:
    """Time a test command (``stemreport_tools.testrun``) and say how much it checked: tests passed, notebook
    cells compared, pages visited, bad-input cases (the counts must not fall when the suite gets faster)."""
    result, elapsed, load = _run(label, pytest_command(which, "-q"), root)
    passed = PASSED.findall(result.stdout)
    # Collected without xdist: with workers, --collect-only lists no test ids.
    counted = subprocess.run(pytest_command(which, "--collect-only", "-q", "-p", "no:xdist", workers=False), cwd=root,
                             capture_output=True, text=True).stdout
    cells = len(re.findall(r"\.ipynb::Cell \d+", counted))
    pages = len(set(re.findall(r"test_browser\.py::TestPage\w+::test_page_light\[([^\]]+)\]", counted)))
    cases = len(re.findall(r"test_bad_input_is_rejected_with_one_clear_message\[", counted))
    note = (f"{passed[-1] if passed else '?'} tests passed; {cells} notebook cells compared, {pages} pages in the browser, "
            f"{cases} bad-input cases (load {load:.1f} at start)")
    print(f"{label}: {elapsed:.1f} s: {note}", file=sys.stderr, flush=True)
    return label, elapsed, note


def write_readme(root, table: str) -> None:
    """Put the bench's table between the README's markers (the README never carries typed timings)."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        raise SystemExit("README.md has no bench markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


def main() -> int:
    root = project_root()
    build = [sys.executable, "-m", "stemreport_tools.build"]
    notebooks = toc_notebooks(root)
    total = len(notebooks)
    print(f"bench on {_machine()}", file=sys.stderr, flush=True)
    shutil.rmtree(root / "_build", ignore_errors=True)
    rows = [_timed("cold build (HTML + PDF, caches cleared)", build, root, total),
            _timed("warm rebuild, nothing changed", build, root, total),
            _timed("warm rebuild, forced (`--force`)", [*build, "--force"], root, total)]
    target = notebooks[0]
    original = target.read_bytes()
    try:
        _touch_notebook(target)
        rows.append(_timed(f"rebuild after touching `{target.name}`", build, root, total))
    finally:
        target.write_bytes(original)
    _timed("rebuild after restoring it", build, root, total)
    rows.append(_tests("`make test` (everything, book built)", "full", root))
    rows.append(_tests("`make test-fast` (data, units, bad inputs)", "fast", root))
    lines = [f"Machine: {_machine()}; {time.strftime('%Y-%m-%d', time.gmtime())}.", "",
             "| step | seconds | what ran |", "| --- | ---: | --- |"]
    lines += [f"| {label} | {seconds:.1f} | {note} |" for label, seconds, note in rows]
    cold, warm = rows[0][1], rows[1][1]
    lines += ["", f"Warm no-change rebuild / cold build = {warm / cold:.3f}. Targets: `make test` under 120 s, "
              f"`make test-fast` under 20 s, a warm rebuild under a tenth of the cold build."]
    table = "\n".join(lines)
    print("\n" + table)
    write_readme(root, table)
    print(json.dumps({label: round(seconds, 1) for label, seconds, _ in rows}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
