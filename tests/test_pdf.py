"""The PDF book (``_build/pdf/book.pdf``) as a printed book, and against the HTML book from the same sources.

Everything expected is derived, never listed by hand: chapters from ``_toc.yml`` with their titles
from the built HTML pages, figures and tables from the HTML, claim ids from ``data/claims.csv``. So a new
chapter, figure or table is checked as soon as it is in the book.

Text is read with poppler's ``pdftotext`` (reading order, one string a page) and compared after
normalising both sides to lower-case letters and digits: line breaks, hyphenation, quotes and dashes
differ between a browser and LaTeX, the words do not. Figure and table numbers are dropped too, as the
PDF numbers them per chapter (Figure 2.1) and the HTML per page (Figure 1).

As a book: the introduction opens it, each part of the toc has a part page with its chapters in
order, no page is blank but for a running head, the bibliography comes once and last, figures are
vector drawings whose smallest text prints at 7 pt or more, no screen-only matter is printed, and the
LaTeX log has no overfull box wider than 3 pt. Pages are rendered for a human to look at:
``_build/screenshots/pdf-{title,contents,part,chapter,chapter-2,table,bibliography}.png``.
"""
from __future__ import annotations

import csv
import functools
import re
import subprocess
import unicodedata
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from conftest import ROLE_NAMES, ROOT, toc_docnames
from stemreport_tools.build import LATEX_DIR

pytestmark = pytest.mark.book
SCREENSHOTS = ROOT / "_build" / "screenshots"
CAPTION_LABEL = re.compile(r"\b(?:Figure|Table)\s+\d+(?:\.\d+)*\s*:?", re.I)
PREFIX = 40  # normalised characters of a paragraph that must be found (at its start or its end)


def norm(text: str) -> str:
    """Letters and digits only, lower case, caption numbers removed (see the module docstring)."""
    text = CAPTION_LABEL.sub(" ", unicodedata.normalize("NFKC", text))
    return re.sub(r"[\W_]+", "", text).lower()


# ------------------------------------------------------------------------------------------- the PDF

@dataclass(frozen=True)
class Bookmark:
    depth: int
    title: str
    page: int  # 0-based


@pytest.fixture(scope="module")
def pdf(built_book):
    path = built_book / "pdf" / "book.pdf"
    assert path.is_file() and path.read_bytes()[:5] == b"%PDF-", f"{path} is missing or not a PDF"
    return path


@pytest.fixture(scope="module")
def reader(pdf):
    from pypdf import PdfReader

    return PdfReader(pdf)


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    """Text of every page, in reading order (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.fixture(scope="module")
def bookmarks(reader) -> list[Bookmark]:
    flat: list[Bookmark] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append(Bookmark(depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return flat


@pytest.fixture(scope="module")
def images_by_page(pdf) -> dict[int, int]:
    """Number of images on each page (0-based), from ``pdfimages -list`` (soft masks not counted)."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    counts: dict[int, int] = {}
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            counts[int(fields[0]) - 1] = counts.get(int(fields[0]) - 1, 0) + 1
    return counts


# ---------------------------------------------------------------------------------- the HTML book

DOCS = toc_docnames()
ROOT_DOC = DOCS[0]


@functools.cache
def article(doc: str) -> BeautifulSoup:
    """The article of a built HTML page, without what print leaves out or renders differently: folded
    code inputs, the '#' heading links, scripts, math (MathJax source in HTML, typeset in the PDF)."""
    soup = BeautifulSoup((ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
    body = soup.find("article") or soup.find("main")
    for hidden in body.select(".cell_input, .headerlink, script, style, .math, .only-html, .claim-back-line, "
                              ".claims-filters"):
        hidden.decompose()
    return body


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


def title_of(doc: str) -> str:
    return text_of(article(doc).find("h1"))


def expected_bookmarks(doc: str) -> list[str]:
    """The root page prints as the opening 'Introduction' chapter (its title is the book's title); every
    other page becomes a chapter under its own first heading."""
    if doc == ROOT_DOC:
        return ["Introduction"]
    return [title_of(doc)]


def toc_parts() -> list[tuple[str, list[str]]]:
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(ROOT / "_toc.yml")
    return [(tree.caption, [str(i) for i in tree.items]) for tree in site_map.root.subtrees]


@dataclass(frozen=True)
class Block:
    text: str
    cell: bool  # a table cell: narrow columns can scramble pdftotext's reading order inside it
    cited: bool  # a bibliography entry: Sphinx prints those at the end of the PDF


def blocks(doc: str) -> list[Block]:
    """The text blocks of a page a reader of the PDF must find: paragraphs, list items, definition
    terms, table cells, captions (short ones, under 20 characters, are too common to locate)."""
    found = []
    for el in article(doc).find_all(["p", "li", "dt", "td", "th", "figcaption"]):
        if el.find(["p", "li", "table"]):
            continue  # innermost only: no text counted twice
        text = text_of(el)
        if len(norm(text)) >= 20:
            found.append(Block(text, el.find_parent(["td", "th"]) is not None or el.name in ("td", "th"),
                               el.find_parent(class_="citation") is not None))
    return found


def citations(doc: str) -> list[str]:
    return [b.text for b in blocks(doc) if b.cited]


def words(text: str) -> set[str]:
    """Words of a text, with words hyphenated across lines also joined up."""
    text = unicodedata.normalize("NFKC", text)
    return {w.lower() for t in (text, re.sub(r"-\s*\n\s*", "", text)) for w in re.findall(r"\w+", t)}


@pytest.fixture(scope="module")
def chapter_pages(bookmarks, reader) -> dict[str, range]:
    """Page range of each toc document: from its (first) bookmark to the next document's."""
    starts: dict[str, int] = {}
    cursor = 0
    for doc in DOCS:
        wanted = [norm(t) for t in expected_bookmarks(doc)]
        if not wanted:
            continue
        for index in range(cursor, len(bookmarks)):
            if norm(bookmarks[index].title) == wanted[0]:
                starts[doc] = bookmarks[index].page
                cursor = index + 1
                break
    starts[ROOT_DOC] = 0  # the root's opening text comes before its first section's chapter
    ordered = [d for d in DOCS if d in starts]
    ends = [starts[d] for d in ordered[1:]] + [len(reader.pages)]
    return {doc: range(starts[doc], max(end, starts[doc] + 1)) for doc, end in zip(ordered, ends)}


def printed(word: str, chapter_words: set[str]) -> bool:
    """A word is printed whole, or broken over two lines with no hyphen (a long address or number in a
    narrow cell: '25112009' / '2103'), both pieces then being words of the chapter."""
    return word in chapter_words or any(word[:i] in chapter_words and word[i:] in chapter_words
                                        for i in range(2, len(word) - 1))


LOCATOR = re.compile(r"\s?\(p\.\s\d+\)|,\sp\.\s\d+(?=\W)")  # '(p. 14)', ', p. 14': see test_cross_references_print_their_page


def without_locators(text: str) -> str:
    """Printed text without the page numbers print adds after cross-references (not in the HTML)."""
    return LOCATOR.sub("", text)


def found_in(block: str, text: str) -> bool:
    """A block is found if its start or its end is: a page break (running header and footer in the
    middle) can fall inside a long paragraph, but not at both ends of it."""
    block = norm(block)
    return block[:PREFIX] in text or block[-PREFIX:] in text


# ------------------------------------------------------------------------------------------ tests

def test_title_page(reader, pages):
    title = title_of(ROOT_DOC)
    assert reader.metadata.title and norm(reader.metadata.title) == norm(title), reader.metadata
    assert norm(title) in norm(pages[0]), f"the first page does not show the title {title!r}"


def test_every_chapter_has_a_bookmark(bookmarks):
    """Every document of _toc.yml has its bookmark(s), in the order of the toc."""
    titles = [norm(b.title) for b in bookmarks]
    cursor, problems = 0, []
    for doc in DOCS:
        for title in expected_bookmarks(doc):
            if norm(title) not in titles[cursor:]:
                where = "at all" if norm(title) not in titles else "after the previous chapter"
                problems.append(f"{doc}: no bookmark {title!r} {where}")
                continue
            cursor += titles[cursor:].index(norm(title)) + 1
    assert not problems, "\n".join(problems) + f"\nbookmarks: {[b.title for b in bookmarks]}"


def test_body_pages_are_numbered(pdf, reader, pages, chapter_pages):
    """From page 1 of the body on, every page with text shows its number in the footer (the bottom
    tenth of the page), and the numbers run 1, 2, 3... without a gap."""
    first = min(r.start for doc, r in chapter_pages.items() if doc != ROOT_DOC)
    labels = reader.page_labels
    start = max(i for i in range(first + 1) if labels[i] == "1")  # page 1 of the body (after roman pages)
    body = list(range(start, len(pages)))
    assert [labels[i] for i in body] == [str(n) for n in range(1, len(body) + 1)], labels
    box = reader.pages[start].mediabox
    width, height = int(box.width), int(box.height)
    footers = subprocess.run(["pdftotext", "-enc", "UTF-8", "-x", "0", "-y", str(height - height // 10), "-W",
                              str(width), "-H", str(height // 10), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout.split("\f")
    # The number is the footer's last word; pdftotext may glue it to a hyphenated word of the last body
    # line beside it ('im-' + '54' read as 'im54'), so it is accepted at the end of that word too.
    unnumbered = [f"page {i + 1} (label {labels[i]}): footer {footers[i].split()!r}" for i in body
                  if pages[i].strip() and not (footers[i].split() and footers[i].split()[-1].endswith(labels[i]))]
    assert not unnumbered, "\n".join(unnumbered[:10])


@pytest.mark.parametrize("doc", DOCS)
def test_chapter_text_is_in_the_pdf(doc, pages, chapter_pages):
    """Every paragraph, list item, table cell and caption of the HTML page is printed in its chapter.
    Bibliography entries are looked for in the whole PDF: Sphinx's LaTeX writer always moves them to
    the end (see test_bibliography_entries_are_in_their_own_chapter)."""
    assert doc in chapter_pages, f"{doc} has no bookmark, so no chapter in the PDF"
    raw = without_locators(" ".join(pages[i] for i in chapter_pages[doc]))
    text, everywhere, chapter_words = norm(raw), norm(" ".join(pages)), words(raw)
    missing = [b.text for b in blocks(doc)
               if not found_in(b.text, everywhere if b.cited else text)
               # a table cell is also accepted when all its words are in the chapter: pdftotext may
               # read a narrow cell's lines out of order ("Avoids / mongering / disease-")
               and not (b.cell and all(printed(w, chapter_words) for w in words(b.text)))]
    assert not missing, (f"{doc}: {len(missing)} of {len(blocks(doc))} blocks are not in PDF pages "
                         f"{chapter_pages[doc].start + 1}-{chapter_pages[doc].stop}:\n"
                         + "\n".join(m[:160] for m in missing[:10]))


def test_every_figure_is_in_the_pdf(pages):
    """Each HTML figure's caption is printed as a numbered 'Figure N.M:' caption, and there are as many
    numbered figure captions as HTML figures (the figures themselves are checked as vector drawings)."""
    figures = [(doc, fig) for doc in DOCS for fig in article(doc).find_all("figure")]
    problems = []
    for doc, figure in figures:
        caption = figure.find("figcaption")
        assert caption is not None, f"{doc}: a figure without caption: {str(figure)[:200]}"
        wanted = norm(text_of(caption))[:PREFIX]
        hits = [i for i, page in enumerate(pages) if wanted in norm(page)]
        labelled = [i for i in hits if re.search(r"figure\d+" + re.escape(wanted[:20]),
                                                 re.sub(r"[\W_]+", "", pages[i]).lower())]
        if not labelled:
            problems.append(f"{doc}: caption {text_of(caption)[:80]!r} not printed as 'Figure N:' "
                            f"(text found on pages {[i + 1 for i in hits]})")

    assert not problems, "\n".join(problems)
    printed = sum(len(re.findall(r"^Figure \d+(?:\.\d+)*:", page, re.M)) for page in pages)
    assert printed == len(figures), f"{printed} numbered figure captions in the PDF, {len(figures)} HTML figures"


def test_every_numbered_table_is_in_the_pdf(pages):
    """Every numbered HTML table has its 'Table N.M:' caption in the PDF, and no more are printed.
    (Its cells are checked, chapter by chapter, by test_chapter_text_is_in_the_pdf.)"""
    captions = [text_of(cap.find(class_="caption-text") or cap)
                for doc in DOCS for cap in article(doc).select("table > caption")
                if cap.find(class_="caption-number")]
    everywhere = re.sub(r"[\W_]+", "", " ".join(pages)).lower()
    missing = [c for c in captions if not re.search(r"table\d+" + re.escape(norm(c)[:PREFIX]), everywhere)]
    assert not missing, f"table captions not printed as 'Table N:': {missing}"
    printed = sum(len(re.findall(r"^Table \d+(?:\.\d+)*:", page, re.M)) for page in pages)
    assert printed == len(captions), f"{printed} numbered table captions in the PDF, {len(captions)} in the HTML"


def test_every_claim_id_is_printed(pages):
    """Every claim of data/claims.csv is in the PDF (the claim tables list them all)."""
    with open(ROOT / "data" / "claims.csv", newline="", encoding="utf-8") as handle:
        ids = [row["claim_id"] for row in csv.DictReader(handle)]
    assert ids
    everywhere = norm(" ".join(pages))
    missing = [claim for claim in ids if norm(claim) not in everywhere]
    assert not missing, f"{len(missing)} of {len(ids)} claim ids are not in the PDF: {missing[:20]}"


def test_bibliography_once_complete_and_last(bookmarks, pages):
    """One 'Bibliography' bookmark, after the last chapter; every entry of the HTML bibliography is
    printed after it."""
    marks = [b for b in bookmarks if norm(b.title) == "bibliography"]
    assert len(marks) == 1, f"{len(marks)} bibliography bookmarks: {marks}"
    last_chapter = max(b.page for b in bookmarks if norm(b.title) != "bibliography")
    assert marks[0].page >= last_chapter, "the bibliography is not at the end of the book"
    text = norm(" ".join(pages[marks[0].page:]))
    entries = [e for doc in DOCS for e in citations(doc)]
    assert entries, "no bibliography entries in the HTML book"
    missing = [e for e in entries if not found_in(e, text)]
    assert not missing, f"{len(missing)} of {len(entries)} entries not in the bibliography: {missing[:5]}"


def cited_labels() -> dict[str, str]:
    """Bibliography entry id -> the author-year label the HTML text cites it by ('Davis et al., n.d.'):
    the text of a parenthetical citation's link to the entry (a textual citation, 'Davis et al. (n.d.)',
    links its year only; an entry only ever cited that way is left out)."""
    labels: dict[str, str] = {}
    for doc in DOCS:
        for link in article(doc).find_all("a", href=re.compile(r"bibliography\.html#id\d+$")):
            entry, text = link["href"].rsplit("#", 1)[1], text_of(link).replace(" ,", ",")
            if ", " in text and len(text) > len(labels.get(entry, "")):
                labels[entry] = text
    return labels


def test_bibliography_entries_carry_their_citation_labels(bookmarks, pages):
    """Each printed entry opens with the label the text cites it by ('Davis et al., n.d.', 'Mix Online,
    2025b'), not a number, so that a reader of the PDF can go from a citation to its entry; the entries
    come in the order of those labels (names ignoring case, accents and punctuation, then years), people
    and organisations together."""
    start = next(b.page for b in bookmarks if norm(b.title) == "bibliography")
    text = norm(" ".join(pages[start:]))
    html = article("book/bibliography")
    entries = {c["id"]: text_of(c.find("p")) for c in html.select("div.citation[id]")}
    labels = cited_labels()
    assert entries and labels and set(labels) <= set(entries), sorted(set(labels) - set(entries))[:5]
    unlabelled = [f"{labels[i]!r}: {entries[i][:60]}" for i in labels if norm(labels[i]) + norm(entries[i])[:PREFIX] not in text]
    assert not unlabelled, f"{len(unlabelled)} of {len(labels)} entries do not open with their label:\n" + "\n".join(unlabelled[:10])
    assert not re.search(r"^\[\d+\]", "\n".join(pages[start:]), re.M), "numbered entries ([1], [2]...)"

    def key(label):
        author, _, year = label.rpartition(", ")
        letters = unicodedata.normalize("NFKD", author)
        return (" ".join("".join(c for c in letters if c.isalnum() or c.isspace()).casefold().split()),
                year.startswith("n.d."), year)

    printed_order = sorted(labels, key=lambda i: text.index(norm(labels[i]) + norm(entries[i])[:PREFIX]))
    assert printed_order == sorted(labels, key=lambda i: key(labels[i])), [labels[i] for i in printed_order[:20]]


def test_latex_log_has_no_undefined_references(built_book):
    """Every reference in the LaTeX source resolves: a label missing from print (the bibliography's, which
    the method chapter links to) prints as '??' or as a dead link."""
    log = (built_book.parent / LATEX_DIR / "book.log").read_text(encoding="utf-8", errors="replace")
    # (the log wraps its lines at 79 characters: 'undefined' may be cut, the start of the warning is not)
    undefined = re.findall(r"^LaTeX Warning: (?:(?:Hyper r|R)eference `[^']*'|There were undefined references)", log, re.M)
    assert not undefined, undefined[:10]


def test_bibliography_prints_dois_as_addresses(bookmarks, pages):
    """A DOI prints as its address (https://doi.org/...), which needs no footnote; the 'doi:10...' form
    linked elsewhere got a footnote number that read as part of the DOI."""
    start = next(b.page for b in bookmarks if norm(b.title) == "bibliography")
    text = " ".join(pages[start:])
    assert "https://doi.org/10." in text.replace("\n", "")
    assert not re.search(r"\bdoi:\s*10\.", text), re.search(r".{40}\bdoi:\s*10\..{20}", text, re.S)


def test_parts_and_chapters_in_toc_order(bookmarks):
    """The outline: the introduction first, then one part per toc part ('I Sources', ...), each holding
    its chapters in toc order."""
    top = [b for b in bookmarks if b.depth == 0]
    assert norm(top[0].title) == "introduction", [b.title for b in top]
    parts = toc_parts()
    part_marks = [b for b in top if re.match(r"^[IVX]+ ", b.title)]
    assert [re.sub(r"^[IVX]+ ", "", b.title) for b in part_marks] == [caption for caption, _ in parts]
    for (caption, docs), mark in zip(parts, part_marks):
        following = bookmarks[bookmarks.index(mark) + 1:]
        children = []
        for b in following:
            if b.depth == 0:
                break
            if b.depth == 1:
                children.append(norm(b.title))
        expected = [norm(title_of(d)) for d in docs if d != "book/bibliography"]
        assert [c for c in children if c != "bibliography"] == expected, (caption, children)


def test_no_blank_pages(pages, reader):
    """Every page has something besides its running head and page number (part pages have their title)."""
    blank = []
    for i, page in enumerate(pages):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not re.fullmatch(r"[ivxlc\d]+", line)]
        if len(body) <= 1 and not reader.pages[i].images:
            blank.append(f"page {i + 1}: {lines}")
    assert not blank, "\n".join(blank)


SCREEN_ONLY = [r"Execution status", r"Show code", r"Hide code", r"\bclick\b", r"Read it yourself",
               r"\d+ claims?, \d+ checked", r"Filter the \d+"]


def test_no_screen_only_matter(pages):
    text = " ".join(pages)
    found = [pattern for pattern in SCREEN_ONLY if re.search(pattern, text, re.I)]
    assert not found, f"screen-only wording printed: {found}"


def test_no_markup_source_is_printed(pages):
    """No role source (`{ref}`, `{glue:text}`, `{claim}` ...) printed instead of its link or value."""
    found = [m.group(0) for m in re.finditer(r"\{" + ROLE_NAMES + r"\}\S{0,40}", " ".join(pages))]
    assert not found, f"role source printed: {found[:10]}"


OVERFULL_LIMIT = 3  # pt: a box this much too wide is barely visible; a badge or header sticking out is not


def test_layout_has_no_overfull_boxes(built_book):
    """No line, table cell or header sticks out of its column by more than a hair: column widths are fitted
    to what cannot break in them (header words, badges, claim ids, dates)."""
    log = (built_book.parent / LATEX_DIR / "book.log").read_text(encoding="utf-8", errors="replace")
    wide = [float(w) for w in re.findall(r"^Overfull \\hbox \(([\d.]+)pt too wide", log, re.M)]
    too_wide = sorted((w for w in wide if w > OVERFULL_LIMIT), reverse=True)
    assert not too_wide, f"{len(too_wide)} overfull boxes over {OVERFULL_LIMIT} pt: {too_wide[:20]}"


def test_figures_are_vector_with_readable_text(root):
    """Every stored figure has a PDF version (what the book prints: vector, no bitmap), drawn no wider
    than the text block, whose smallest text is at least 7 pt at printed size."""
    import base64
    import io

    import nbformat
    from pypdf import PdfReader

    textwidth = 595.28 - 2 * 72  # A4, the LaTeX writer's 1 in margins
    figures = 0
    for path in sorted([*(root / "notebooks").glob("*.ipynb"), *(root / "book").glob("*.ipynb")]):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                # glued figures are stored under myst-nb's record prefix
                data = {k.removeprefix("application/papermill.record/"): v for k, v in output.get("data", {}).items()}
                if not any(k.startswith("image/") for k in data):
                    continue
                figures += 1
                assert "application/pdf" in data and "image/png" not in data, f"{path.name}: a figure without a vector version"
                page = PdfReader(io.BytesIO(base64.b64decode(data["application/pdf"]))).pages[0]
                width = float(page.mediabox.width)
                assert len(page.images) == 0, f"{path.name}: a figure with a bitmap inside"
                sizes = [float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", page.get_contents().get_data())]
                scale = min(1.0, textwidth / width)
                assert sizes and min(sizes) * scale >= 7, (path.name, min(sizes), scale)
    assert figures, "no figures found"


def test_all_fonts_are_embedded(pdf):
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    # name, type (may contain spaces), encoding, then: emb sub uni object-number generation
    not_embedded = [row for row in rows if row.split()[-5] != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)


def test_no_missing_glyphs(built_book, pages):
    """LaTeX reports no character missing from its fonts, and no replacement character was printed."""
    log = (built_book.parent / LATEX_DIR / "book.log").read_text(encoding="utf-8", errors="replace")
    missing = [line for line in log.splitlines() if "Missing character" in line]
    assert not missing, "\n".join(missing[:20])
    assert not any("\ufffd" in page for page in pages), "U+FFFD (unknown character) in the PDF text"


def test_render_pages_for_review(pdf, pages, bookmarks):
    """Title, contents, a part page, a story chapter's first two pages, a theme table and the
    bibliography, as PNG files in _build/screenshots/ for a person to look at; none may be blank."""
    from PIL import Image

    def first(pattern):
        return next((i for i, page in enumerate(pages) if re.search(pattern, page, re.M)), None)

    story = next(b.page for b in bookmarks if b.title.startswith("S000"))
    theme = next(b.page for b in bookmarks if norm(b.title) == norm(title_of("notebooks/theme_msc_approvals")))
    chosen = {"title": 0, "contents": first(r"(?i)^contents$"), "part": first(r"^Part I\b|^Sources$"),
              "chapter": story, "chapter-2": story + 1, "table": first(r"^Table \d+\.\d+:") if theme is None else
              next((i for i in range(theme, len(pages)) if re.search(r"^Table \d+\.\d+:", pages[i], re.M)), theme),
              "bibliography": next(b.page for b in bookmarks if norm(b.title) == "bibliography")}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, index in chosen.items():
        assert index is not None, f"no page found for {name}"
        target = SCREENSHOTS / f"pdf-{name}"
        subprocess.run(["pdftoppm", "-f", str(index + 1), "-l", str(index + 1), "-r", "80", "-png", "-singlefile",
                        str(pdf), str(target)], check=True, capture_output=True)
        with Image.open(target.with_suffix(".png")) as image:
            low, high = image.convert("L").getextrema()
            assert high - low > 100, f"{target}.png (page {index + 1}) looks blank"


def test_every_page_label_is_distinct(reader):
    """The front matter (title page, contents) is numbered in roman numerals, so no page label of the
    PDF repeats: a reader who goes to page '1' lands on the body's first page, never on the title page."""
    labels = reader.page_labels
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert not repeated, f"page labels used twice: {repeated} (labels: {labels[:12]}...)"
    front = labels[:labels.index("1")]
    assert front and all(re.fullmatch(r"[ivxlc]+", label) for label in front), labels[:12]


CARD_HEADER = re.compile(r"^\S+ [A-Z][a-z]+(?: [a-z]+)? S\d{3}-\d{2} · ")  # '✓ Supported S000-17 · theme · ...'


def test_claim_card_headers_stay_with_their_cards(pages):
    """A claim card's header (verdict, id, theme, confidence) is never left at the foot of a page with its
    card overleaf: on the header's page follow the whole quoted passage and the card's next paragraph
    ('The text says:', or 'Why:' on a retired id's card)."""
    stranded, headers = [], 0
    for number, page in enumerate(pages, 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if CARD_HEADER.match(line):
                headers += 1
                if not any(re.match(r"(The text says|Why)\b", after) for after in lines[index + 1:]):
                    stranded.append(f"page {number}: {line[:70]!r} followed by {lines[index + 1:index + 3]}")
    assert headers > 100, f"only {headers} card headers found: has their format changed?"
    assert not stranded, "\n".join(stranded)


def heading_of(href: str, doc: str) -> str | None:
    """The heading a cross-reference in ``doc`` leads to: the target's own section heading, the next
    heading after a label, or the page title for a link to a whole page."""
    import posixpath

    path, _, anchor = href.partition("#")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), path)).removesuffix(".html") if path else doc
    if target not in DOCS:
        return None
    page = article(target)
    element = page.find(id=anchor) if anchor else page.find("h1")
    if element is None:
        return None
    heading = element if element.name in ("h1", "h2", "h3", "h4") else (
        element.find(["h1", "h2", "h3", "h4"]) if element.name == "section" else element.find_next(["h1", "h2", "h3", "h4"]))
    return text_of(heading) if heading else None


def test_cross_references_print_their_page(pages, reader):
    """A reference to a chapter or section in running text prints the page it leads to, 'How we checked
    (p. 147)' or '(see the ratings, p. 14)': in print a bare title cannot be followed. The page is checked:
    the page with that label shows the target's heading."""
    def spaced(text: str) -> str:  # words in lower case, one space apart, hyphens (and line-end ones) dropped
        text = re.sub(r"-\s*\n\s*", "", unicodedata.normalize("NFKC", text)).replace("-", "")
        return " ".join(re.sub(r"[\W_]+", " ", text).lower().split())

    labels = reader.page_labels
    text = spaced("\n".join(pages))
    references, problems = 0, []
    for doc in DOCS:
        for link in article(doc).select("p a.reference.internal"):
            if link.find(class_="std-ref") is None or link.find_parent(["table", "figcaption"]) is not None:
                continue
            card = link.find_parent(class_="claim-card")
            if card is not None and link.find_parent("p") is card.find("p"):
                continue  # the theme in a card's header
            heading = heading_of(link["href"], doc)
            if heading is None:
                continue
            references += 1
            numbers = re.findall(r"\b" + re.escape(spaced(text_of(link))) + r" p (\d+)\b", text)
            if not numbers:
                problems.append(f"{doc}: {text_of(link)!r} printed without its page")
            for number in set(numbers):
                if number not in labels or norm(heading) not in norm(pages[labels.index(number)]):
                    problems.append(f"{doc}: {text_of(link)!r} says p. {number}, which does not show {heading!r}")
    assert references > 20, f"only {references} cross-references found in the HTML"
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("doc, data_file, rows_per_page", [("book/all_claims", "claims.csv", 10),
                                                           ("book/changes", "corrections.csv", 10)])
def test_registers_are_compact_in_print(doc, data_file, rows_per_page, pages, chapter_pages):
    """The all-claims table and the changes log print compactly: no column that repeats another cell of its
    row (a verdict written out beside its badge, a story code beside the claim id that starts with it), and
    at least ten rows a page on average (they printed 23 and 41 pages, six rows a page)."""
    from stemreport import vocab

    with open(ROOT / "data" / data_file, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    chapter = [pages[i] for i in chapter_pages[doc]]
    assert len(chapter) <= -(-rows // rows_per_page) + 1, f"{doc}: {len(chapter)} pages for {rows} rows"
    labels = {v.label for v in (*vocab.VERDICTS, vocab.NOT_CHECKED, vocab.RETIRED)}
    lines = [line.strip() for page in chapter for line in page.splitlines()]
    repeated = [line for line in lines if line in labels or re.fullmatch(r"S\d{3}", line)]
    assert not repeated, f"{doc}: cells that repeat a badge or a claim id: {repeated[:10]}"


def test_dates_never_break(pages):
    """An ISO date is never split over two lines ('2026-' / '12-02'; pdftotext joins such a line-end
    hyphen up, '202612-02')."""
    broken = [m.group(0) for page in pages for m in re.finditer(r"\b\d{4}-?\s*\n\s*\d{2}-\d{2}\b|\b\d{6}-\d{2}\b", page)]
    assert not broken, f"{len(broken)} dates broken across lines: {broken[:5]}"
