"""The real inputs pass every check. (Every kind of bad input is in test_bad_inputs.py, run through the CLI.)"""
from __future__ import annotations

from conftest import run_module

from stemreport.validate import validate_all


def test_real_inputs_are_valid(root):
    tables = validate_all(root)
    assert len(tables["data/claims.csv"]) > 0


def test_validate_cli_reports_valid_inputs(root):
    result = run_module("stemreport.validate", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Inputs valid:")
