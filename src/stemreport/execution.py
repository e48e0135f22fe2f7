"""Execute the book's stale notebooks in parallel, into the jupyter-cache the build reads.

Jupyter Book 1 (myst-nb, ``execute_notebooks: cache``) executes notebooks one after another while
Sphinx reads them. Before calling it, the build runs this step: every notebook listed in ``_toc.yml``
whose code has no match in the cache is executed here, several at a time (each in its own kernel,
from its own folder, exactly as myst-nb would), and stored in the same cache with the same API
myst-nb uses. Sphinx then finds every notebook cached and executes nothing itself.

Only successful executions are cached; a failing notebook stops the build before Sphinx starts
(so the previous book stays in place), with the notebook and the error named. Text notebooks (MyST
``.md`` with a kernel) are not handled here: Jupyter Book executes those itself, as before.
"""
from __future__ import annotations

import fnmatch
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from stemreport.notebooks import toc_notebooks


@dataclass(frozen=True)
class Settings:
    mode: str
    cache: Path
    timeout: int | None
    allow_errors: bool
    in_temp: bool
    exclude: tuple[str, ...]


def settings(root: Path) -> Settings:
    """The ``execute:`` section of ``_config.yml``, with Jupyter Book's defaults."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    execute = config.get("execute") or {}
    cache = Path(execute.get("cache") or "_build/.jupyter_cache")
    return Settings(mode=str(execute.get("execute_notebooks", "auto")),
                    cache=cache if cache.is_absolute() else root / cache,
                    timeout=execute.get("timeout", 30), allow_errors=bool(execute.get("allow_errors", False)),
                    in_temp=bool(execute.get("run_in_temp", False)),
                    exclude=tuple(execute.get("exclude_patterns") or ()))


class NotebookFailed(RuntimeError):
    pass


def execute_stale(root: Path, workers: int = 2, log=print) -> list[Path]:
    """Execute (in parallel) and cache every toc notebook the cache has no match for; return them.

    Does nothing unless the book executes in ``cache`` mode in the notebooks' own folders (the only
    configuration this reproduces exactly); Jupyter Book then executes as it always does.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    config = settings(root)
    if config.mode != "cache" or config.in_temp:
        return []
    cache = get_cache(str(config.cache))
    stale: list[tuple[Path, nbformat.NotebookNode]] = []
    for path in toc_notebooks(root):
        rel = path.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(rel, pattern) for pattern in config.exclude):
            continue
        notebook = nbformat.read(path, as_version=4)
        try:
            cache.match_cache_notebook(notebook)  # same key as myst-nb: code cells + kernelspec
        except KeyError:
            stale.append((path, notebook))
    if not stale:
        log(f"[build] notebooks: all {len(toc_notebooks(root))} cached, none to execute")
        return []
    log(f"[build] notebooks: executing {len(stale)} in parallel ({workers} at a time): "
        + ", ".join(p.relative_to(root).as_posix() for p, _ in stale))
    started = time.monotonic()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    def run(item):
        path, notebook = item
        try:
            return path, notebook, single_nb_execution(notebook, cwd=str(path.parent), timeout=config.timeout,
                                                       allow_errors=config.allow_errors), None
        except Exception as err:  # a dead kernel, a missing kernel: not a cell error, still a failure
            return path, notebook, None, err

    failures = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for path, notebook, result, crash in pool.map(run, stale):
            rel = path.relative_to(root).as_posix()
            error = crash or (result.err if result else None)
            if error is not None:
                detail = f"{type(error).__name__}: {error}"  # for a cell error: the cell and its traceback
                failures.append(f"{rel}: execution failed\n{detail[-3000:]}")
                continue
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}),
                                        check_validity=False, overwrite=True)
            log(f"[build] executed {rel} in {result.time:.1f} s (cached)")
    if failures:
        raise NotebookFailed("\n".join(failures))
    log(f"[build] notebooks executed in {time.monotonic() - started:.1f} s")
    return [path for path, _ in stale]
