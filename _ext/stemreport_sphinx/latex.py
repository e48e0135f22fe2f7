"""Print tweaks: the PDF reads as a book, not a web page.

- Structure: Sphinx puts the root document's own sections first as chapters of their own and knows no
  parts. Here the introduction becomes one unnumbered opening chapter, each part of ``_toc.yml`` gets a
  part page (``\\part``) before its first chapter, and the entries the LaTeX writer gathers at the end
  of the book go into the (unnumbered) Bibliography chapter, the last, which is where books keep it:
  each entry opens with the author-year label the text cites it by, in the order of those labels.
- Running heads are short: a story's code and short title, a theme's label.
- Verdict badges, claim tags and marked spans are coloured in the PDF exactly as in HTML: their colour
  macros (``\\DUrole...``) are written into the LaTeX preamble from ``stemreport.vocab``.
- Code cells never print (report pages hide their code in HTML too; the notebooks hold it), nor do
  nodes marked ``only-html`` (screen-only matter such as the link to this PDF).
- Links cannot be followed on paper: a cross-reference to a chapter or section, or a claim named in
  running text, is followed by its page ('(p. 14)').
- Tables fit the page: column widths start from the HTML's and are fitted to what cannot break in each
  column (measured in the fonts LaTeX uses); badges are smaller in tables; ISO dates never break. The
  two long registers (every claim, the changes log) drop repeated columns, stack their short ones and
  are set in small type.
"""
from __future__ import annotations

import re
from functools import cache

from docutils import nodes
from sphinx import addnodes


def _macro(name: str, body: str) -> str:
    return f"\\expandafter\\def\\csname DUrole{name}\\endcsname#1{{{body}}}"


def preamble() -> str:
    from stemreport import vocab

    lines = [
        "% Print layout (stemreport_sphinx.latex): long URLs break inside the margin; short running heads",
        "% (the chapter's, set by \\markboth after each title), page numbers in the footer.",
        "\\usepackage{xurl}",
        "\\setlength{\\headheight}{14pt}",
        "\\makeatletter",
        "\\fancypagestyle{normal}{\\fancyhf{}\\fancyhead[L]{\\nouppercase{\\sffamily\\small\\leftmark}}"
        "\\fancyfoot[R]{\\sffamily\\thepage}\\renewcommand{\\headrulewidth}{0.4pt}\\renewcommand{\\footrulewidth}{0pt}}",
        "\\renewcommand{\\sectionmark}[1]{}",
        "\\renewcommand{\\subsectionmark}[1]{}",
        "% The bibliography: a list inside its own chapter (no chapter of its own, see _bibliography), each entry",
        "% opening with its author-year label in bold (printed by the entry itself, so that a long label wraps),",
        "% later lines indented.",
        "\\renewenvironment{sphinxthebibliography}[1]{\\list{}{\\setlength{\\labelwidth}{\\z@}\\setlength{\\labelsep}{\\z@}"
        "\\setlength{\\leftmargin}{1.5em}\\setlength{\\itemindent}{-\\leftmargin}\\setlength{\\itemsep}{0.5\\baselineskip}"
        "\\setlength{\\parsep}{\\z@}\\usecounter{enumiv}}\\let\\@biblabel\\@gobble"
        "\\sloppy\\clubpenalty4000\\@clubpenalty\\clubpenalty\\widowpenalty4000\\sfcode`\\.\\@m}{\\endlist}",
        "\\makeatother",
        "% Verdict colours, written by stemreport_sphinx from stemreport.vocab.",
        "\\usepackage[normalem]{ulem}",
        "% Badges set in DejaVu Sans, which has every verdict symbol (the book's serif and sans fonts lack some).",
        "\\newfontfamily\\stemreportbadgefont{DejaVu Sans Condensed}",
        "\\newcommand{\\stemreportbadge}[3]{{\\setlength{\\fboxsep}{1.2pt}\\colorbox[HTML]{#1}{\\textcolor[HTML]{#2}"
        "{\\stemreportbadgefont\\stemreportbadgesize\\strut #3}}}}",
        "% Badges are 8 pt (scriptsize) in running text and smaller in tables, whose columns are narrow; the strut is",
        "% the badge's own, so that a badge is no taller than its line (a body-text strut pushed lines apart).",
        "\\newcommand{\\stemreportbadgesize}{\\scriptsize}",
        "\\makeatletter",
        f"\\def\\stemreport@tablebadges{{\\def\\stemreportbadgesize{{\\fontsize{{{BADGE_SIZE_IN_TABLES}}}{{{BADGE_SIZE_IN_TABLES + 1}}}\\selectfont}}}}",
        "\\g@addto@macro\\sphinxatlongtablestart{\\stemreport@tablebadges}",
        "\\g@addto@macro\\sphinxattablestart{\\stemreport@tablebadges}",
        "\\makeatother",
        _macro("verdict-badge", "#1"),
        _macro("claim-ref", "#1"),
        _macro("claim-id", "\\mbox{#1}"),
        _macro("claim-mark", "\\textsuperscript{#1}"),
        _macro("debris", "{\\color[HTML]{767676}\\footnotesize #1}"),
        _macro("debris-kind", "\\textit{#1}"),
        _macro("bibliography-label", "\\textbf{#1}"),
        _macro("nowrap", "\\mbox{#1}"),
    ]
    for v in (*vocab.VERDICTS, vocab.NOT_CHECKED, vocab.RETIRED):
        colour, text = v.colour.lstrip("#"), v.text_colour.lstrip("#")
        if v.colour.upper() == "#FFFFFF":
            colour, text = "EEEEEE", "000000"
        lines.append(_macro(v.css_class, f"\\stemreportbadge{{{colour}}}{{{text}}}{{#1}}"))
        span = v.css_class.replace("verdict-", "span-")
        lines.append(_macro(span, f"\\bgroup\\markoverwith{{\\textcolor[HTML]{{{colour}}}{{\\rule[-0.55ex]{{1pt}}{{1.1pt}}}}}}\\ULon{{#1}}"))
    return "\n".join(lines) + "\n"


def _config_inited(app, config) -> None:
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + "\n" + preamble()
    config.latex_elements = elements


def _identifier_tables(doctree) -> None:
    """Two-column tables whose first column holds only identifiers (the data dictionary's column names)
    get fixed widths, 3/10 and 7/10 of the line: left to tabulary, the long rules squeeze the names
    (``first_published``) until they stick out of their cells."""
    for table in list(doctree.findall(nodes.table)):
        groups = [g for g in table.findall(nodes.tgroup)]
        if len(groups) != 1 or groups[0].get("cols") != 2:
            continue
        rows = [r for body in groups[0].findall(nodes.tbody) for r in body.findall(nodes.row)]
        firsts = [r.children[0] for r in rows if r.children]
        if rows and all(len(list(e.findall(nodes.literal))) == 1 and e.astext() == next(e.findall(nodes.literal)).astext()
                        for e in firsts):
            table.parent.insert(table.parent.index(table), addnodes.tabular_col_spec(spec=r"\X{3}{10}\X{7}{10}"))


# ----------------------------------------------------------------------------- table column widths

def _entries(row) -> list:
    return [entry for entry in row.children if isinstance(entry, nodes.entry)]


TEXT_WIDTH = 595.28 - 2 * 72  # pt: A4 with the LaTeX writer's 1 in margins
CELL_PADDING = 2 * 6 + 1.2  # pt: \tabcolsep either side, the rules, and a little air
FONTS = {"serif": "FreeSerif", "italic": "FreeSerif:italic", "sans": "FreeSans", "badge": "DejaVu Sans:condensed"}
BADGE_SIZE_IN_TABLES = 7  # pt: badges in table cells (8 pt, scriptsize, in running text)
BADGE_PADDING = 2 * 1.2  # pt: \fboxsep either side of the badge's text


@cache
def _font(kind: str):
    """The font LaTeX sets ``kind`` of text in, for measuring (None if it cannot be found)."""
    import subprocess

    try:
        from PIL import ImageFont

        path = subprocess.run(["fc-match", "-f", "%{file}", FONTS[kind]], capture_output=True, text=True, check=True).stdout
        return ImageFont.truetype(path, 100)
    except Exception:  # no fontconfig, no Pillow, no font: estimate instead
        return None


def text_width(text: str, kind: str, size: float) -> float:
    """Width in pt of ``text`` set in ``kind`` ('serif', 'italic', 'sans', 'badge') at ``size`` pt."""
    font = _font(kind)
    if font is None:
        return len(text) * size * (0.6 if kind == "sans" else 0.5)
    return font.getlength(text) * size / 100


def _words(text: str) -> list[str]:
    """The pieces of a text a line can never break inside: words, cut after their explicit hyphens."""
    return [piece for word in text.split() for piece in re.findall(r"[^-\u2010\u2013\u2014/]+[-\u2010\u2013\u2014/]?|[-\u2010\u2013\u2014/]", word)]


def unbreakable_widths(node, kind: str, size: float) -> list[float]:
    """Widths of the pieces of a cell's content that cannot be broken across lines: words (cut at their
    hyphens), badges, claim ids and other unbreakable spans; not web addresses (they break anywhere)."""
    widths = []
    for child in node.children:
        classes = set(child.get("classes", [])) if isinstance(child, nodes.Element) else set()
        if isinstance(child, nodes.Text):
            widths += [text_width(word, kind, size) for word in _words(str(child))]
        elif isinstance(child, (nodes.raw, nodes.comment)) or (isinstance(child, nodes.reference) and child.get("refuri", "")[:1] not in ("%", "#", "")):
            continue
        elif "verdict-badge" in classes:
            widths.append(text_width(child.astext(), "badge", BADGE_SIZE_IN_TABLES) + BADGE_PADDING)
        elif classes & {"nowrap", "claim-id"}:
            widths.append(text_width(child.astext(), "italic" if "claim-id" in classes else kind, size))
        elif isinstance(child, nodes.Element):
            widths += unbreakable_widths(child, "italic" if isinstance(child, nodes.emphasis) or "std-ref" in classes else kind, size)
    return widths


def _segments(node, kind: str):
    """A cell's text as it would run on one line: (text, font kind) pieces, None where a line must end."""
    for child in node.children:
        classes = set(child.get("classes", [])) if isinstance(child, nodes.Element) else set()
        if isinstance(child, nodes.Text):
            yield str(child), kind
        elif isinstance(child, nodes.raw):
            if "\\newline" in child.astext():
                yield None
        elif "verdict-badge" in classes:
            yield child.astext(), "badge"
        elif "claim-id" in classes:
            yield child.astext(), "italic"
        elif isinstance(child, nodes.Element):
            yield from _segments(child, "italic" if isinstance(child, nodes.emphasis) or "std-ref" in classes else kind)


def natural_width(entry, kind: str, size: float) -> float:
    """Width in pt of a cell's widest line if nothing in it wrapped (each paragraph on a line of its own)."""
    widest = 0.0
    for paragraph in entry.findall(nodes.paragraph):
        line = 0.0
        for segment in [*_segments(paragraph, kind), None]:
            if segment is None:
                widest, line = max(widest, line), 0.0
            elif segment[1] == "badge":
                line += text_width(segment[0], "badge", BADGE_SIZE_IN_TABLES) + BADGE_PADDING
            else:
                line += text_width(segment[0], segment[1], size)
    return widest


def fit_columns(shares: list[float], needs: list[float], naturals: list[float] | None = None) -> list[float]:
    """Column shares of the line (summing to 1), starting from the given ones (the HTML's):

    - a column whose every line fits unwrapped in less than its share (a number, a date, a claim id and
      its badge) is narrowed to that width, and the others share what it frees, in their proportions;
    - then every column gets at least its need (its widest unbreakable piece), from the columns with
      room to spare, in proportion to their room. If the needs add up to more than the line, shares in
      proportion to the needs.
    """
    total = sum(shares)
    shares = [share / total for share in shares]
    if sum(needs) >= 1:
        return [need / sum(needs) for need in needs]
    fixed: dict[int, float] = {}
    while naturals:
        rest = [i for i in range(len(shares)) if i not in fixed]
        free, weight = 1 - sum(fixed.values()), sum(shares[i] for i in rest)
        current = {i: shares[i] / weight * free for i in rest}
        narrow = [i for i in rest if naturals[i] < current[i]]
        if not narrow or len(narrow) == len(rest):
            shares = [fixed.get(i, current.get(i, 0.0)) for i in range(len(shares))]
            break
        for i in narrow:
            fixed[i] = max(naturals[i], needs[i])
    fitted = list(shares)
    while True:
        short = [i for i, share in enumerate(fitted) if share < needs[i] - 1e-9]
        if not short:
            return fitted
        deficit = sum(needs[i] - fitted[i] for i in short)
        for i in short:
            fitted[i] = needs[i]
        room = {i: fitted[i] - needs[i] for i in range(len(fitted)) if i not in short and fitted[i] > needs[i]}
        spare = sum(room.values())
        for i, r in room.items():
            fitted[i] -= deficit * r / spare


def _fit_tables(doctree) -> None:
    """Column widths for print, starting from the given ones (``:widths:``, chosen for the screen): a
    column of short entries (numbers, dates, claim ids) is narrowed to its longest entry, and every
    column is made at least as wide as the widest thing that cannot break inside it, header word,
    badge, claim id or date, measured in the fonts LaTeX sets them in (a narrower column lets it stick
    out into the next: 'Claims' over 'Fully supported')."""
    for table in list(doctree.findall(nodes.table)):
        groups = list(table.findall(nodes.tgroup))
        if len(groups) != 1:
            continue
        specs = [child for child in groups[0].children if isinstance(child, nodes.colspec)]
        size = 10 if set(table.get("classes", [])) & set(REGISTERS) else 10.95
        if "colwidths-given" not in table.get("classes", []):
            _tabulary_minimum(table, groups[0], size)
            continue
        needs, naturals = [0.0] * len(specs), [0.0] * len(specs)
        for part, kind in ((nodes.thead, "sans"), (nodes.tbody, "serif")):
            for section in groups[0].findall(part):
                for row in section.findall(nodes.row):
                    entries = _entries(row)
                    if len(entries) != len(specs) or any(e.get("morecols") for e in entries):
                        continue
                    for index, entry in enumerate(entries):
                        widest = (max(unbreakable_widths(entry, kind, size), default=0) + CELL_PADDING) / TEXT_WIDTH
                        needs[index] = max(needs[index], widest)
                        # a header may wrap at its spaces; body lines are taken whole
                        line = widest if part is nodes.thead else (natural_width(entry, kind, size) + CELL_PADDING) / TEXT_WIDTH
                        naturals[index] = max(naturals[index], line)
        fitted = fit_columns([spec["colwidth"] for spec in specs], needs, naturals)
        for spec, share in zip(specs, fitted):
            spec["colwidth"] = max(1, round(share * 1000))


def _tabulary_minimum(table, group, size: float) -> None:
    """A table without given widths is set by tabulary, which may squeeze a column to ``\\tymin``
    (three digits' width) whatever it holds ('Step' over the numbers under it): for this table, no
    column narrower than the widest unbreakable piece it contains."""
    previous = table.parent.index(table) - 1
    if "longtable" in table.get("classes", []) or (previous >= 0 and isinstance(table.parent[previous], addnodes.tabular_col_spec)):
        return
    widest = max((w for part, kind in ((nodes.thead, "sans"), (nodes.tbody, "serif")) for section in group.findall(part)
                  for entry in section.findall(nodes.entry) for w in unbreakable_widths(entry, kind, size)), default=0)
    if widest > 3 * text_width("0", "serif", size):
        table.parent.insert(table.parent.index(table), nodes.raw("", f"\\begingroup\\setlength{{\\tymin}}{{{widest + 1:.1f}pt}}\n",
                                                                format="latex"))
        table.parent.insert(table.parent.index(table) + 1, nodes.raw("", "\\endgroup\n", format="latex"))


# ----------------------------------------------------------------------------- the two registers

REGISTERS = ("all-claims", "changes-log")
"""Classes of the book's two long registers (``stemreport.reports``), set compactly in print."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _badge_labels(cell) -> set[str]:
    """Verdict labels of the badges in a cell ('Contradicted' for '✗ Contradicted')."""
    return {badge.astext().split("\u00a0", 1)[-1] for badge in cell.findall(nodes.inline)
            if "verdict-badge" in badge.get("classes", [])}


def _claim_ids(cell) -> set[str]:
    return {ident.astext() for ident in cell.findall(nodes.inline) if "claim-id" in ident.get("classes", [])}


def redundant_columns(table) -> list[int]:
    """Columns that only repeat what another cell of the same row shows, in every row: a verdict written
    out beside its badge ('Contradicted' and '✗ Contradicted'), a story code beside the claim ids that
    start with it ('S000' and 'S000-01')."""
    groups = list(table.findall(nodes.tgroup))
    if len(groups) != 1:
        return []
    rows = [row for body in groups[0].findall(nodes.tbody) for row in body.findall(nodes.row)]
    if not rows or any(len(_entries(row)) != groups[0]["cols"] or any(e.get("morecols") or e.get("morerows") for e in _entries(row))
                       for row in rows):
        return []

    def repeated(row, column) -> bool:
        cells = _entries(row)
        others = [cell for index, cell in enumerate(cells) if index != column]
        shown = set().union(*(_badge_labels(c) for c in others), *({i.split("-")[0] for i in _claim_ids(c)} for c in others))
        return cells[column].astext().strip() in shown

    return [column for column in range(groups[0]["cols"]) if all(repeated(row, column) for row in rows)]


def _drop_columns(table, columns: list[int]) -> None:
    group = next(iter(table.findall(nodes.tgroup)))
    for column in sorted(columns, reverse=True):
        specs = [child for child in group.children if isinstance(child, nodes.colspec)]
        group.remove(specs[column])
        for row in group.findall(nodes.row):
            row.remove(_entries(row)[column])
        group["cols"] -= 1


def _compact_registers(doctree) -> None:
    """The all-claims table and the changes log run to 150 and 250 rows. In print they drop the columns
    that repeat another cell (the verdict beside its badge, the story beside the claim id), the log's
    claim ids lose their badges (the log is about changes; a verdict change shows both verdicts), and
    both are set in small type."""
    for table in list(doctree.findall(nodes.table)):
        classes = set(table.get("classes", []))
        if not classes & set(REGISTERS):
            continue
        _drop_columns(table, redundant_columns(table))
        if "changes-log" in classes:
            for paragraph in list(table.findall(nodes.paragraph)):
                if len(_claim_ids(paragraph)) == 1 and _badge_labels(paragraph) and paragraph.astext().startswith(
                        next(iter(_claim_ids(paragraph)))):
                    for child in list(paragraph.children):
                        if isinstance(child, nodes.raw) or (isinstance(child, nodes.inline) and "verdict-badge" in child.get("classes", [])):
                            paragraph.remove(child)
        _stack_short_columns(table)
        table.parent.insert(table.parent.index(table), nodes.raw("", "\\begingroup\\small\n", format="latex"))
        table.parent.insert(table.parent.index(table) + 1, nodes.raw("", "\\endgroup\n", format="latex"))


SHORT = 16  # characters: the longest entry of a column that _stack_short_columns stacks


def _stack_short_columns(table) -> None:
    """Columns whose every entry is a word or two (the log's date, claim id and kind of change) are
    stacked into one narrow column, one entry a line (their headers too), so that the columns of text
    get the width."""
    group = next(iter(table.findall(nodes.tgroup)))
    rows = [row for body in group.findall(nodes.tbody) for row in body.findall(nodes.row)]
    if not rows or any(len(_entries(row)) != group["cols"] for row in rows):
        return
    short = [i for i in range(group["cols"]) if all(len(_entries(row)[i].astext().strip()) <= SHORT for row in rows)]
    if len(short) < 2:
        return
    specs = [child for child in group.children if isinstance(child, nodes.colspec)]
    specs[short[0]]["colwidth"] = sum(specs[i]["colwidth"] for i in short)
    for row in [*(row for head in group.findall(nodes.thead) for row in head.findall(nodes.row)), *rows]:
        cells = _entries(row)
        for i in short[1:]:
            for child in list(cells[i].children):
                cells[i].remove(child)
                cells[short[0]] += child
    _drop_columns(table, short[1:])


def _unbreakable_dates(doctree) -> None:
    """An ISO date never breaks at its hyphens ('2026-' at a line's end, '12-02' on the next). Not in
    titles and captions (copied into bookmarks), code, or links (an address prints as itself)."""
    skip = (nodes.title, nodes.caption, nodes.literal, nodes.FixedTextElement, nodes.reference, nodes.math)
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or not _ISO_DATE.search(str(text)):
            continue
        ancestor = parent
        while ancestor is not None and not isinstance(ancestor, skip):
            ancestor = ancestor.parent
        if ancestor is not None:
            continue
        pieces, cursor = [], 0
        for match in _ISO_DATE.finditer(str(text)):
            pieces += [nodes.Text(str(text)[cursor:match.start()]), nodes.inline("", match.group(), classes=["nowrap"])]
            cursor = match.end()
        pieces.append(nodes.Text(str(text)[cursor:]))
        index = parent.index(text)
        parent[index:index + 1] = [piece for piece in pieces if not isinstance(piece, nodes.Text) or str(piece)]


def _drop_screen_only(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    _identifier_tables(doctree)
    _compact_registers(doctree)
    _unbreakable_dates(doctree)
    _fit_tables(doctree)
    for cell in list(doctree.findall(nodes.container)):
        classes = cell.get("classes", [])
        if any(c in classes for c in ("tag_hide-input", "tag_remove-input")):
            for child in list(cell.children):
                if "cell_input" in child.get("classes", []):
                    cell.remove(child)
    for node in list(doctree.findall(nodes.Element)):
        if "only-html" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


def _latex_escape(text: str) -> str:
    from sphinx.util.texescape import escape

    return escape(text)


def running_head(docname: str, title: str) -> str:
    """A short running head: 'S004 Bone-marrow MSCs' for a story, else the chapter's own title."""
    import re

    from stemreport import data

    match = re.fullmatch(r"notebooks/source_(\d{3})", docname)
    if match:
        row = data.source_row(data.source_of(match.group(1)))
        return f"{row.short_id} \u00b7 {row.short_title}"
    return title if len(title) <= 45 else title[:42].rsplit(" ", 1)[0] + "\u2026"


def _parts(app) -> list[tuple[str, list[str]]]:
    site_map = getattr(app.env, "external_site_map", None)
    if site_map is None:
        return []
    return [(tree.caption or "", [str(item) for item in tree.items]) for tree in site_map.root.subtrees]


def _restructure(app, doctree, docname) -> None:
    """Give the assembled print book its shape: introduction, parts, chapters, one bibliography."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    files = {n["docname"]: n for n in doctree.findall(addnodes.start_of_file)}
    # 1. The introduction: the root document's own content, before the first chapter, as one unnumbered chapter.
    first_file = next((n for n in top.findall(addnodes.start_of_file)), None)
    body = [child for child in top.children[1:]]
    stop = next((i for i, child in enumerate(body) if first_file is not None and first_file in child.findall(addnodes.start_of_file)), len(body))
    intro_nodes = body[:stop]
    if intro_nodes:
        intro = nodes.section(ids=["stemreport-introduction"])
        intro += nodes.title("", "Introduction")
        for child in intro_nodes:
            top.remove(child)
            intro += child
        top.insert(1, nodes.raw("", "\\setcounter{secnumdepth}{-1}\n", format="latex"))
        top.insert(2, intro)
        top.insert(3, nodes.raw("", "\\setcounter{secnumdepth}{1}\n", format="latex"))
    # 2. A part page before each part's first chapter.
    for caption, docs in _parts(app):
        first = next((files[d] for d in docs if d in files), None)
        if first is not None and caption:
            first.parent.insert(first.parent.index(first), nodes.raw("", f"\\part{{{_latex_escape(caption)}}}\n", format="latex"))
    # 3. Short running heads: set after each chapter's title.
    for name, node in files.items():
        section = next(iter(node.findall(nodes.section)), None)
        if section is None or not section.children or not isinstance(section[0], nodes.title):
            continue
        head = _latex_escape(running_head(name, section[0].astext()))
        section.insert(1, nodes.raw("", f"\\markboth{{{head}}}{{{head}}}\n", format="latex"))
    # 4. One bibliography, in the chapter that holds it in HTML (the last), with author-year labels.
    _bibliography(app, doctree, files)


def _bibliography(app, doctree, files) -> None:
    """Sphinx's LaTeX writer gathers the cited entries at the end of the document, numbered [1], [2]...,
    while the text cites them author-year ("Davis et al., n.d."): a reader could not match the two.
    Here each printed entry opens with the label the text cites it by, the entries are sorted by it,
    and the list goes into its own chapter, so that the chapter's labels (``{ref}`bibliography```)
    resolve in print as in HTML. The chapter's HTML page is the last of the book; unnumbered here."""
    from pybtex_docutils import Backend
    from sphinx.builders.latex.nodes import thebibliography

    from .bibstyle import _text, cited_labels, sort_key

    bibliography = next(iter(doctree.findall(thebibliography)), None)
    if bibliography is None or not len(bibliography):
        return
    labels = cited_labels(app)
    separator = getattr(app.env.get_domain("cite").reference_style, "author_year_sep", ", ")
    backend = Backend()

    def render(rich) -> list:
        return [nodes.Text(rich)] if isinstance(rich, str) else rich.render(backend)

    ordered = []
    for citation in bibliography.children:
        found = labels.get((citation["docname"], citation["ids"][0]))
        if found is None:  # not an author-year citation: keep Sphinx's label and order
            ordered.append(((2,), citation))
            continue
        author, year = found
        label = f"{_text(author)}{_text(separator)}{_text(year)}"
        citation[0][:] = [nodes.Text(label)]
        rendered = nodes.inline("", "", *render(author), *render(separator), *render(year), classes=["bibliography-label"])
        paragraph = next(iter(citation.findall(nodes.paragraph)))
        paragraph.insert(0, nodes.Text(" "))
        paragraph.insert(0, rendered)
        ordered.append(((1, *sort_key(_text(author), _text(year))), citation))
    bibliography[:] = [citation for _, citation in sorted(ordered, key=lambda pair: pair[0])]
    host = files.get(bibliography[0]["docname"])
    section = next(iter(host.findall(nodes.section)), None) if host is not None else None
    if section is None:
        return
    bibliography.parent.remove(bibliography)
    section += bibliography
    host.parent.insert(host.parent.index(host), nodes.raw("", "\\setcounter{secnumdepth}{-1}\n", format="latex"))
    host.parent.insert(host.parent.index(host) + 1, nodes.raw("", "\\setcounter{secnumdepth}{1}\n", format="latex"))


def _latex_id(node, docname: str) -> str | None:
    """The LaTeX label an internal reference points to, as Sphinx's LaTeX writer spells it."""
    from sphinx.util.texescape import tex_replace_map

    if node.get("refuri", "").startswith("%"):
        target, _, label = node["refuri"][1:].partition("#")
        ident = f"{target}:{label}" if label else f"{target}::doc"
    elif node.get("refid"):
        ident = f"{docname}:{node['refid']}"
    else:
        return None
    ident = ident.translate(tex_replace_map).encode("ascii", "backslashreplace").decode("ascii").replace("\\", "_")
    return f"\\detokenize{{{ident}}}"


def _in_parentheses(node, paragraph) -> bool:
    """Whether an inline node stands inside parentheses opened earlier in its paragraph."""
    before = []
    for text in _walk(paragraph):
        if node in text[1]:
            break
        if isinstance(text[0], nodes.Text):
            before.append(str(text[0]))
    opened = "".join(before)
    return opened.count("(") > opened.count(")")


def _walk(node, ancestors=()):
    """Every node under ``node`` in document order, with its ancestors (nearest last). Followed through
    ``children``: pasted (glued) nodes do not always have their ``parent`` set."""
    yield node, ancestors
    for child in getattr(node, "children", ()):
        yield from _walk(child, (*ancestors, node))


def _page_locators(app, doctree, docname) -> None:
    """A printed cross-reference cannot be followed: each reference to a chapter or section, and each
    claim id named in running text, is followed by the page it leads to, '(p. 12)', or ', p. 12' when
    it already stands in parentheses ('(see the ratings, p. 14)'). Not for glossary terms (a glossary
    is alphabetical), a marked span's claim tag (a superscript beside the quoted words), the theme
    named in every claim card's header, a claim id in a table (its column is sorted by id, and the
    cards are in id order in their story's chapter), or a title or caption (they are copied into the
    contents and the bookmarks). Sphinx's ``latex_show_pagerefs`` would add '(page 12)' to all of
    these, and inside parentheses too."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    found = []
    for reference, ancestors in _walk(doctree):
        if not isinstance(reference, nodes.reference):
            continue
        classes = {c for inner in reference.findall(nodes.inline) for c in inner.get("classes", [])}
        chapter_or_section = bool(classes & {"std-ref", "std-doc"})
        claim_in_text = "claim-link-full" in reference.get("classes", []) and not any(isinstance(a, nodes.table) for a in ancestors)
        blocks = [a for a in ancestors if isinstance(a, (nodes.paragraph, nodes.title, nodes.caption))]
        if not (chapter_or_section or claim_in_text) or not blocks or not isinstance(blocks[-1], nodes.paragraph):
            continue
        cards = [a for a in ancestors if "claim-card" in a.get("classes", [])]
        if chapter_or_section and cards and blocks[-1] is next(iter(cards[-1].findall(nodes.paragraph)), None):
            continue  # the theme in a card's header
        files = [a for a in ancestors if isinstance(a, addnodes.start_of_file)]
        target = _latex_id(reference, files[-1]["docname"] if files else docname)
        if target is not None:
            found.append((reference, ancestors[-1], blocks[-1], target))
    for reference, parent, paragraph, target in found:
        # A line may break before the locator: a claim id and its badge are already one unbreakable unit.
        locator = f", p.~\\pageref{{{target}}}" if _in_parentheses(reference, paragraph) else f" (p.~\\pageref{{{target}}})"
        parent.insert(parent.index(reference) + 1, nodes.raw("", locator, format="latex"))


def _contents_title(app) -> None:
    """Sphinx titles the table of contents with the first toctree's caption ('Sources'); a book's is 'Contents'."""
    if app.builder.format == "latex":
        app.builder.get_contentsname = lambda indexfile: "Contents"


def setup(app) -> None:
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _contents_title)
    app.connect("doctree-resolved", _drop_screen_only)
    app.connect("doctree-resolved", _restructure)
    app.connect("doctree-resolved", _page_locators)
