"""Shared logic for the stem-cell news report.

Notebooks import from here so that loading, validation, tables and figure style are written (and
tested) once.
"""
from stemreport.errors import InputError, Problem
from stemreport.paths import project_root

__all__ = ["project_root", "InputError", "Problem"]
