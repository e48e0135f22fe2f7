"""pytest plugin: nbval's kernels talk over Unix sockets (ZeroMQ ``ipc``), not TCP ports.

Why: jupyter_client picks a kernel's five TCP ports by binding port 0, closing the socket and writing the
number into the connection file; the kernel binds it a second or two later. Any other process on the
machine can take the port in between (jupyter_client issue #487, named in its own ``LocalPortCache``
docstring, which guards only against kernels of the same process). In ``make test`` that window is wide
open: the other pytest worker starts kernels for its notebooks, the sixth-source test builds a copy of
the book with a dozen kernels, and the browser tests open hundreds of loopback connections, each taking
an ephemeral port. The kernel that loses the race exits at once and nbval reports "Kernel died before
replying to kernel_info" for every cell of that notebook (seen once in CI, on ``theme_organoids``).

With ``transport="ipc"`` a kernel listens on socket files in a directory of its own, so there is no
port to lose. Nothing else changes: nbval still starts one kernel per notebook, in the notebook's folder,
from the current environment, and compares every cell strictly.

Loaded by ``-p stemreport_tools.pytest_kernels`` in ``pyproject.toml``; does nothing if nbval is absent
or disabled (``make test-fast`` runs with ``-p no:nbval``).
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile

_SOCKETS: str | None = None
_COUNTER = itertools.count(1)


def _socket_dir() -> str:
    """One private directory per pytest process for the socket files (short, to stay far below the
    107-byte limit of a Unix socket path)."""
    global _SOCKETS
    if _SOCKETS is None:
        _SOCKETS = tempfile.mkdtemp(prefix="nbk-")
    return _SOCKETS


def ipc_kernel_manager_class():
    """A ``KernelManager`` whose kernels use ``ipc`` sockets at a path no other kernel uses, forked from a
    warm process (``stemreport_tools.forkkernel``: the same fresh kernel, without a second and a half of
    imports each)."""
    from jupyter_client.manager import KernelManager

    from stemreport_tools.forkkernel import kernel_manager_class

    class IpcKernelManager(kernel_manager_class(KernelManager)):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            # jupyter_client numbers a kernel's sockets '<ip>-1' ... '<ip>-5', skipping names that exist;
            # a distinct prefix per kernel keeps two kernels from ever reaching for the same file.
            kwargs.setdefault("ip", os.path.join(_socket_dir(), f"k{os.getpid()}-{next(_COUNTER)}"))
            super().__init__(**kwargs)

    return IpcKernelManager


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    nbval.kernel.KernelManager = ipc_kernel_manager_class()


def pytest_unconfigure(config):
    from stemreport_tools import forkkernel

    forkkernel.stop()
    if _SOCKETS is not None:
        shutil.rmtree(_SOCKETS, ignore_errors=True)
