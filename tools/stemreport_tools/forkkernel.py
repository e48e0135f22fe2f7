"""Notebook kernels forked from a warm process: the same fresh kernel, without paying its imports each time.

Why: every notebook runs in a kernel of its own, and a new kernel process spends about a second and a half
before the notebook's first line does anything: Python and ipykernel start, then the notebook imports
pandas, pandera and matplotlib. ``make test`` starts three dozen kernels (nbval over every notebook, and the
sixth-source book executes every notebook again) and a cold build seventeen, on two cores.

How: a *server* process waits on a Unix socket; when the first kernel is asked for, it takes on that
kernel's environment and imports those third-party libraries once (``PRELOAD``; nothing of this project,
so a kernel still imports the report's own code fresh and reads ``STEMREPORT_ROOT`` and the data at run
time). The kernel command jupyter_client runs becomes a small *client*
(``python -m stemreport_tools.forkkernel run SOCKET -- <the usual command>``): it hands the server its
command, folder, environment and standard streams; the server forks, and the child becomes the kernel
(``ipykernel_launcher`` as usual: its own process, folder, environment and streams, nothing executed
before it). The client stays in place of the kernel for jupyter_client: it passes on signals (an
interrupt too), and it exits with the kernel's exit status. If the client dies (jupyter_client kills it
after a failed shutdown), the server kills its kernel; if the server dies, its kernels exit (ipykernel
exits when its parent goes). A fork starts no threads: the server has none (``OPENBLAS_NUM_THREADS=1``
keeps numpy's BLAS from starting its own) and ``MPLBACKEND`` is set as ipykernel would set it, before
matplotlib is imported.

Whatever goes wrong (no server, a command that is not ``python -m ipykernel_launcher -f FILE`` from this
environment, an environment other than the one the libraries were imported in), the client runs the usual
command itself: a kernel is always started, the fork only makes it faster.

Used by the build's parallel execution step (``stemreport.execution``) and by nbval in ``make test``
(``stemreport_tools.pytest_kernels``). ``make notebooks`` keeps plain kernels, so nbval compares outputs
of forked kernels with outputs of plain ones. ``STEMREPORT_FORK_KERNELS=0`` turns the fork off.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

# What every kernel imports anyway: the notebooks' libraries, and what ipykernel, IPython and matplotlib import
# lazily as a kernel starts, glues its first value or saves its first figure (the debugger's debugpy and
# pydevd, glue's nbformat and jsonschema, the PDF backend's fontTools, the bibliography parser). Measured
# with ``sys.modules`` in forked kernels: the second group was about 450 modules and 0.35 s a kernel.
PRELOAD = ("numpy", "pandas", "pandera.pandas", "matplotlib", "matplotlib.pyplot", "IPython", "ipykernel.kernelapp",
           "ipykernel.ipkernel", "myst_nb",
           "ipykernel.debugger", "IPython.core.debugger", "IPython.core.pylabtools", "IPython.core.completerlib",
           "IPython.extensions.storemagic", "matplotlib_inline.backend_inline", "matplotlib.backends.backend_agg",
           "matplotlib.backends.backend_pdf", "matplotlib.backends.backend_svg", "fontTools.subset",
           "myst_nb.ext.glue", "pybtex.database.input.bibtex", "pandera.backends.pandas.register",
           "pandera.accessors.pandas_accessor", "pandera.strategies.pandas_strategies", "psutil", "tornado.gen",
           "tornado.queues", "sqlite3", "lxml.etree", "docutils.nodes")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel puts in MPLBACKEND when unset
ENABLED = os.environ.get("STEMREPORT_FORK_KERNELS", "1") != "0"
_HEADER = struct.Struct("!I")


# ------------------------------------------------------------------------------------------- framing

def _send(conn: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    payload = _HEADER.pack(len(data)) + data
    sent = socket.send_fds(conn, [payload], list(fds)) if fds else 0
    conn.sendall(payload[sent:])


def _receive(conn: socket.socket, with_fds: int = 0) -> tuple[dict | None, list[int]]:
    """One message (and up to ``with_fds`` file descriptors sent with it); None when the peer closed."""
    fds: list[int] = []
    if with_fds:
        data, fds, _, _ = socket.recv_fds(conn, 65536, with_fds)
    else:
        data = conn.recv(65536)
    if not data:
        return None, fds
    while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
        more = conn.recv(65536)
        if not more:
            return None, fds
        data += more
    size = _HEADER.unpack_from(data)[0]
    return json.loads(data[_HEADER.size:_HEADER.size + size]), fds


def interpreter_flags(argv: list[str]) -> tuple[str, ...] | None:
    """For a plain kernel command, its interpreter's ``-X`` options; None for any other command.

    A plain kernel command is this environment's Python with ``-X`` options only (ipykernel 7's kernelspec
    asks for ``-Xfrozen_modules=off``), then ``-m ipykernel_launcher -f FILE`` and ``--Class.trait=value``
    options (nbclient adds ``--HistoryManager.hist_file=:memory:``). Paths are compared without resolving
    links: a virtual environment's python links to the base one."""
    if not argv or os.path.abspath(argv[0]) != os.path.abspath(sys.executable) or "-m" not in argv:
        return None
    at = argv.index("-m")
    flags, launcher, options = argv[1:at], argv[at:at + 4], argv[at + 4:]
    if (len(launcher) != 4 or launcher[:3] != ["-m", "ipykernel_launcher", "-f"]
            or not all(f.startswith("-X") for f in flags) or not all(o.startswith("--") for o in options)):
        return None
    return tuple(flags)


def _kernel_arguments(argv: list[str]) -> list[str]:
    """What ipykernel_launcher sees after its own name: ``-f FILE`` and the options."""
    return argv[argv.index("-m") + 2:]


# Variables that legitimately differ from one kernel to the next, all read by the kernel at run time, after
# the fork (or never): jupyter_client's (its own process id, the session name), pytest's current test and
# pytest-xdist's worker name (nbval's kernels of every worker share one server), pydevd's switch.
PER_KERNEL = frozenset({"JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT", "IPY_INTERRUPT_EVENT",
                        "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYDEVD_DISABLE_FILE_VALIDATION"})


def _environment(env: dict[str, str]) -> dict[str, str]:
    """What must be equal between the server and a kernel it forks: the whole environment but PER_KERNEL.

    Python reads some variables when it starts (PYTHONHASHSEED ...) and libraries when they are imported
    (MPLBACKEND, OPENBLAS_NUM_THREADS, IPython's and traitlets' switches ...): a kernel asked for in a
    different environment is not forked (a plain one starts), so no kernel ever runs with settings it was
    not asked for."""
    return {k: v for k, v in env.items() if k not in PER_KERNEL}


# --------------------------------------------------------------------------------------------- client

def run(sock: str, argv: list[str]) -> None:
    """Ask the server at ``sock`` for a kernel running ``argv``; wait for it and exit with its status.
    Runs ``argv`` itself (exec) when the server cannot."""
    reply = None
    if interpreter_flags(argv) is not None:
        with contextlib.suppress(OSError):
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(sock)
            _send(conn, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])
            reply, _ = _receive(conn)
    if not reply or "pid" not in reply:
        os.execv(argv[0], argv)  # a plain kernel, in this very process
    pid = reply["pid"]
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, lambda s, _frame: _pass_on(pid, s))
    done, _ = _receive(conn)  # the kernel's exit status, when it exits (or nothing if the server went first)
    sys.exit(done.get("status", 1) if done else 1)


def _pass_on(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


# --------------------------------------------------------------------------------------------- server

class _Warm:
    """The server's state: which environment it imported PRELOAD in (the first kernel's, see ``serve``)."""

    def __init__(self, flags: tuple[str, ...]):
        self.flags = flags
        self.started_with = _interpreter_environment(os.environ)
        self.settings: dict[str, str] | None = None
        self.refused = ""  # why this server forks nothing (see warm_up)
        self.set_on_import: dict[str, str] = {}

    def accepts(self, request: dict) -> bool:
        """A plain kernel command with this interpreter's options, in the environment the libraries were
        imported in (for the first request: an environment this interpreter could have started in)."""
        if self.refused or interpreter_flags(request["argv"]) != self.flags:
            return False
        if self.settings is None:
            return _interpreter_environment(request["env"]) == self.started_with
        return _environment(request["env"]) == self.settings

    def warm_up(self, env: dict[str, str]) -> None:
        """Take on the first kernel's environment and import PRELOAD in it, as that kernel would."""
        self.settings = _environment(env)
        os.environ.clear()
        os.environ.update(self.settings)
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
        # No thread may exist at a fork: numpy's BLAS would start one per core (a kernel's arithmetic here
        # is far too small for BLAS threads to matter).
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        import gc
        import importlib

        before = dict(os.environ)
        for name in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        # What the imports themselves set (debugpy sets PYDEVD_USE_FRAME_EVAL=NO as ipykernel starts, pandera
        # SPARK_LOCAL_IP as a notebook imports it): a plain kernel has them once it has imported these
        # libraries, which every kernel does; a forked kernel gets them back after taking on its environment.
        self.set_on_import = {k: v for k, v in os.environ.items() if before.get(k) != v}
        if len(os.listdir("/proc/self/task")) > 1:
            # A library started a thread on import: a forked child would hold a copy of its locks and no
            # thread to release them. Forking is then refused (every kernel starts plain), not risked.
            self.refused = "a thread was started while importing PRELOAD"
            return
        gc.collect()
        gc.freeze()  # the kernels share the imported modules' memory pages instead of copying them


def _interpreter_environment(env) -> dict[str, str]:
    """The variables Python reads when it starts (PYTHONPATH, PYTHONHASHSEED ...)."""
    return {k: v for k, v in env.items() if k.startswith("PYTHON")}


def serve(sock: str, flags: tuple[str, ...]) -> None:
    """Listen on ``sock`` and fork a kernel for each client until told to stop (or until the process that
    started the server goes). ``flags``: the ``-X`` options this interpreter was started with, which a kernel
    command must have too.

    The libraries are imported when the first kernel is asked for, in that kernel's environment (jupyter_client
    gives kernels an environment of their own); later kernels are forked only in the same environment."""
    parent = os.getppid()
    warm = _Warm(flags)
    # As ipykernel_launcher does before importing anything: the folder it was started from is not on the path.
    if sys.path and (sys.path[0] == "" or os.path.realpath(sys.path[0]) == os.path.realpath(os.getcwd())):
        del sys.path[0]
    import selectors

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ready = sock + ".tmp"
    listener.bind(ready)
    listener.listen(64)
    os.rename(ready, sock)  # the socket appears only once it listens
    stop = False

    def _stop(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    selector = selectors.EpollSelector()
    selector.register(listener, selectors.EVENT_READ)
    # A kernel's exit wakes the loop at once (its client, and jupyter_client behind it, waits for it).
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector.register(wake_read, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}
    while not stop and os.getppid() == parent:
        for key, _ in selector.select(timeout=0.2):
            if key.fileobj == wake_read:
                os.read(wake_read, 512)
            elif key.fileobj is listener:
                conn, _ = listener.accept()
                inherited = [listener.fileno(), wake_read, wake_write, selector.fileno(),
                             *(c.fileno() for c in kernels.values())]
                pid = _fork_kernel(conn, inherited, warm)
                if pid:
                    kernels[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                else:
                    conn.close()
            else:  # a client went away (it never sends anything else): its kernel goes too
                _kill(key.data)
                selector.unregister(key.fileobj)
        while kernels:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            conn = kernels.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError, ValueError, KeyError):
                    selector.unregister(conn)
                    _send(conn, {"status": os.waitstatus_to_exitcode(status)})
                conn.close()
    for pid in kernels:
        _kill(pid)
    with contextlib.suppress(OSError):
        os.unlink(sock)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _fork_kernel(conn: socket.socket, inherited: list[int], warm: _Warm) -> int | None:
    """Fork a kernel for the request waiting on ``conn``; None (the client then starts a plain kernel) when
    the server does not accept it (``_Warm.accepts``)."""
    request, fds = _receive(conn, with_fds=3)
    if not request or len(fds) != 3 or not warm.accepts(request):
        for fd in fds:
            os.close(fd)
        return None
    if warm.settings is None:
        warm.warm_up(request["env"])
        if warm.refused:
            for fd in fds:
                os.close(fd)
            return None
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        _send(conn, {"pid": pid})
        return pid
    # The child: become the kernel the client asked for.
    code = 1
    try:
        conn.close()
        for fd in inherited:  # the server's own sockets and pipes are none of the kernel's business
            with contextlib.suppress(OSError):
                if fd >= 0:
                    os.close(fd)
        os.setsid()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, as in a new process
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(warm.set_on_import)
        import atexit

        atexit._clear()
        import importlib.util

        # As in a plain kernel, started as ``python -m ipykernel_launcher``: argv[0] is the launcher's file.
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *_kernel_arguments(request["argv"])]
        from ipykernel import kernelapp

        # ipykernel's launch_new_instance (Application.launch_instance), with the two settings it reads from
        # the environment when it is imported set from this kernel's environment, as a plain kernel has them:
        # the process to watch (the kernel exits when it goes) and Windows' interrupt event.
        try:
            app = kernelapp.IPKernelApp.instance()
            app.parent_handle = int(os.environ.get("JPY_PARENT_PID") or 0)
            app.interrupt = int(os.environ.get("JPY_INTERRUPT_EVENT") or 0)
            app.initialize()
            app.start()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - the child must never return into the server's loop
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# ------------------------------------------------------------------------------------------- owners

class Server:
    """A running server (a child of this process) for kernels started with the interpreter options ``flags``."""

    def __init__(self, flags: tuple[str, ...], wait: float = 30.0):
        self.flags = flags
        self.folder = tempfile.mkdtemp(prefix="fk-")
        self.sock = os.path.join(self.folder, "s")
        self.process = subprocess.Popen([sys.executable, *flags, "-m", "stemreport_tools.forkkernel", "serve", self.sock,
                                         *flags], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + wait
        while not os.path.exists(self.sock) and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` through the server when it is a plain kernel command with the server's options; ``argv``
        unchanged otherwise."""
        # (The socket, not Popen.poll: a process forked from the owner, a pool worker, cannot wait for the server.)
        if interpreter_flags(argv) != self.flags or not os.path.exists(self.sock):
            return argv
        return _client_command(self.sock, argv)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


_CURRENT: Server | None = None


def start(argv: list[str]) -> Server | None:
    """This process's server, started on first use for kernels like ``argv``; None when the fork is turned
    off, not available (not Linux) or ``argv`` is not a plain kernel command."""
    global _CURRENT
    flags = interpreter_flags(argv)
    if _CURRENT is None and ENABLED and sys.platform.startswith("linux") and flags is not None:
        _CURRENT = Server(flags)
    return _CURRENT


def stop() -> None:
    global _CURRENT
    if _CURRENT is not None:
        _CURRENT.close()
        _CURRENT = None


def through_server(argv: list[str]) -> list[str]:
    """The kernel command ``argv`` as jupyter_client should run it: through this process's server if it can."""
    server = start(argv)
    return server.command(argv) if server else argv


def _client_command(sock: str, argv: list[str]) -> list[str]:
    """The small client that asks the server at ``sock`` for a kernel running ``argv`` (see ``run``)."""
    return [sys.executable, "-m", "stemreport_tools.forkkernel", "run", sock, "--", *argv]


def through_socket(sock: str, argv: list[str]) -> list[str]:
    """``argv`` through a server another process owns (at ``sock``), if ``argv`` is a plain kernel command;
    the server refuses a kernel it cannot honour, and the client then runs ``argv`` itself."""
    if not ENABLED or interpreter_flags(argv) is None or not os.path.exists(sock):
        return argv
    return _client_command(sock, argv)


def kernel_argv(kernel_name: str = "python3", specs=None) -> list[str] | None:
    """The command of the kernel ``kernel_name`` (from ``specs``, a kernel spec manager; jupyter's own by
    default), with this interpreter for ``python``/``python3``; None if there is no such kernel."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = (specs or KernelSpecManager()).get_kernel_spec(kernel_name).argv
    except NoSuchKernel:
        return None
    return [sys.executable if spec[0] in ("python", "python3") else spec[0], *spec[1:]]


def kernel_manager_class(base):
    """``base`` (a jupyter_client kernel manager class) whose kernels go through this process's server
    (started with the first kernel; ``stop()`` ends it)."""

    class ForkedKernelManager(base):
        def format_kernel_cmd(self, extra_arguments=None):
            return through_server(super().format_kernel_cmd(extra_arguments))

    ForkedKernelManager.__name__ = f"Forked{base.__name__}"
    return ForkedKernelManager


@contextlib.contextmanager
def forked_kernels(kernel_name: str = "python3"):
    """While the block runs, every kernel jupyter_client starts in this process, and in processes forked from
    it (jupyter-cache's pool workers), goes through one server, started now for ``kernel_name``'s command
    (so that the forked workers share it) and stopped afterwards."""
    from jupyter_client.manager import KernelManager  # AsyncKernelManager (nbclient's) inherits the method

    original = KernelManager.format_kernel_cmd
    argv = kernel_argv(kernel_name)
    if argv is not None:
        start(argv)

    def format_kernel_cmd(self, extra_arguments=None):
        return through_server(original(self, extra_arguments))

    KernelManager.format_kernel_cmd = format_kernel_cmd
    try:
        yield _CURRENT
    finally:
        KernelManager.format_kernel_cmd = original
        stop()


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1], tuple(argv[2:]))
    elif len(argv) >= 4 and argv[0] == "run" and argv[2] == "--":
        run(argv[1], argv[3:])
    else:
        raise SystemExit("usage: python -m stemreport_tools.forkkernel serve SOCKET [-X...] | run SOCKET -- KERNEL COMMAND")


if __name__ == "__main__":
    main(sys.argv[1:])
