"""Time the build and the tests (``make bench``) and print a small Markdown table.

Rows: a cold build (outputs and notebook cache cleared), a warm rebuild with nothing changed, a
rebuild after touching one notebook (with the cache report showing what re-executed), and the
test suite.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import nbformat

from stemreport.notebooks import notebook_paths
from stemreport.paths import project_root


def _timed(label: str, command: list[str], root, note: str | None = None) -> tuple[str, float, str]:
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: '{label}' failed")
    executed = result.stdout.count("Executing notebook")
    return label, elapsed, note or f"{executed} notebook(s) executed by the build"


def _touch_notebook(path) -> None:
    """Change one notebook's code (a trailing comment) so the cache must re-execute exactly it."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    cell.source = cell.source.rstrip("\n") + f"\n# bench {time.time_ns()}"
    nbformat.write(notebook, path)


def main() -> int:
    root = project_root()
    build = [sys.executable, "-m", "stemreport.build"]
    shutil.rmtree(root / "_build", ignore_errors=True)
    rows = [_timed("cold build (HTML + PDF, caches cleared)", build, root),
            _timed("warm rebuild, nothing changed", build, root)]
    target = notebook_paths(root)[0]
    original = target.read_bytes()
    try:
        _touch_notebook(target)
        rows.append(_timed(f"rebuild after touching {target.name}", build, root))
    finally:
        target.write_bytes(original)
    _timed("rebuild after restoring it", build, root)
    rows.append(_timed("make test (pytest: data, units, nbval, book)", [sys.executable, "-m", "pytest", "-q"], root,
                        note="nbval re-runs every notebook cell"))
    print("\n| step | seconds | notebooks |\n| --- | ---: | --- |")
    for label, seconds, note in rows:
        print(f"| {label} | {seconds:.1f} | {note} |")
    print(json.dumps({label: round(seconds, 1) for label, seconds, _ in rows}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
