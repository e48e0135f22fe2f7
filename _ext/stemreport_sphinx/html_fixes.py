"""Sphinx fixes for the HTML book, for problems the browser tests (tests/test_browser.py) found.

1. Every page raised ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``. Jupyter
   Book always loads sphinx-thebe, which registers an inline ``<script>`` (no file) after the builder
   is set up; Sphinx 7.4 then puts that script on the page twice, once with filename ``None`` and once
   with ``''``, which its duplicate check treats as different, and the second copy re-declares a
   ``const``. Each page now keeps the first of any scripts that differ only in that way.

2. The bibliography was an ARIA ``role="list"`` whose entries carry docutils' ``role="doc-biblioentry"``,
   a role deprecated in DPUB-ARIA 1.1 because it is not a list item; axe-core reports it as
   ``aria-required-children`` (critical): assistive technology sees a list with no items. The entries
   become ``role="listitem"`` (what DPUB-ARIA 1.1 recommends); their look is unchanged (styled by class).

3. The book's root address (``index.html``) was sphinx-external-toc's one-line redirect: no document, no
   title, no icon, so a browser opening it asked the server for ``/favicon.ico`` and got a 404 on a
   reader's very first visit. The extension writes a complete redirect page first (title, a link for
   browsers that ignore refresh, and an empty ``data:`` icon, so that nothing is fetched for a page that
   leaves at once; the page it leads to declares the book's icon); sphinx-external-toc leaves an existing
   ``index.html`` alone.

4. The bibliography listed its entries as [1]...[160] while the text cites them author-year ("Davis et
   al., n.d."), so a reader could not find a cited work without hovering over the citation. Each entry's
   label is now the label it is cited by, and the entries are sorted by it, as in print (both use
   ``bibstyle.cited_labels`` and ``bibstyle.sort_key``).

5. axe-core 4.14 (tests/vendor) found two theme buttons on every page whose accessible name leaves out
   their visible text (``label-content-name-mismatch``, serious; WCAG 2.5.3 Label in Name): the search
   field (named "Search", showing "Search Ctrl+K") and the light/dark switch (named "Color mode"; axe
   reads the shown icon's title, "System Settings", as its text). Both components are overridden by files
   of the same name in ``templates/``, put first on the template path (the theme adds its ``components``
   folder to that path): the search field takes its name from what it shows; the switch's icons have no
   title and are hidden from assistive technology, as decoration.

6. The same inputs gave pages that differed with the build's history. Sphinx adds a checksum to a
   stylesheet's address (``style.css?v=...``, so browsers fetch a changed file) only if the file is
   already in the output when the page is written; two stylesheets are written only after all pages
   (the book's verdict colours, and myst-nb's ``mystnb.<hash>.css``), so a cold build gave no checksum
   and a later rebuild gave one on the pages it rewrote. Both files are now written as the builder
   starts, so every page of every build carries the checksum.

7. Glossary terms vanished from the search's index entries after an incremental rebuild. Sphinx 7.4
   reloads the previous ``searchindex.js`` for the pages it does not rewrite, but its loader restores
   titles and words, not index entries; the rebuilt index then held the rewritten pages' entries only.
   The loader now restores them too (what it writes lower-cased, as the index stores them), so a
   rebuild's index equals a cold build's.
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')


def _drop_duplicate_scripts(context) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", None),
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _footer(context) -> None:
    """Every page's footer links to the corrections policy and the changes log (and to the licence),
    with addresses relative to the page, so the link works from any folder and from file://."""
    pathto = context.get("pathto")
    if pathto is None:
        return
    changes = pathto("book/changes")
    # On the page itself pathto() answers "#": the anchor alone is then the address.
    cite = pathto("book/downloads").rstrip("#") + "#cite-this-report"
    context["theme_extra_footer"] = (
        "Built offline from the seeds, data and notebooks in this repository. "
        f'<a href="{changes}">Corrections and changes</a> \u00b7 <a href="{cite}">How to cite and reuse</a>')


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    _drop_duplicate_scripts(context)
    _footer(context)
    if "body" in context:
        context["body"] = _BIBLIOENTRY.sub(r'\1 role="listitem"', context["body"])


def redirect_page(target: str, title: str) -> str:
    """A small, complete HTML page that sends the reader to ``target`` at once."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<link rel=\"icon\" href=\"data:,\">\n"
            f'<meta http-equiv="Refresh" content="0; url={html.escape(target)}">\n</head>\n'
            f'<body><p><a href="{html.escape(target)}">{html.escape(title)}</a></p></body>\n</html>\n')


def _write_root_redirect(app, exception) -> None:
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    page = redirect_page(f"{app.config.root_doc}.html", app.config.html_title or app.config.project)
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def _bibliography_labels(app, doctree, docname) -> None:
    if app.builder.format != "html":
        return
    from docutils import nodes

    from .bibstyle import _text, cited_labels, sort_key

    if next(doctree.findall(nodes.citation), None) is None:
        return  # most pages list no bibliography: labelling every citation of the book for each cost ~1 s a build
    labels = cited_labels(app)
    if not labels:
        return
    separator = _text(getattr(app.env.get_domain("cite").reference_style, "author_year_sep", ", "))
    for parent in {id(c.parent): c.parent for c in doctree.findall(nodes.citation)}.values():
        citations = [c for c in parent.children if isinstance(c, nodes.citation)]
        keyed = []
        for citation in citations:
            found = labels.get((docname, citation["ids"][0]))
            if found is None:
                return  # not the book's author-year bibliography: leave it as Sphinx made it
            author, year = (_text(part) for part in found)
            citation[0][:] = [nodes.Text(f"{author}{separator}{year}")]
            keyed.append((sort_key(author, year), citation))
        first = parent.index(citations[0])
        for citation in citations:
            parent.remove(citation)
        for offset, (_, citation) in enumerate(sorted(keyed, key=lambda pair: pair[0])):
            parent.insert(first + offset, citation)


TEMPLATES = Path(__file__).parent / "templates"


def _templates_first(app, config) -> None:
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES))


def _write_late_assets_first(app) -> None:
    """Fix 6: the stylesheets Sphinx would otherwise find only after writing the pages."""
    if app.builder.format != "html":
        return
    from myst_nb.sphinx_ext import add_global_html_resources

    from . import write_verdict_css

    write_verdict_css(app)
    add_global_html_resources(app, None)  # myst-nb's own copy step, which it runs at build-finished


def _restore_index_entries(load):
    """Fix 7: ``IndexBuilder.load`` that also restores the index entries of the pages not rewritten."""
    import functools

    @functools.wraps(load)
    def restoring(self, stream, format):
        text = stream.read()
        load(self, io.StringIO(text), format)
        frozen = (self.formats[format] if isinstance(format, str) else format).loads(text)
        index2fn = frozen["docnames"]
        entries: dict[str, list[tuple[str, str, str]]] = {}
        for entry, places in frozen.get("indexentries", {}).items():
            for doc, target, main in places:
                entries.setdefault(index2fn[doc], []).append((entry, target, "main" if main else ""))
        self._index_entries = {name: sorted(found) for name, found in entries.items()}

    restoring.restores_index_entries = True
    return restoring


def setup(app) -> None:
    from sphinx.search import IndexBuilder

    if not getattr(IndexBuilder.load, "restores_index_entries", False):
        IndexBuilder.load = _restore_index_entries(IndexBuilder.load)
    app.connect("builder-inited", _write_late_assets_first)
    app.connect("config-inited", _templates_first)
    app.connect("html-page-context", _fix_page)
    app.connect("doctree-resolved", _bibliography_labels)
    # Before sphinx-external-toc's handler (priority 500), which then finds index.html written.
    app.connect("build-finished", _write_root_redirect, priority=400)
