"""The book's documents in ``_toc.yml`` order, read with ``sphinx_external_toc`` (Jupyter Book's own parser)."""
from __future__ import annotations

from pathlib import Path

from stemreport.paths import project_root


def toc_docnames(root: Path | None = None) -> list[str]:
    """Every document of the book in reading order (root, parts, chapters, sections), without suffix."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    root = root or project_root()
    return list(parse_toc_yaml(root / "_toc.yml").keys())


def toc_notebooks(root: Path | None = None) -> list[Path]:
    """The ``.ipynb`` files the book is built from, in ``_toc.yml`` order."""
    root = root or project_root()
    return [root / f"{name}.ipynb" for name in toc_docnames(root) if (root / f"{name}.ipynb").is_file()]
