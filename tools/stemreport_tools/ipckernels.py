"""Notebook kernels that talk over Unix sockets (ZeroMQ ``ipc``), not TCP ports: nbval's and the build's.

Why: jupyter_client picks a kernel's five TCP ports by binding port 0, closing the socket and writing the
number into the connection file; the kernel binds it a second or two later. Any other process on the
machine can take the port in between (jupyter_client issue #487, named in its own ``LocalPortCache``
docstring, which guards only against kernels of the same process). In ``make test`` that window is wide
open: one pytest worker starts kernels for its notebooks while another builds the sixth-source book with
a dozen kernels and the browser tests open hundreds of loopback connections, each taking an ephemeral
port. The kernel that loses the race exits at once ("Kernel died before replying to kernel_info", seen
once in CI, on ``theme_organoids``). Over TCP, ipykernel 7 also warns on every start that the channel is
unencrypted: seventeen lines of noise in each build's log.

With ``transport="ipc"`` a kernel listens on socket files in a directory of its own, so there is no port
to lose. Nothing else changes: one kernel per notebook, in the notebook's folder, from the current
environment.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile

_SOCKETS: str | None = None
_COUNTER = itertools.count(1)


def socket_dir() -> str:
    """One private directory per process tree for the socket files (short, to stay far below the 107-byte
    limit of a Unix socket path)."""
    global _SOCKETS
    if _SOCKETS is None:
        _SOCKETS = tempfile.mkdtemp(prefix="nbk-")
    return _SOCKETS


def ipc_defaults(kwargs: dict) -> dict:
    """A kernel manager's arguments with ``ipc`` sockets at a path no other kernel uses: jupyter_client
    numbers a kernel's sockets '<ip>-1' ... '<ip>-5', skipping names that exist, so a distinct prefix per
    kernel (process id and a counter: forked pool workers share the counter's start) keeps two kernels
    from ever reaching for the same file."""
    kwargs.setdefault("transport", "ipc")
    kwargs.setdefault("ip", os.path.join(socket_dir(), f"k{os.getpid()}-{next(_COUNTER)}"))
    return kwargs


def remove_sockets() -> None:
    global _SOCKETS
    if _SOCKETS is not None:
        shutil.rmtree(_SOCKETS, ignore_errors=True)
        _SOCKETS = None


@contextlib.contextmanager
def ipc_kernels():
    """While the block runs, every kernel manager created in this process, and in processes forked from it
    (jupyter-cache's pool workers), uses ``ipc`` sockets in a folder of the block's own (made before the pool
    forks, so every worker uses it; removed afterwards). A folder already in use (nbval's, when a test runs
    the build's execution step in a pytest worker) is put back untouched."""
    global _SOCKETS
    from jupyter_client.manager import KernelManager  # AsyncKernelManager (nbclient's) inherits __init__

    original, outer = KernelManager.__init__, _SOCKETS
    _SOCKETS = None
    socket_dir()

    def __init__(self, **kwargs):
        original(self, **ipc_defaults(kwargs))

    KernelManager.__init__ = __init__
    try:
        yield
    finally:
        KernelManager.__init__ = original
        remove_sockets()
        _SOCKETS = outer
