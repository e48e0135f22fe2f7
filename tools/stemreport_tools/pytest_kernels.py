"""pytest plugin: nbval's kernels talk over Unix sockets (ZeroMQ ``ipc``), not TCP ports, and are forked
from a warm process.

Why ``ipc``: see ``stemreport_tools.ipckernels`` (a TCP port chosen by jupyter_client can be taken by
another process before the kernel binds it; seen once in CI). Why forked: see
``stemreport_tools.forkkernel``. Nothing else changes: nbval still starts one kernel per notebook, in the
notebook's folder, from the current environment, and compares every cell strictly.

Loaded by ``-p stemreport_tools.pytest_kernels`` in ``pyproject.toml``; does nothing if nbval is absent
or disabled (``make test-fast`` runs with ``-p no:nbval``).
"""

from __future__ import annotations

from stemreport_tools.ipckernels import ipc_defaults, remove_sockets


def ipc_kernel_manager_class():
    """A ``KernelManager`` whose kernels use ``ipc`` sockets at a path no other kernel uses, forked from a
    warm process (``stemreport_tools.forkkernel``: the same fresh kernel, without a second and a half of
    imports each)."""
    from jupyter_client.manager import KernelManager

    from stemreport_tools.forkkernel import kernel_manager_class

    class IpcKernelManager(kernel_manager_class(KernelManager)):
        def __init__(self, **kwargs):
            super().__init__(**ipc_defaults(kwargs))

    return IpcKernelManager


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    nbval.kernel.KernelManager = ipc_kernel_manager_class()


def pytest_unconfigure(config):
    from stemreport_tools import forkkernel

    forkkernel.stop()
    remove_sockets()
