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
"""
from __future__ import annotations

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
        "{\\strut\\stemreportbadgefont\\scriptsize #3}}}}",
        _macro("verdict-badge", "#1"),
        _macro("claim-ref", "#1"),
        _macro("claim-id", "\\mbox{#1}"),
        _macro("claim-mark", "\\textsuperscript{#1}"),
        _macro("debris", "{\\color[HTML]{767676}\\footnotesize #1}"),
        _macro("debris-kind", "\\textit{#1}"),
        _macro("bibliography-label", "\\textbf{#1}"),
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


def _drop_screen_only(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    _identifier_tables(doctree)
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


def _author_year(app) -> dict[tuple[str, str], tuple]:
    """(bibliography docname, citation id) -> (author, year) as pybtex rich text: the two halves of the
    label the text cites the entry by ("Davis *et al.*", "n.d.-a"), from the book's reference style and
    the lettered years (``bibstyle``). Empty if the reference style is not author-year."""
    from sphinxcontrib.bibtex.style.template import year

    domain = app.env.get_domain("cite")
    style = domain.reference_style
    if not hasattr(style, "author_year_sep"):
        return {}
    author = style.person.author_or_editor_or_title(full=False)
    entries = domain.bibdata.data.entries
    labels = {}
    for citation in domain.citations:
        data = {"entry": entries.get(citation.key, citation.entry), "style": style}
        labels[(citation.bibliography_key.docname, citation.citation_id)] = (author.format_data(data),
                                                                             year().format_data(data))
    return labels


def sort_key(author: str, year: str) -> tuple:
    """Bibliography order: by the cited name, letters only, ignoring case and accents ('Çiğdem' with
    the Cs, 'yuanvore.com' with the Ys, a person and an organisation alike), then by year ('2025a'
    before '2025b', dated works before 'n.d.'); a name alone before the same name with 'et al.'."""
    import unicodedata

    def letters(text):
        text = unicodedata.normalize("NFKD", text)
        return " ".join("".join(c for c in text if c.isalnum() or c.isspace()).casefold().split())

    return (letters(author), year.startswith("n.d."), year)


def _bibliography(app, doctree, files) -> None:
    """Sphinx's LaTeX writer gathers the cited entries at the end of the document, numbered [1], [2]...,
    while the text cites them author-year ("Davis et al., n.d."): a reader could not match the two.
    Here each printed entry opens with the label the text cites it by, the entries are sorted by it,
    and the list goes into its own chapter, so that the chapter's labels (``{ref}`bibliography```)
    resolve in print as in HTML. The chapter's HTML page is the last of the book; unnumbered here."""
    from pybtex_docutils import Backend
    from sphinx.builders.latex.nodes import thebibliography

    from .bibstyle import _text

    bibliography = next(iter(doctree.findall(thebibliography)), None)
    if bibliography is None or not len(bibliography):
        return
    labels = _author_year(app)
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
        claim_in_text = "claim-link-full" in reference.get("classes", [])
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
