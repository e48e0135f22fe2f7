"""Kernels forked from a warm process (stemreport_tools.forkkernel) are the kernels they stand in for.

nbval over every notebook already shows that forked kernels give the stored outputs, which ``make notebooks``
wrote with plain kernels. These tests check the rest of the contract: each kernel runs in its own folder
and environment, is interrupted and killed like a plain one, and a kernel the server cannot honour (another
environment, another command) starts plain instead of being forked wrongly.
"""
from __future__ import annotations

import os
import sys
import time

import pytest
from jupyter_client.manager import KernelManager
from stemreport_tools import forkkernel

pytestmark = pytest.mark.book  # starts kernels: left out of `make test-fast`

PLAIN = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"]


@pytest.mark.parametrize(("argv", "flags"), [
    (PLAIN, ("-Xfrozen_modules=off",)),
    ([sys.executable, "-m", "ipykernel_launcher", "-f", "/tmp/k.json", "--HistoryManager.hist_file=:memory:"], ()),
    ([sys.executable, "-c", "print(1)"], None),
    ([sys.executable, "-m", "ipykernel_launcher", "-f"], None),
    ([sys.executable, "-i", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"], None),
    (["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"], None),
    ([sys.executable, "-m", "ipykernel_launcher", "-f", "/tmp/k.json", "extra"], None),
])
def test_only_plain_kernel_commands_of_this_environment_are_forked(argv, flags):
    assert forkkernel.interpreter_flags(argv) == flags


def _run(km, code: str) -> dict:
    """Execute ``code`` in the kernel; its last expression's value (repr) and any error name."""
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        result = {}

        def output(msg):
            if msg["msg_type"] == "execute_result":
                result["value"] = msg["content"]["data"]["text/plain"]
            elif msg["msg_type"] == "error":
                result["error"] = msg["content"]["ename"]

        client.execute_interactive(code, output_hook=output, timeout=60)
        return result
    finally:
        client.stop_channels()


@pytest.fixture(scope="module")
def forked():
    """A kernel manager class whose kernels go through one server, this module's own: started by the first
    kernel, it imports PRELOAD (two core-seconds) once for all the tests here, in the environment every
    forked kernel here has (``STEMREPORT_PROBE=same``; a test that changes it expects a plain kernel)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forkkernel, "ENABLED", True)
        patch.setenv("STEMREPORT_PROBE", "same")
        forkkernel.stop()
        yield forkkernel.kernel_manager_class(KernelManager)
        forkkernel.stop()


PROBE = ("import os, sys; (os.getcwd(), os.environ.get('STEMREPORT_PROBE'), os.getppid(), "
         "'pandas' in sys.modules, os.environ.get('MPLBACKEND'))")


def test_a_forked_kernel_has_its_own_folder_and_environment(forked, tmp_path, monkeypatch):
    kernels = []
    for n in (1, 2):
        folder = tmp_path / f"k{n}"
        folder.mkdir()
        monkeypatch.setenv("STEMREPORT_PROBE", "same")
        km = forked(kernel_name="python3")
        km.start_kernel(cwd=str(folder))
        kernels.append(km)
        try:
            cwd, probe, parent, preloaded, backend = eval(_run(km, PROBE)["value"])  # noqa: S307 (our own repr)
        finally:
            km.shutdown_kernel(now=True)
        server = forkkernel._CURRENT
        assert server is not None and os.path.exists(server.sock)
        assert cwd == str(folder) and probe == "same"
        assert parent == server.process.pid, "the kernel was not forked from the server"
        assert preloaded, "pandas should already be imported in a forked kernel"
        assert backend == forkkernel.INLINE_BACKEND  # as ipykernel sets it in a plain kernel


def test_a_kernel_in_another_environment_is_not_forked(forked, tmp_path, monkeypatch):
    km = forked(kernel_name="python3")  # in the server's environment (STEMREPORT_PROBE=same): forked
    km.start_kernel(cwd=str(tmp_path))
    try:
        assert eval(_run(km, PROBE)["value"])[2] == forkkernel._CURRENT.process.pid  # noqa: S307
    finally:
        km.shutdown_kernel(now=True)
    # The libraries were imported with STEMREPORT_PROBE=same: a kernel asked for with another value starts plain.
    monkeypatch.setenv("STEMREPORT_PROBE", "second")
    km = forked(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    try:
        _, probe, parent, preloaded, _ = eval(_run(km, PROBE)["value"])  # noqa: S307
        assert probe == "second" and parent == os.getpid() and not preloaded
    finally:
        km.shutdown_kernel(now=True)


def test_a_forked_kernel_is_interrupted_and_killed_like_a_plain_one(forked, tmp_path):
    km = forked(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    pid = int(_run(km, "import os; os.getpid()")["value"])
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute("print('sleeping', flush=True); import time; time.sleep(60)")
        seen = []
        deadline = time.monotonic() + 30
        while "KeyboardInterrupt" not in seen and time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=30)
            if msg["msg_type"] == "stream" and "sleeping" in msg["content"]["text"]:
                seen.append("sleeping")
                km.interrupt_kernel()  # a SIGINT to the client, which passes it on to the kernel
            elif msg["msg_type"] == "error":
                seen.append(msg["content"]["ename"])
        assert seen == ["sleeping", "KeyboardInterrupt"]
    finally:
        client.stop_channels()
    assert _run(km, "1 + 1")["value"] == "2", "the kernel should live on after an interrupt"
    km.shutdown_kernel(now=True)  # a SIGKILL to the client jupyter_client started: the server must kill the kernel
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the forked kernel outlived its client"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_without_a_server_the_kernel_starts_plain(tmp_path):
    """The client's fallback: no server at the socket, so it runs the plain command itself (same process)."""
    km = KernelManager(kernel_name="python3")
    original = KernelManager.format_kernel_cmd

    def through_nothing(self, extra_arguments=None):
        argv = original(self, extra_arguments)
        return [sys.executable, "-m", "stemreport_tools.forkkernel", "run", str(tmp_path / "no-server"), "--", *argv]

    km.format_kernel_cmd = through_nothing.__get__(km)
    km.start_kernel(cwd=str(tmp_path))
    try:
        assert int(eval(_run(km, PROBE)["value"])[2]) == os.getpid()  # noqa: S307
    finally:
        km.shutdown_kernel(now=True)


def test_a_forked_kernel_sees_what_a_plain_one_sees(forked, tmp_path):
    """Path, interpreter flags and options, argv, folder and environment (names and values but those that
    differ per kernel) are those of a plain kernel started in the same way, once both have imported the
    libraries every notebook imports (PRELOAD). Some of those set variables on import (pandera sets
    SPARK_LOCAL_IP): a forked kernel has them from the start, a plain one from its first import."""
    probe = (f"import importlib, os, sys; [importlib.import_module(m) for m in {forkkernel.PRELOAD!r}]; "
             "repr((sys.path, sys.flags, sys._xoptions, sys.argv[0], os.getcwd(), "
             "sorted((k, v) for k, v in os.environ.items() if k not in {'JPY_PARENT_PID', 'JPY_SESSION_NAME'})))")
    seen = {}
    for name, manager in (("forked", forked), ("plain", KernelManager)):
        km = manager(kernel_name="python3")
        km.start_kernel(cwd=str(tmp_path))
        try:
            seen[name] = _run(km, probe)["value"]
            if name == "forked":
                assert eval(_run(km, PROBE)["value"])[2] == forkkernel._CURRENT.process.pid  # noqa: S307
        finally:
            km.shutdown_kernel(now=True)
    assert seen["forked"] == seen["plain"]


def test_a_server_whose_imports_start_a_thread_forks_nothing(tmp_path):
    """A fork copies a thread's locks but not the thread: if importing PRELOAD ever starts one (a library
    update could), the server must refuse every kernel (each then starts plain) rather than fork. Run in a
    child interpreter, as ``warm_up`` takes on the kernel's environment in the process that calls it."""
    import subprocess

    module = tmp_path / "starts_a_thread.py"
    module.write_text("import threading, time\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n")
    script = """
import os, sys
from stemreport_tools import forkkernel
forkkernel.PRELOAD = ("json", "starts_a_thread")
warm = forkkernel._Warm(())
request = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "/tmp/k.json"], "env": dict(os.environ)}
assert warm.accepts(request)
warm.warm_up(request["env"])
print(repr(warm.refused), warm.accepts(request))
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "'a thread was started while importing PRELOAD' False", done.stdout
