"""pytest plugin: nbval's kernels talk over Unix sockets (ZeroMQ ``ipc``), not TCP ports, and are forked
from a warm process.

Why ``ipc``: see ``stemreport_tools.ipckernels`` (a TCP port chosen by jupyter_client can be taken by
another process before the kernel binds it; seen once in CI). Why forked: see
``stemreport_tools.forkkernel``. Nothing else changes: nbval still starts one kernel per notebook, in the
notebook's folder, from the current environment, and compares every cell strictly.

Under pytest-xdist the controller starts the one server every worker's nbval kernels are forked from (its
socket in ``SHARED``), instead of a server per worker: each server imports the libraries once, about two
processor-seconds. Kernels from different workers differ only in pytest-xdist's worker name
(``forkkernel.PER_KERNEL``). Builds and in-process executions in the workers keep servers of their own.

Loaded by ``-p stemreport_tools.pytest_kernels`` in ``pyproject.toml``; does nothing if nbval is absent
or disabled (``make test-fast`` runs with ``-p no:nbval``).
"""

from __future__ import annotations

import os

from stemreport_tools.ipckernels import ipc_defaults, remove_sockets

SHARED = "STEMREPORT_NBVAL_FORK_SERVER"  # set by the controller for its workers: the shared server's socket


def ipc_kernel_manager_class():
    """A ``KernelManager`` whose kernels use ``ipc`` sockets at a path no other kernel uses, forked from a
    warm process (``stemreport_tools.forkkernel``: the same fresh kernel, without a second and a half of
    imports each)."""
    from jupyter_client.manager import KernelManager

    from stemreport_tools import forkkernel

    class IpcKernelManager(forkkernel.kernel_manager_class(KernelManager)):
        def __init__(self, **kwargs):
            super().__init__(**ipc_defaults(kwargs))

        def format_kernel_cmd(self, extra_arguments=None):
            shared = os.environ.get(SHARED)
            if shared:  # an xdist worker: the controller's server
                return forkkernel.through_socket(shared, KernelManager.format_kernel_cmd(self, extra_arguments))
            return super().format_kernel_cmd(extra_arguments)

    return IpcKernelManager


def _nbval_kernel_argv(config) -> list[str] | None:
    """The command nbval will start its kernels with (its own spec for ``--nbval-current-env``): the shared
    server must be started for kernels with the same interpreter options, or it would refuse them all."""
    import nbval.kernel

    from stemreport_tools import forkkernel

    name = (nbval.kernel.CURRENT_ENV_KERNEL_NAME if config.option.nbval_current_env
            else (config.option.nbval_kernel_name or "python3"))
    return forkkernel.kernel_argv(name, nbval.kernel.NbvalKernelspecManager())


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    nbval.kernel.KernelManager = ipc_kernel_manager_class()
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        from stemreport_tools import forkkernel

        argv = _nbval_kernel_argv(config)
        server = forkkernel.start(argv) if argv else None
        if server is not None:  # the workers, started after this hook, inherit the variable
            os.environ[SHARED] = server.sock


def pytest_unconfigure(config):
    from stemreport_tools import forkkernel

    forkkernel.stop()  # in the controller: the shared server, after every worker has finished
    os.environ.pop(SHARED, None)
    remove_sockets()
