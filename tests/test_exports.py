"""The generated data files (``stemreport_tools.export``): `make exports` and `make notebooks` write them,
atomically and only where they changed; the build refuses to publish stale ones."""
from __future__ import annotations

import os
import subprocess
import zipfile

import pytest
from conftest import ROOT, assert_previous_book_intact, plant_previous_book, run_module
from stemreport_tools import export


def _snapshot(root) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((root / "data").iterdir())}


@pytest.fixture
def exporting_copy(data_copy, monkeypatch):
    monkeypatch.setenv("STEMREPORT_ROOT", str(data_copy))
    return data_copy


def test_export_rewrites_only_what_changed(exporting_copy):
    root = exporting_copy
    readme = root / "data" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nedited by hand\n", encoding="utf-8")
    assert export.stale_outputs(root) == ["data/README.md"]
    before = _snapshot(root)
    assert export.write_outputs(root) == ["data/README.md"]
    after = _snapshot(root)
    assert sorted(after) == sorted(before)  # no temporary file left beside the data
    assert [n for n in after if after[n] != before[n]] == ["README.md"]  # the others are not even touched
    assert export.stale_outputs(root) == [] and export.write_outputs(root) == []


def test_a_failed_export_leaves_every_file_whole(exporting_copy, monkeypatch):
    root = exporting_copy
    for name in export.OUTPUTS:
        (root / name).write_text("old\n", encoding="utf-8")
    before = _snapshot(root)

    def broken():
        raise RuntimeError("rendering failed")
    monkeypatch.setitem(export.OUTPUTS, "data/README.md", broken)  # the last one: the others rendered already
    with pytest.raises(RuntimeError):
        export.write_outputs(root)
    assert _snapshot(root) == before  # nothing written before everything rendered
    monkeypatch.undo()
    monkeypatch.setenv("STEMREPORT_ROOT", str(root))

    def interrupted(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError):
        export.write_outputs(root)
    assert _snapshot(root) == before  # the file being written is still the old one, and no part is left


def test_stale_exports_stop_the_build(project_copy):
    """A change to the ledger that was not exported: the build names the stale files and the command,
    starts no notebook and no Sphinx, and keeps the previous book."""
    import csv

    plant_previous_book(project_copy)
    claims = project_copy / "data" / "claims.csv"
    with open(claims, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("explanation")] += " Checked again."
    with open(claims, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = run_module("stemreport_tools.build", cwd=project_copy, timeout=120)
    assert result.returncode != 0, result.stdout + result.stderr
    for name in ("data/claimreview.jsonld", "data/claims.annotations.jsonld"):
        assert any(name in line and "make exports" in line for line in result.stderr.splitlines()), result.stderr
    assert "data/datapackage.json" not in result.stderr  # only the stale ones are named
    assert "stopped before building" in result.stderr
    # (The inputs passed validation, whose snapshot is in the work area: Sphinx's own output folder is not.)
    assert not (project_copy / "_build" / ".work" / "_build").exists(), "Sphinx work started on stale exports"
    assert_previous_book_intact(project_copy)
    assert run_module("stemreport_tools.export", cwd=project_copy, timeout=120).returncode == 0
    assert run_module("stemreport_tools.export", "--check", cwd=project_copy, timeout=120).returncode == 0


def test_make_notebooks_exports_first():
    """`make exports` runs the export; `make notebooks` runs it before re-executing any notebook."""
    def commands(target: str) -> list[str]:
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert any(line.endswith("-m stemreport_tools.export") for line in commands("exports"))
    lines = commands("notebooks")
    exported = next(i for i, line in enumerate(lines) if line.endswith("-m stemreport_tools.export"))
    executed = next(i for i, line in enumerate(lines) if line.endswith("-m stemreport_tools.notebooks"))
    assert exported < executed


def test_the_data_zip_leaves_hidden_files_out(tmp_path):
    """An interrupted export's temporary file (hidden) is not data: the downloadable zip leaves it out."""
    from stemreport_tools.build import write_data_zip

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "claims.csv").write_text("claim_id\n", encoding="utf-8")
    (root / "data" / ".claimreview.jsonld.x1.tmp").write_text("[", encoding="utf-8")
    for name in ("references.bib", "LICENSE"):
        (root / name).write_text("x\n", encoding="utf-8")
    write_data_zip(root, tmp_path / "data.zip")
    with zipfile.ZipFile(tmp_path / "data.zip") as archive:
        assert archive.namelist() == ["stemreport-data/data/claims.csv", "stemreport-data/references.bib",
                                      "stemreport-data/LICENSE"]
