"""The seeds are the shared texts, byte for byte, guarded by the checksum manifest.

Edited, missing and extra seeds are cases of test_bad_inputs.py (through the build CLI)."""
from pathlib import Path

from stemreport.seeds import check_seeds, load_seed, read_manifest, seed_ids

SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_manifest_matches_seeds(root):
    assert check_seeds(root) == []
    from stemreport import data

    assert sorted(read_manifest(root)) == sorted(f"{s}.txt" for s in data.sources(root)["source"])


def test_seeds_equal_the_shared_originals(root):
    if not SHARED.is_dir():  # the shared folder sits beside the clone in CI and in development
        import pytest
        pytest.skip("../shared/seeds not present")
    for name in read_manifest(root):
        assert (root / "seeds" / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_load_seed_reads_raw_text(root):
    text = load_seed(seed_ids(root)[0], root)
    assert text.startswith("China is on the verge")

