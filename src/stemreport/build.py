"""Build the book (HTML and PDF) without ever losing the last good one.

Steps: validate every input; build HTML and PDF into ``_build/.work`` (a persistent work area, so
Sphinx and the notebook cache make rebuilds incremental); only if both succeed, swap the results
into ``_build/html`` and ``_build/pdf/book.pdf``. Any failure exits non-zero and leaves the published
outputs exactly as they were.

    python -m stemreport.build [--html-only]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from stemreport.paths import project_root
from stemreport.validate import main as validate_main

STRICT = ["-W", "-n", "--keep-going"]  # warnings are errors; every reference must resolve


def inputs_fingerprint(root: Path) -> str:
    """Hash of everything notebooks read besides their own code: data, seeds, bibliography, package.

    jupyter-cache keys a notebook on its code alone, and Sphinx re-reads a page only when its file
    changes; when the data changes instead, both must be told, or the book would show stale outputs.
    """
    digest = hashlib.sha256()
    files = [root / "references.bib", *sorted((root / "data").rglob("*")), *sorted((root / "seeds").rglob("*")),
             *sorted((root / "src" / "stemreport").rglob("*.py"))]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _jupyter_book(root: Path, builder: str, work: Path, rebuild_all: bool) -> None:
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root),
               "--path-output", str(work), "--builder", builder, *STRICT, *(["--all"] if rebuild_all else [])]
    started = time.monotonic()
    print(f"[build] {builder}: {' '.join(command[1:])}", flush=True)
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    result = subprocess.run(command, cwd=root, env=env)
    if result.returncode != 0:
        raise SystemExit(f"[build] the {builder} build failed (exit {result.returncode}); "
                         f"the previous book in _build/html and _build/pdf is untouched")
    print(f"[build] {builder} done in {time.monotonic() - started:.1f} s", flush=True)


def _swap_dir(new: Path, target: Path) -> None:
    staging = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(new, staging)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _swap_file(new: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".new")
    shutil.copy2(new, staging)
    os.replace(staging, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="skip the PDF (quick previews)")
    args = parser.parse_args(argv)
    root = project_root()
    if validate_main([str(root)]) != 0:
        print("[build] stopped before building: fix the input problems above. "
              "The previous book is untouched.", file=sys.stderr)
        return 1
    work = root / "_build" / ".work"
    built = work / "_build"
    stamp = work / "inputs.sha256"
    fingerprint = inputs_fingerprint(root)
    stale = not stamp.is_file() or stamp.read_text() != fingerprint
    if stale:
        print("[build] data, seeds or package changed since the last build: re-executing all notebooks", flush=True)
        shutil.rmtree(root / "_build" / ".jupyter_cache", ignore_errors=True)
        stamp.unlink(missing_ok=True)
    _jupyter_book(root, "html", work, rebuild_all=stale)
    if not args.html_only:
        _jupyter_book(root, "pdflatex", work, rebuild_all=stale)
        pdf = built / "latex" / "book.pdf"
        if not pdf.is_file():
            raise SystemExit(f"[build] LaTeX reported success but {pdf} is missing; previous book untouched")
    stamp.write_text(fingerprint)
    _swap_dir(built / "html", root / "_build" / "html")
    if not args.html_only:
        _swap_file(built / "latex" / "book.pdf", root / "_build" / "pdf" / "book.pdf")
    print(f"[build] book ready: {root / '_build/html/index.html'}"
          + ("" if args.html_only else f" and {root / '_build/pdf/book.pdf'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
