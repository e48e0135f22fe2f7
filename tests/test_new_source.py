"""A sixth story in one command: ``make new-source`` in a copy, two claims added by hand, the book built;
the story then shows everywhere stories are listed and says plainly that its claims are not yet checked."""
from __future__ import annotations

import csv
import os

import pytest
from conftest import run_module

pytestmark = pytest.mark.book

SEED = ("A small synthetic story for the test. Researchers grew a tiny marrow organoid in a dish.\n"
        "It produced blood cells for three weeks, the authors said.\n")


@pytest.fixture(scope="module")
def new_book(tmp_path_factory):
    import shutil

    from conftest import COPY_IGNORE, ROOT

    project = tmp_path_factory.mktemp("newsource") / "project"
    shutil.copytree(ROOT, project, ignore=COPY_IGNORE)
    seed = project.parent / "story.txt"
    seed.write_text(SEED, encoding="utf-8")
    added = run_module("stemreport_tools.new_source", str(seed), cwd=project, timeout=120)
    assert added.returncode == 0, added.stderr
    source = next(p.stem for p in (project / "seeds").glob("005_*.txt"))
    claims = project / "data" / "claims.csv"
    with open(claims, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    rows = []
    for n, (quote, theme) in enumerate([("Researchers grew a tiny marrow organoid in a dish", "organoids"),
                                        ("It produced blood cells for three weeks", "background")], start=1):
        start = SEED.index(quote)
        row = dict.fromkeys(header, "")
        row.update(claim_id=f"S005-{n:02d}", source=source, quote=quote, start=str(start), end=str(start + len(quote)),
                   theme=theme, claim=quote + ".")
        rows.append([row[c] for c in header])
    with open(claims, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    built = run_module("stemreport_tools.build", "--html-only", cwd=project, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return project, source


def _page(project, name: str) -> str:
    return (project / "_build" / "html" / name).read_text(encoding="utf-8")


def _article(project, name: str) -> str:
    """The page's own content, without the sidebar (which lists every chapter, S005's included, on every
    page, so a check of the whole HTML could not fail)."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup(_page(project, name), "html.parser").find("article")
    assert article is not None, name
    return " ".join(article.get_text(" ").split())


def test_the_command_adds_seed_manifest_metadata_chapter_and_toc(new_book):
    project, source = new_book
    assert (project / "seeds" / f"{source}.txt").read_text(encoding="utf-8") == SEED
    assert f"  {source}.txt" in (project / "data" / "seeds.sha256").read_text(encoding="utf-8")
    with open(project / "data" / "sources.csv", encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["source"] == source)
    assert "TO FILL" in row["working_title"] and "TO FILL" in row["outlet"]
    assert (project / "notebooks" / "source_005.ipynb").is_file()
    assert "notebooks/source_005" in (project / "_toc.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["book/intro.html", "notebooks/sources_at_a_glance.html",
                                  "notebooks/compare_sources.html", "book/all_claims.html"])
def test_the_story_is_listed_everywhere(new_book, page):
    project, _ = new_book
    assert "S005" in _article(project, page), page


def test_the_introduction_says_it_is_not_yet_checked(new_book):
    project, _ = new_book
    text = _article(project, "book/intro.html")
    row = text[text.index("S005"):][:400]
    assert "not yet checked" in row.lower(), row


def test_its_chapter_says_the_claims_are_not_yet_checked(new_book):
    project, _ = new_book
    html = _page(project, "notebooks/source_005.html")
    assert "Not yet checked" in _article(project, "notebooks/source_005.html")
    assert 'id="S005-01"' in html and 'id="S005-02"' in html
    assert "S005-01" in _article(project, "notebooks/theme_organoids.html")  # its themed claim reaches the theme chapter
    claims_page = _article(project, "book/all_claims.html")
    assert "S005-01" in claims_page and "S005-02" in claims_page


def test_the_figures_include_it(new_book, monkeypatch):
    project, _ = new_book
    monkeypatch.setenv("STEMREPORT_ROOT", str(project))
    from stemreport import figures

    fig = figures.verdicts_by_source()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "S005" in labels, labels
    fig = figures.timeline()
    assert "S005" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    os.environ.pop("MPLBACKEND", None)
