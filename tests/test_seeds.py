"""The seeds are the shared texts, byte for byte, guarded by the checksum manifest."""
from pathlib import Path

from conftest import run_module

from stemreport.seeds import check_seeds, load_seed, read_manifest, seed_ids

SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_manifest_matches_seeds(root):
    assert check_seeds(root) == []
    assert len(read_manifest(root)) == 5


def test_seeds_equal_the_shared_originals(root):
    if not SHARED.is_dir():  # the shared folder sits beside the clone in CI and in development
        import pytest
        pytest.skip("../shared/seeds not present")
    for name in read_manifest(root):
        assert (root / "seeds" / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_load_seed_reads_raw_text(root):
    text = load_seed(seed_ids(root)[0], root)
    assert text.startswith("China is on the verge")


def test_edited_seed_is_named(project_copy):
    seed = next((project_copy / "seeds").glob("002_*.txt"))
    seed.write_bytes(seed.read_bytes().replace(b"300,000", b"400,000"))
    problems = check_seeds(project_copy)
    assert [p.file for p in problems] == [f"seeds/{seed.name}"]
    assert "checksum" in problems[0].message


def test_missing_and_extra_seeds_are_named(project_copy):
    missing = next((project_copy / "seeds").glob("003_*.txt"))
    missing.unlink()
    (project_copy / "seeds" / "005_extra.txt").write_text("extra", encoding="utf-8")
    messages = {p.file: p.message for p in check_seeds(project_copy)}
    assert "missing" in messages[f"seeds/{missing.name}"]
    assert "unknown file" in messages["seeds/005_extra.txt"]


def test_validate_cli_stops_on_bad_seed(project_copy):
    seed = next((project_copy / "seeds").glob("000_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + " ", encoding="utf-8")
    result = run_module("stemreport.validate", cwd=project_copy)
    assert result.returncode == 1
    assert f"seeds/{seed.name}" in result.stderr and "checksum" in result.stderr
