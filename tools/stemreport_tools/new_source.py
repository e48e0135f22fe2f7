"""Add a story in one command: ``make new-source SEED=path/to/text.txt``.

What it does, in order (and nothing else):

1. copies the text, byte for byte, into ``seeds/`` under the next id (``NNN_<first 16 hex digits of its
   SHA-256>``) and adds its checksum to ``data/seeds.sha256``;
2. adds a row to ``data/sources.csv`` whose required fields say ``TO FILL`` (the book shows them as
   they are, so nothing is invented);
3. creates the story's chapter from the source template (``tools/templates/source.json``), with its
   own prose marked as not yet written;
4. lists the chapter in ``_toc.yml`` after the last story.

The book then builds and shows the story everywhere stories are listed, saying plainly that its claims
are not yet checked. Next steps (printed at the end): extract claims into ``data/claims.csv`` (empty
verdict until checked), check them, review them twice (``data/reviews.csv``), rate the story
(``data/ratings.csv``), and run ``make notebooks``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from pathlib import Path

import nbformat
import yaml

from stemreport.paths import project_root
from stemreport_tools import chapters

TO_FILL = "TO FILL"
SOURCES = "data/sources.csv"


def next_number(root: Path) -> str:
    numbers = [int(p.name[:3]) for p in (root / "seeds").glob("*.txt") if re.match(r"\d{3}_", p.name)]
    return f"{max(numbers, default=-1) + 1:03d}"


def add_seed(root: Path, text_path: Path) -> str:
    raw = text_path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SystemExit(f"{text_path}: not UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}); save it as UTF-8 first") from None
    digest = hashlib.sha256(raw).hexdigest()
    for line in (root / "data" / "seeds.sha256").read_text(encoding="utf-8").splitlines():
        if line.startswith(digest):
            raise SystemExit(f"{text_path}: this text is already a seed ({line.split('  ', 1)[1]})")
    source = f"{next_number(root)}_{digest[:16]}"
    (root / "seeds" / f"{source}.txt").write_bytes(raw)
    with open(root / "data" / "seeds.sha256", "a", encoding="utf-8") as manifest:
        manifest.write(f"{digest}  {source}.txt\n")
    return source


def add_metadata(root: Path, source: str) -> None:
    path = root / SOURCES
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0])
    row = {column: "" for column in header}
    row.update(source=source, working_title=f"{TO_FILL}: working title of story S{source[:3]}",
               short_title=f"Story S{source[:3]}", outlet=f"{TO_FILL}: outlet", themes="background",
               date_evidence=f"{TO_FILL}: how the story was dated",
               primary_study=f"{TO_FILL}: the study or announcement behind the story",
               summary=f"{TO_FILL}: the story in one sentence.", gets_right="")
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows([*rows, row])
    path.write_text(out.getvalue(), encoding="utf-8")


def add_chapter(root: Path, source: str, title: str) -> Path:
    path = root / f"notebooks/source_{source[:3]}.ipynb"
    own = {"title": f"(source-{source[:3]})=\n# S{source[:3]}: {title}\n"}
    nbformat.write(chapters.build("source", source, own), path)
    return path


def add_to_toc(root: Path, source: str) -> None:
    """Insert the chapter after the last story chapter, keeping the rest of ``_toc.yml`` as it is."""
    path = root / "_toc.yml"
    text = path.read_text(encoding="utf-8")
    toc = yaml.safe_load(text)
    entry = f"notebooks/source_{source[:3]}"
    stories = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])
               if re.fullmatch(r"notebooks/source_\d{3}", str(c.get("file", "")))]
    if not stories:
        raise SystemExit("_toc.yml lists no story chapter (notebooks/source_NNN) to put the new one after")
    lines = text.splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.strip() == f"- file: {stories[-1]}")
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    lines.insert(last + 1, f"{indent}- file: {entry}\n")
    path.write_text("".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0]:
        print("usage: make new-source SEED=path/to/text.txt", file=sys.stderr)
        return 2
    text_path = Path(argv[0]).resolve()
    if not text_path.is_file():
        print(f"{text_path}: no such file", file=sys.stderr)
        return 2
    root = project_root()
    source = add_seed(root, text_path)
    add_metadata(root, source)
    chapter = add_chapter(root, source, f"{TO_FILL}: working title of story S{source[:3]}")
    add_to_toc(root, source)
    print(f"Added story S{source[:3]} ({source}):\n"
          f"  seeds/{source}.txt and its checksum in data/seeds.sha256\n"
          f"  a row in {SOURCES} (fields marked {TO_FILL!r})\n"
          f"  {chapter.relative_to(root)} from tools/templates/source.json, listed in _toc.yml\n"
          "Next: fill in the metadata (and the chapter title to match working_title), extract claims into "
          "data/claims.csv with an empty verdict, then check, review and rate them; `make notebooks` and "
          "`make book` show the story at every step.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
