"""Find the project root, so code works from the root, from notebooks/ and from a temporary copy."""
from __future__ import annotations

import os
from pathlib import Path

# The build's persistent work area (Sphinx's environments, the validated-inputs snapshot, the publish stamps):
# kept between builds, never part of the published book.
WORK = Path("_build") / ".work"


def _looks_like_root(path: Path) -> bool:
    return (path / "_config.yml").is_file() and (path / "data").is_dir()


def project_root(start: str | os.PathLike | None = None) -> Path:
    """Return the report's root folder.

    ``STEMREPORT_ROOT`` wins (tests point it at temporary copies); otherwise walk up from
    ``start`` (default: the current directory), then from this file.
    """
    env = os.environ.get("STEMREPORT_ROOT")
    if env:
        return Path(env).resolve()
    for base in (Path(start or Path.cwd()).resolve(), Path(__file__).resolve()):
        for candidate in (base, *base.parents):
            if _looks_like_root(candidate):
                return candidate
    raise FileNotFoundError("cannot find the report root (a folder with _config.yml and data/)")


def data_path(name: str, root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / name
