"""Notebooks execute in parallel before Sphinx, into the cache myst-nb reads; a failure keeps the old book.

Each test uses a copy whose ``_toc.yml`` lists only small notebooks written here, so a kernel or two
start instead of the whole book's.
"""
from __future__ import annotations

import os

import nbformat
import pytest
import yaml
from conftest import assert_previous_book_intact, plant_previous_book, run_module
from jupyter_cache import get_cache
from jupyter_cache.cache.db import NbCacheRecord
from stemreport_tools import execution

pytestmark = pytest.mark.book


def _small_book(project, notebooks: dict[str, str]) -> list:
    """Point the copy's toc at new one-cell notebooks (name -> code) under notebooks/."""
    paths = []
    for name, code in notebooks.items():
        path = project / "notebooks" / f"{name}.ipynb"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}"),
                                                   nbformat.v4.new_code_cell(code)])
        notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(notebook, path)
        paths.append(path)
    toc = {"format": "jb-book", "root": "book/glossary",
           "chapters": [{"file": f"notebooks/{name}"} for name in notebooks]}
    (project / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return paths


def test_executed_notebooks_are_cache_hits_for_the_build(project_copy, monkeypatch, tmp_path):
    """Both notebooks are cached and matched as myst-nb matches them; the cache is trimmed once, by this
    process, after both are cached (a worker trimming while another caches can delete that one's record);
    the kernels listened on Unix sockets (``stemreport_tools.ipckernels``), not TCP ports."""
    trims = tmp_path / "trims"
    real = NbCacheRecord.records_to_delete

    def recorded(keep, db):  # runs in whichever process trims; the forked workers inherit this patch
        with open(trims, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(keep, db)

    monkeypatch.setattr(NbCacheRecord, "records_to_delete", staticmethod(recorded))
    transport = "import ipykernel.connect, json; print(json.loads(ipykernel.connect.get_connection_info())['transport'])"
    first, second = _small_book(project_copy, {"one": "print(1)", "two": transport})
    assert sorted(execution.execute_stale(project_copy, log=lambda _: None)) == sorted([first, second])
    assert trims.read_text(encoding="utf-8").split() == [str(os.getpid())], "the cache was trimmed by a worker"
    cache = get_cache(str(execution.settings(project_copy).cache))
    for path, printed in ((first, "1\n"), (second, "ipc\n")):  # the build's kernels use Unix sockets too
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))  # what myst-nb calls
        _, merged = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
        assert record and merged.cells[1].outputs[0]["text"] == printed
    assert execution.execute_stale(project_copy, log=lambda _: None) == []  # nothing left to run


def test_failing_notebook_stops_build_and_keeps_previous_book(project_copy):
    plant_previous_book(project_copy)
    _small_book(project_copy, {"fine": "print('fine')", "broken": "raise ValueError('planted failure')"})
    result = run_module("stemreport_tools.build", cwd=project_copy, timeout=300)
    assert result.returncode != 0
    assert "notebooks/broken.ipynb: execution failed" in result.stderr
    assert "planted failure" in result.stderr
    assert not (project_copy / "_build" / ".work" / "_build").exists(), "Sphinx ran after a notebook failed"
    assert_previous_book_intact(project_copy)


def test_a_run_that_fails_outside_the_cells_is_retried_once_serially_and_a_cell_error_never(project_copy, monkeypatch):
    """A kernel that misses its start-up window under load ('errored' in jupyter-cache) gets one more run,
    alone; a notebook whose cell raises ('excepted') is reported at once, without a second run."""
    import jupyter_cache.executors as executors
    from jupyter_cache.executors.base import ExecutorRunResult

    real, calls = executors.load_executor, []

    def load(name, cache, logger):
        calls.append(name)
        executor = real(name, cache=cache, logger=logger)
        if name != "local-parallel":
            return executor

        class KernelMissesStartup:  # the flaky notebook 'fails to start'; the others run for real
            def run_and_cache(self, filter_uris, **run):
                flaky = [u for u in filter_uris if u.endswith("flaky.ipynb")]
                done = executor.run_and_cache(filter_uris=[u for u in filter_uris if u not in flaky], **run)
                return ExecutorRunResult(succeeded=done.succeeded, excepted=done.excepted, errored=flaky)
        return KernelMissesStartup()

    monkeypatch.setattr(executors, "load_executor", load)
    logged = []
    flaky, fine = _small_book(project_copy, {"flaky": "print('late kernel')", "fine": "print('fine')"})
    assert sorted(execution.execute_stale(project_copy, log=logged.append)) == sorted([flaky, fine])
    assert calls == ["local-parallel", "local-serial"]
    assert any("retrying 1 notebook(s)" in line and "notebooks/flaky.ipynb" in line for line in logged), logged
    assert get_cache(str(execution.settings(project_copy).cache)).match_cache_notebook(nbformat.read(flaky, as_version=4))

    calls.clear()
    _small_book(project_copy, {"broken": "raise ValueError('planted failure')"})
    with pytest.raises(execution.NotebookFailed, match="planted failure"):
        execution.execute_stale(project_copy, log=lambda _: None)
    assert calls == ["local-parallel"], "a cell error was run a second time"


def test_nbval_kernels_listen_on_unix_sockets_and_come_from_a_warm_server(root):
    """nbval's kernels use ZeroMQ ``ipc`` sockets (``stemreport_tools.ipckernels``): a TCP port chosen
    by jupyter_client can be taken by another process before the kernel binds it, and that kernel dies
    ("Kernel died before replying to kernel_info", seen in CI). Starts one kernel the way nbval does."""
    import nbval.kernel

    kernel = nbval.kernel.RunningKernel(nbval.kernel.CURRENT_ENV_KERNEL_NAME, cwd=str(root / "notebooks"))
    try:
        info = kernel.km.get_connection_info()
        assert info["transport"] == "ipc", info
        assert os.path.exists(f"{info['ip']}-{info['shell_port']}"), "no socket file for the shell channel"
        printed = []
        reply = kernel.kc.execute_interactive(
            "import os; print(os.getppid())", timeout=30,
            output_hook=lambda msg: msg["msg_type"] == "stream" and printed.append(msg["content"]["text"]))
        assert reply["content"]["status"] == "ok"
    finally:
        kernel.stop()
    # ... and forked from a warm server: under pytest-xdist the controller's, one for every worker (its
    # parent is this worker's parent), else this process's own.
    server = int("".join(printed))
    with open(f"/proc/{server}/cmdline", "rb") as handle:
        assert b"stemreport_tools.forkkernel\0serve" in handle.read(), "the kernel was not forked from a server"
    with open(f"/proc/{server}/stat", encoding="ascii") as handle:
        owner = int(handle.read().rsplit(") ", 1)[1].split()[1])
    assert owner == (os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid())
