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
"""
from __future__ import annotations

import re

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


def setup(app) -> None:
    app.connect("html-page-context", _fix_page)
