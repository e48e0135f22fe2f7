"""Write the generated data files: ``data/claimreview.jsonld`` (schema.org ClaimReview),
``data/claims.annotations.jsonld`` (W3C Web Annotations), ``data/datapackage.json`` (Frictionless Data
Package) and ``data/README.md`` (the data dictionary), all from the validated data, the schemas and
the book's public address (``html_baseurl`` in ``_config.yml``: absolute ids when set).

    make exports                                # the same as the next line; `make notebooks` runs it first
    python -m stemreport_tools.export           # rewrite those that changed
    python -m stemreport_tools.export --check   # exit 1, naming each file, if any is out of date

The book publishes these files (downloads page, data dictionary, data zip), so the build runs the check
and refuses to build from stale ones (``stale_outputs``). Writing is deterministic (same inputs, same
bytes; a file whose text is unchanged is not touched) and atomic: every text is rendered before any file
is written, and each file is replaced in one step (a temporary file beside it, then ``os.replace``), so
a failure never leaves a half-written file.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

from stemreport import claimreview, datadict, reuse
from stemreport.paths import project_root


def html_baseurl(root: Path | None = None) -> str:
    """The book's public address, ``html_baseurl`` in ``_config.yml`` (empty: not published yet)."""
    config = yaml.safe_load(((root or project_root()) / "_config.yml").read_text(encoding="utf-8")) or {}
    return str(((config.get("sphinx") or {}).get("config") or {}).get("html_baseurl") or "").strip()


OUTPUTS = {"data/claimreview.jsonld": lambda: claimreview.render(claimreview.reviews(embedded=False, base_url=html_baseurl())),
           "data/claims.annotations.jsonld": lambda: reuse.render(reuse.annotations(base_url=html_baseurl())),
           "data/datapackage.json": lambda: reuse.render(reuse.datapackage()),
           "data/README.md": lambda: datadict.render(base_url=html_baseurl())}
COMMAND = "make exports (python -m stemreport_tools.export)"


def render_all() -> dict[str, str]:
    """Every output's text, from the current inputs (nothing is written)."""
    return {name: make() for name, make in OUTPUTS.items()}


def stale_outputs(root: Path | None = None) -> list[str]:
    """The outputs whose file is missing or differs from what the inputs give now."""
    root = root or project_root()
    return [name for name, text in render_all().items()
            if not (root / name).is_file() or (root / name).read_text(encoding="utf-8") != text]


def stale_message(name: str) -> str:
    return f"{name} is out of date (the data, the schemas or html_baseurl changed): run {COMMAND}"


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step: readers see the old file or the new one, never a part."""
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                         prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_outputs(root: Path | None = None) -> list[str]:
    """Render everything first, then replace each file whose text changed; returns the names written."""
    root = root or project_root()
    texts = render_all()  # a failure here (bad data, a bug) happens before any file is touched
    written = []
    for name, text in texts.items():
        path = root / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        write_atomic(path, text)
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        stale = stale_outputs()
        for name in stale:
            print(stale_message(name), file=sys.stderr)
        return 1 if stale else 0
    written = write_outputs()
    for name in written:
        print(f"wrote {name}")
    if not written:
        print(f"{', '.join(OUTPUTS)}: current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
