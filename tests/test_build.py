"""The build: strict, offline, and a failed build never touches the last good book.

The built book itself is checked in test_browser.py (HTML, in a browser) and test_pdf.py (the PDF);
the ``built_book`` fixture that builds it once per session is in conftest.py.
"""
from __future__ import annotations

import re

import pytest
from conftest import ROOT, assert_previous_book_intact, plant_previous_book, run_module


def test_sphinx_failure_keeps_previous_book(project_copy):
    plant_previous_book(project_copy)
    config = project_copy / "_config.yml"  # stored outputs suffice to reach the failure: skip ~12 s of kernels
    config.write_text(config.read_text(encoding="utf-8").replace("execute_notebooks: cache", "execute_notebooks: off"),
                      encoding="utf-8")
    method = project_copy / "book" / "method.md"
    method.write_text(method.read_text(encoding="utf-8") + "\nSee {ref}`no-such-label`.\n", encoding="utf-8")
    result = run_module("stemreport.build", "--html-only", cwd=project_copy)
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr
    assert_previous_book_intact(project_copy)


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


def test_pdf_dates_come_from_source_date_epoch(built_book):
    """Reproducible PDF: its dates are the pinned SOURCE_DATE_EPOCH (last input commit), not the build's clock."""
    from pypdf import PdfReader

    from stemreport.build import source_date_epoch

    info = PdfReader(built_book / "pdf" / "book.pdf").metadata
    assert info.creation_date.timestamp() == int(source_date_epoch(ROOT))
