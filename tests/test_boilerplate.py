"""Debris detection and the reviewed spans in data/boilerplate.csv stay in step."""
import csv
import io

from stemreport import boilerplate, data
from stemreport.seeds import load_seed, seed_ids


def test_boilerplate_csv_matches_the_rules(root, capsys):
    boilerplate.main()
    generated = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    with open(root / "data" / "boilerplate.csv", encoding="utf-8", newline="") as handle:
        stored = list(csv.reader(handle))
    assert stored == generated, "regenerate: python -m stemreport.boilerplate > data/boilerplate.csv"


def test_detects_known_debris():
    text = "Story text.\nLike Us on Facebook\nMore story.\nIMG_12\nRelated Articles\n"
    kinds = [rule.kind for _, _, rule in boilerplate.detect(text)]
    assert kinds == ["social", "media_placeholder"]


def test_trailing_blurb_runs_to_end():
    text = "Story.\nStay Updated with Our Feed\nSign up now.\nRelated Articles\nOther story\n"
    [(start, end, rule)] = boilerplate.detect(text)
    assert text[start:end].endswith("Other story") and rule.kind == "subscription"


def test_clean_text_drops_debris_only(root):
    for source in seed_ids(root):
        raw, clean = load_seed(source, root), data.clean_text(source, root)
        assert len(clean) <= len(raw)
    assert "Like Us on Facebook" not in data.clean_text("002_3b74d452990d33d3", root)
    assert "Tianjin" in data.clean_text("002_3b74d452990d33d3", root)
