"""Shared fixtures: the real project root, and disposable copies of it for bad-input cases."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", "*.egg-info", ".ipynb_checkpoints")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project (sources, data, notebooks; no venv or build) to break on purpose."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    return copy


def run_module(module: str, *args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python -m module`` against the project at ``cwd`` (which the package finds via env)."""
    env = dict(os.environ, STEMREPORT_ROOT=str(cwd))
    return subprocess.run([PYTHON, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def built_book():
    """Build (or incrementally rebuild) the real book once per test session."""
    result = subprocess.run([sys.executable, "-m", "stemreport.build"], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return ROOT / "_build"
