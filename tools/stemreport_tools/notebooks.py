"""Re-execute every notebook in place so its stored outputs match the current data (``make notebooks``).

Each notebook runs from its own folder, exactly as in Jupyter, with a fixed kernel and metadata so
that two runs write identical files. Notebooks are found from ``_toc.yml`` (any folder, e.g.
``book/intro.ipynb``) and from ``notebooks/`` and ``book/``, so a new chapter needs no code change.

    python -m stemreport_tools.notebooks [NOTEBOOK ...]
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from stemreport.paths import project_root
from stemreport_tools.chapters import canonical
from stemreport_tools.toc import toc_notebooks

KERNEL = "python3"
NOTEBOOK_FOLDERS = ("notebooks", "book")  # every notebook here is also checked by nbval (pyproject testpaths)


def notebook_paths(root: Path | None = None) -> list[Path]:
    """Every notebook ``make notebooks`` refreshes: those in the toc, plus any in notebooks/ and book/."""
    root = root or project_root()
    paths = toc_notebooks(root)
    for folder in NOTEBOOK_FOLDERS:
        paths += [p for p in sorted((root / folder).glob("*.ipynb")) if p not in paths]
    return [p for p in paths if ".ipynb_checkpoints" not in p.parts]


def execute(path: Path) -> Path:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    # Stable metadata: no timings, no machine-specific kernel details.
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": KERNEL},
        "language_info": {"name": "python"},
    }
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(canonical(notebook), path)
    return path


def main(argv: list[str] | None = None) -> int:
    root = project_root()
    paths = [Path(a).resolve() for a in argv] if argv else notebook_paths(root)
    with ThreadPoolExecutor(max_workers=2) as pool:  # 2 cores; each notebook is its own kernel
        for done in pool.map(execute, paths):
            print(f"executed {done.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
