"""The build: strict, offline, and a failed build never touches the last good book.

The built book itself is checked in test_browser.py (HTML, in a browser) and test_pdf.py (the PDF);
the ``built_book`` fixture that builds it once per session is in conftest.py.
"""
from __future__ import annotations

import re

import pytest
from conftest import run_module


def _plant_previous_book(project):
    html = project / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("previous good book", encoding="utf-8")
    pdf = project / "_build" / "pdf"
    pdf.mkdir()
    (pdf / "book.pdf").write_bytes(b"%PDF previous good book")


def _assert_previous_book_intact(project):
    assert (project / "_build/html/index.html").read_text(encoding="utf-8") == "previous good book"
    assert (project / "_build/pdf/book.pdf").read_bytes() == b"%PDF previous good book"


def test_bad_input_stops_build_and_keeps_previous_book(project_copy):
    _plant_previous_book(project_copy)
    seed = next((project_copy / "seeds").glob("001_*.txt"))
    seed.write_text("edited", encoding="utf-8")
    result = run_module("stemreport.build", cwd=project_copy)
    assert result.returncode != 0
    assert f"seeds/{seed.name}" in result.stderr
    _assert_previous_book_intact(project_copy)


def test_sphinx_failure_keeps_previous_book(project_copy):
    _plant_previous_book(project_copy)
    method = project_copy / "book" / "method.md"
    method.write_text(method.read_text(encoding="utf-8") + "\nSee {ref}`no-such-label`.\n", encoding="utf-8")
    result = run_module("stemreport.build", "--html-only", cwd=project_copy)
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr
    _assert_previous_book_intact(project_copy)


def test_book_outputs_exist(built_book):
    """Both outputs are there; the PDF itself is checked in test_pdf.py, the HTML in test_browser.py."""
    assert (built_book / "html" / "index.html").is_file()
    assert (built_book / "pdf" / "book.pdf").is_file()


def test_html_loads_nothing_from_the_network(built_book):
    """Scripts, styles, images and fonts must all be local files (the book opens offline)."""
    remote = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    for page in (built_book / "html").rglob("*.html"):
        for line in page.read_text(encoding="utf-8").splitlines():
            if remote.search(line) and "<a " not in line:
                pytest.fail(f"{page.relative_to(built_book)} loads a remote asset: {line.strip()[:200]}")


def test_source_pages_embed_claim_reviews(built_book):
    import json

    for page in sorted((built_book / "html" / "notebooks").glob("source_*.html")):
        html = page.read_text(encoding="utf-8")
        start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        records = json.loads(html[start:html.index("</script>", start)].replace("<\\/", "</"))
        assert records and all(r["@type"] == "ClaimReview" for r in records), page.name
