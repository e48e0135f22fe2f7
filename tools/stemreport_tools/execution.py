"""Execute the book's stale notebooks in parallel into the notebook cache the build reads.

Jupyter Book 1 (myst-nb, ``execute_notebooks: cache``) executes notebooks one after another while
Sphinx reads them. Before calling it, the build runs this step: every notebook listed in ``_toc.yml``
is registered in the jupyter-cache project, and jupyter-cache's own parallel executor
(``local-parallel``: one kernel per notebook, in the notebook's folder, as myst-nb runs them) executes
those whose code has no match in the cache and caches the results. Sphinx then finds every notebook
cached and executes nothing itself.

Only successful executions are cached; a failing notebook stops the build before Sphinx starts (so the
previous book stays in place), with the notebook and the error named. A run that failed outside the
notebook's cells (a kernel that never answered, typically on a loaded machine) is retried once, alone,
before it counts as a failure; an error in a cell is never retried.

Each kernel is forked from a process that has already imported the third-party libraries every notebook
imports (``stemreport_tools.forkkernel``): a fresh kernel all the same, started in a fraction of the time.
Kernels listen on Unix sockets, not TCP ports (``stemreport_tools.ipckernels``): no port to lose to another
process between its choice and its use.

One repair to jupyter-cache 1.0: each worker, after caching its notebook, trims the cache to its size
limit, reading the records to keep and the records to delete in two queries. When another worker commits
its record between the two, that record is "not kept" and is deleted while its notebook is still being
written (seen as ``KeyError: Notebook file does not exist for cache record PK``, the notebook then
reported as failed; had its file been written, its result would be silently lost). Here the workers
never trim; the parent trims once, after every worker has finished (:func:`_trim_once_at_the_end`).
"""
from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from stemreport_tools.forkkernel import forked_kernels
from stemreport_tools.ipckernels import ipc_kernels
from stemreport_tools.toc import toc_notebooks


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


@contextlib.contextmanager
def _trim_once_at_the_end(cache):
    """While the block runs, caching a notebook does not trim the cache (see the module docstring); the
    trim runs once afterwards, in this process. The workers are forked (Linux), so they inherit the change;
    where workers are spawned instead (macOS, Windows) they still trim as before."""
    from jupyter_cache.cache.main import JupyterCacheBase

    trim = JupyterCacheBase.truncate_caches
    JupyterCacheBase.truncate_caches = lambda self: None
    try:
        yield
    finally:
        JupyterCacheBase.truncate_caches = trim
    cache.truncate_caches()


def execute_stale(root: Path, log=print) -> list[Path]:
    """Execute (in parallel) and cache every toc notebook the cache has no match for; return them.

    Does nothing unless the book executes in ``cache`` mode in the notebooks' own folders (the only
    configuration this reproduces exactly); Jupyter Book then executes as it always does.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    config = settings(root)
    if config.mode != "cache" or config.in_temp:
        return []
    cache = get_cache(str(config.cache))
    notebooks = [p for p in toc_notebooks(root)
                 if not any(fnmatch.fnmatch(p.relative_to(root).as_posix(), pat) for pat in config.exclude)]
    for path in notebooks:
        cache.add_nb_to_project(str(path))
    stale = [Path(r.uri) for r in cache.list_unexecuted(filter_uris=[str(p) for p in notebooks])]
    if not stale:
        log(f"[build] notebooks: all {len(notebooks)} cached, none to execute")
        return []
    log(f"[build] notebooks: executing {len(stale)} in parallel: " + ", ".join(p.relative_to(root).as_posix() for p in stale))
    started = time.monotonic()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    logger = logging.getLogger("stemreport.execution")
    run = dict(timeout=config.timeout, allow_errors=config.allow_errors)
    with _trim_once_at_the_end(cache), ipc_kernels(), forked_kernels():
        result = load_executor("local-parallel", cache=cache, logger=logger).run_and_cache(
            filter_uris=[str(p) for p in stale], **run)
        errored, succeeded = list(result.errored), list(result.succeeded)
        if errored:
            # 'errored' is jupyter-cache's word for a run that failed outside the notebook's cells (the
            # kernel never answered, the record could not be read or written); a cell error is 'excepted'.
            # On a loaded two-core machine a kernel started beside sixteen others can miss nbclient's
            # 60-second start-up window. Such notebooks run once more, one at a time; a notebook that
            # fails again is reported as failed, and a cell error is never retried.
            log(f"[build] retrying {len(errored)} notebook(s) whose run failed outside their cells, one at a time: "
                + ", ".join(Path(u).relative_to(root).as_posix() for u in errored))
            again = load_executor("local-serial", cache=cache, logger=logger).run_and_cache(filter_uris=errored, **run)
            succeeded += list(again.succeeded)
            errored = [*again.excepted, *again.errored]
    failures = []
    for uri in [*result.excepted, *errored]:
        record = cache.get_project_record(uri)
        detail = (record.traceback or "the kernel failed before a cell ran")[-3000:]
        failures.append(f"{Path(uri).relative_to(root).as_posix()}: execution failed\n{detail}")
    for uri in succeeded:
        log(f"[build] executed {Path(uri).relative_to(root).as_posix()} (cached)")
    if failures:
        raise NotebookFailed("\n".join(failures))
    log(f"[build] notebooks executed in {time.monotonic() - started:.1f} s")
    return stale
