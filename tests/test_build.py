"""The build: strict, offline, and a failed build never touches the last good book.

The built book itself is checked in test_browser.py (HTML, in a browser) and test_pdf.py (the PDF);
the ``built_book`` fixture that builds it once per session is in conftest.py.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import COPY_IGNORE, ROLE_NAMES, ROOT, assert_previous_book_intact, copy_inputs, plant_previous_book, run_module

pytestmark = pytest.mark.book


def _tiny_book(tmp_path: Path, page: str) -> Path:
    """A project with the real inputs, config and extension but a one-page toc: a real Sphinx run in a
    few seconds instead of the whole book's."""
    project = copy_inputs(tmp_path / "tiny")
    for folder in ("_ext", "_static", "vendor", "src"):
        shutil.copytree(ROOT / folder, project / folder, ignore=COPY_IGNORE)
    (project / "book").mkdir()
    (project / "book" / "page.md").write_text(page, encoding="utf-8")
    (project / "_toc.yml").write_text("format: jb-book\nroot: book/page\n", encoding="utf-8")
    config = (project / "_config.yml").read_text(encoding="utf-8")
    (project / "_config.yml").write_text(config.replace("bibtex_bibfiles:\n  - references.bib\n", "bibtex_bibfiles:\n  - references.bib\n"),
                                         encoding="utf-8")
    return project


@pytest.mark.book
def test_a_sphinx_failure_names_every_bad_reference_and_keeps_the_previous_book(tmp_path):
    """An unresolved reference, a {claim} role naming no claim and a verdict count that is not a number
    are each a build error, all three reported by one run (Sphinx keeps going); the failed build leaves
    the previous book as it was. One tiny book for the three, as each Sphinx run costs seconds."""
    project = _tiny_book(tmp_path, "(page)=\n# A page\n\nSee {ref}`no-such-label`, {claim}`S009-99` "
                                   "and {verdict}`supported|many`.\n")
    plant_previous_book(project)
    result = run_module("stemreport_tools.build", "--html-only", cwd=project, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "no-such-label" in output
    assert "S009-99" in output
    assert "not 'many'" in output
    assert_previous_book_intact(project)


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


def test_every_local_stylesheet_carries_its_checksum(built_book):
    """The same on every page of every build (html_fixes, fix 6): a stylesheet written after the pages got
    no ``?v=`` checksum in a cold build and one in a rebuild, so the pages depended on the build's history."""
    sheet = re.compile(r'<link rel="stylesheet"[^>]*href="([^"]+)"')
    missing = sorted({f"{page.relative_to(built_book / 'html')}: {href}"
                      for page in (built_book / "html").rglob("*.html")
                      for href in sheet.findall(page.read_text(encoding="utf-8"))
                      if "://" not in href and "?v=" not in href and "?digest=" not in href})
    assert not missing, "stylesheets without a checksum:\n" + "\n".join(missing[:20])


def test_source_pages_embed_claim_reviews(built_book):
    import json

    for page in sorted((built_book / "html" / "notebooks").glob("source_*.html")):
        html = page.read_text(encoding="utf-8")
        start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        records = json.loads(html[start:html.index("</script>", start)].replace("<\\/", "</"))
        assert records and all(r["@type"] == "ClaimReview" for r in records), page.name
        for record in records:  # each review points at its card on this very page
            assert record["@id"] == f"#{record['identifier']}" and f'id="{record["identifier"]}"' in html


def test_pdf_dates_come_from_source_date_epoch(built_book):
    """Reproducible PDF: its dates are the pinned SOURCE_DATE_EPOCH (last input commit), not the build's clock."""
    from pypdf import PdfReader
    from stemreport_tools.build import source_date_epoch

    info = PdfReader(built_book / "pdf" / "book.pdf").metadata
    assert info.creation_date.timestamp() == int(source_date_epoch(ROOT))


# MyST role or directive source that reached the reader as text: a role pasted with {glue:text}, a
# typo'd role name, a fence that did not parse. Code listings are skipped (they may show syntax on purpose).
ROLE_SOURCE = re.compile(r"\{" + ROLE_NAMES + r"\}`")


def visible_text(html: str) -> str:
    """The page's text as a reader sees it, without scripts, styles and code listings."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "pre", "code", "template"]):
        hidden.decompose()
    return soup.get_text(" ")


def test_no_markup_source_reaches_the_reader(built_book):
    """Every role is rendered: a reader never sees `{ref}` or `{glue:text}` source instead of a link."""
    shown = []
    for page in sorted((built_book / "html").rglob("*.html")):
        for match in ROLE_SOURCE.finditer(visible_text(page.read_text(encoding="utf-8"))):
            shown.append(f"{page.relative_to(built_book)}: {match.string[match.start():match.start() + 60]!r}")
    assert not shown, "role source printed as text:\n" + "\n".join(shown[:20])


def test_the_markup_check_can_fail():
    page = '<p>Most errors: <span class="pasted-text">{ref}`S004, Bone-marrow MSCs &lt;source-004&gt;`</span></p>' \
           '<pre>{claim}`S004-05` shown on purpose</pre>'
    assert [m.group(0) for m in ROLE_SOURCE.finditer(visible_text(page))] == ["{ref}`"]


YEAR_ONLY = re.compile(r"(\d{4}|n\.d\.)(-?[a-z])?")


def citations_read_alike(html_pages: dict[str, str]) -> dict[str, list[str]]:
    """Citation text -> the different bibliography entries it points to, where there is more than one.

    A citation's text is what the reader sees: the link's own text for "(Author, 2023)"; for
    "Author [2023]", where only the year is a link, the author text before it joined to the year."""
    from bs4 import BeautifulSoup, NavigableString

    targets: dict[str, set[str]] = {}
    for html in html_pages.values():
        for link in BeautifulSoup(html, "html.parser").select("a.reference.internal[href*='bibliography.html#']"):
            text = " ".join(link.get_text().split())
            if YEAR_ONLY.fullmatch(text):
                before = []
                for node in link.previous_siblings:  # back to the previous citation's link, if any
                    if getattr(node, "name", None) == "a":
                        break
                    before.insert(0, str(node) if isinstance(node, NavigableString) else node.get_text())
                author = " ".join("".join(before).split()).strip(" [(,;")
                text = f"{author} {text}"
            targets.setdefault(text, set()).add(link["href"].split("#")[-1])
    return {text: sorted(ids) for text, ids in targets.items() if len(ids) > 1}


def test_no_two_sources_are_cited_alike(built_book):
    """A reader can tell every cited source from every other: same author, same year gets 2023a, 2023b."""
    pages = {p.name: p.read_text(encoding="utf-8") for p in (built_book / "html").rglob("*.html")}
    alike = citations_read_alike(pages)
    assert not alike, f"citations that read the same but lead to different entries: {alike}"


def test_the_alike_check_can_fail():
    link = '<a class="reference internal" href="../book/bibliography.html#{}">Mix Online, 2025</a>'
    page = f"<p>({link.format('id83')}) and ({link.format('id84')})</p>" \
           '<span class="bibtex-citation">Li <em>et al.</em> [<a class="reference internal" href="bibliography.html#id70">2025</a>]</span>' \
           '<span class="bibtex-citation">Le Blanc <em>et al.</em> [<a class="reference internal" href="bibliography.html#id67">2025</a>]</span>' \
           '<span class="bibtex-citation">Li <em>et al.</em> [<a class="reference internal" href="bibliography.html#id71">2025</a>]</span>'
    assert citations_read_alike({"page": page}) == {"Mix Online, 2025": ["id83", "id84"], "Li et al. 2025": ["id70", "id71"]}


def test_root_redirect_is_a_complete_page(built_book):
    """``index.html`` (the address a reader opens first) is a real page with a title, a language and an icon
    of its own; sphinx-external-toc's one-line redirect had none, and a browser opening it could ask the
    server for /favicon.ico (a 404). The icon is an empty data: address, so the redirect fetches nothing."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((built_book / "html" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.html is not None and soup.html.get("lang"), "no <html lang>"
    assert soup.title and soup.title.string.strip(), "no title"
    icons = soup.find_all("link", rel=lambda r: r and "icon" in r)
    assert icons and all(i["href"].startswith("data:") for i in icons), icons
    refresh = soup.find("meta", attrs={"http-equiv": "Refresh"})
    assert refresh and "url=book/intro.html" in refresh["content"]


CHANGES_PAGE = "book/changes.html"  # the corrections policy and the changes log (book/changes.ipynb)


def footer_problem(html: str, page: str) -> str | None:
    """Why ``page``'s footer does not link to the corrections page (None if it does). The link must sit in
    the page footer and resolve, relative to the page, to the changes page."""
    from urllib.parse import urldefrag, urljoin

    from bs4 import BeautifulSoup

    footer = BeautifulSoup(html, "html.parser").find("footer", class_="bd-footer-content")
    if footer is None:
        return f"{page}: no page footer"
    base = "https://book.invalid/"
    targets = {urldefrag(urljoin(base + page, a["href"]))[0].removeprefix(base) for a in footer.find_all("a", href=True)}
    return None if CHANGES_PAGE in targets else f"{page}: footer links to {sorted(targets)}, not {CHANGES_PAGE}"


def test_every_page_footer_links_to_the_corrections_page(built_book):
    """Every built page (chapters, search, index; the changes page itself by its own address) carries the
    link to the corrections policy and changes log in its footer, as Google's fact-check guidelines and
    the IFCN code ask (added by _ext/stemreport_sphinx/html_fixes.py)."""
    from conftest import toc_docnames

    html = built_book / "html"
    assert (html / CHANGES_PAGE).is_file()
    pages = {}
    for path in sorted(html.rglob("*.html")):
        page = path.relative_to(html).as_posix()
        text = path.read_text(encoding="utf-8")
        if page.startswith(("_static/", "_downloads/")) or 'http-equiv="Refresh"' in text[:300]:
            continue  # theme macros, downloaded files, the root's redirect to the introduction
        pages[page] = text
    assert {f"{d}.html" for d in toc_docnames()} | {"search.html", "genindex.html"} <= set(pages)
    problems = [p for p in (footer_problem(text, page) for page, text in pages.items()) if p]
    assert not problems, "\n".join(problems)


def test_the_footer_check_can_fail():
    footer = '<footer class="bd-footer-content"><a href="{}">Corrections and changes</a></footer>'
    assert footer_problem(footer.format("../book/changes.html"), "notebooks/source_000.html") is None
    assert footer_problem(footer.format("#"), "book/changes.html") is None
    assert footer_problem(footer.format("book/changes.html"), "notebooks/source_000.html")  # resolves elsewhere
    assert footer_problem('<a href="../book/changes.html">x</a>', "notebooks/source_000.html")  # not in a footer
    assert footer_problem(footer.format("../book/downloads.html"), "notebooks/source_000.html")
