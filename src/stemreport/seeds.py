"""The five source texts: checksum manifest, loading."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from stemreport.errors import InputError, Problem
from stemreport.paths import project_root

MANIFEST = "data/seeds.sha256"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(root: Path) -> dict[str, str]:
    """Map seed file name -> expected SHA-256, from ``data/seeds.sha256`` (sha256sum format)."""
    return {name: digest for name, (digest, _) in _manifest_entries(root).items()}


def _manifest_entries(root: Path) -> dict[str, tuple[str, int]]:
    """Map seed file name -> (expected SHA-256, line in the manifest)."""
    path = root / MANIFEST
    if not path.is_file():
        raise InputError([Problem(MANIFEST, None, None, "seed manifest is missing")])
    expected: dict[str, tuple[str, int]] = {}
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            problems.append(Problem(MANIFEST, number, None, f"not a 'sha256  filename' line: {line!r}"))
            continue
        expected[name.strip()] = (digest, number)
    if problems:
        raise InputError(problems)
    return expected


def check_seeds(root: Path | None = None) -> list[Problem]:
    """Compare ``seeds/`` with the manifest: edited, missing and extra seeds are all problems.

    A seed is a whole file, so its problems name the manifest line that lists it as the row.
    """
    root = root or project_root()
    expected = _manifest_entries(root)
    present = {p.name: p for p in sorted((root / "seeds").glob("*")) if p.is_file()}
    problems = []
    for name, (digest, line) in expected.items():
        row = f"{MANIFEST}, line {line}"
        if name not in present:
            problems.append(Problem(f"seeds/{name}", None, row, "seed is missing (listed in the manifest)"))
        elif (actual := _sha256(present[name])) != digest:
            problems.append(Problem(f"seeds/{name}", None, row,
                                    f"seed fails its SHA-256 checksum (expected {digest[:12]}..., found {actual[:12]}...): "
                                    "it was edited; restore it from ../shared/seeds"))
    for name in present:
        if name not in expected:
            problems.append(Problem(f"seeds/{name}", None, None,
                                    f"unknown file in seeds/ (not listed in {MANIFEST}); seeds are the five shared texts only"))
    return problems


def seed_ids(root: Path | None = None) -> list[str]:
    """Source ids (seed file names without ``.txt``), in manifest order."""
    return [name.removesuffix(".txt") for name in read_manifest(root or project_root())]


@cache
def _read(path: Path) -> str:
    # newline="" keeps the text exactly as stored, so offsets are indices into the raw seed.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def load_seed(source_id: str, root: Path | None = None) -> str:
    """The raw text of one seed, read as UTF-8; claim offsets index into this string."""
    return _read((root or project_root()) / "seeds" / f"{source_id}.txt")
