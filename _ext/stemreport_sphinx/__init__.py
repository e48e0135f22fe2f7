"""The book's Sphinx extension: claims as first-class citizens of the text, one verdict style everywhere.

Loaded through Jupyter Book's ``sphinx: local_extensions`` (``_config.yml``); it stands apart from the
report library (``src/stemreport``, which notebooks import) and from the build tooling (``tools/``).

What it adds:

- ``claim-card`` directive: one canonical card per claim in its source chapter, anchored by the claim's
  own id (``#S004-05``, case kept) in HTML and PDF alike; a retired or split id gets a card too, so
  every id ever published still resolves.
- Roles that follow the ledger, so prose cannot contradict the data: ``{claim}`S004-05``` renders the id
  as a link to its card with the claim's *current* verdict badge (and its correction as a tooltip);
  ``{claimtext}`S004-05|quoted words``` marks a span of the source text in its verdict's colour and
  style and links it to the card; ``{claimmark}`S004-05``` is the small tag after a marked span;
  ``{verdict}`contradicted``` is a badge alone, ``{verdict}`contradicted|11 ·``` a badge, its count and
  an optional separator that never break apart at a line's end; ``{debris}`kind|text``` shows set-aside page debris,
  quietly. An unknown claim id is a build error.
- Verdict colours, symbols and underline styles come from ``stemreport.vocab``: the HTML stylesheet
  (``_static/stemreport-verdicts.css``) and the LaTeX colour macros are written from it at build time.
- Each source chapter's HTML page embeds its claim reviews as schema.org ClaimReview JSON-LD.
- HTML fixes found by the browser tests (``html_fixes``) and print tweaks (``latex``).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import make_refnode

from . import bibstyle, citation, html_fixes, latex

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the ledger, read once

@lru_cache(maxsize=1)
def ledger() -> dict:
    """Current claims (id -> verdict, restatement, correction) and retired ids (id -> reason)."""
    from stemreport import data

    claims = {r.claim_id: {"verdict": r.verdict, "claim": r.claim, "correction": r.correction, "source": r.source}
              for r in data.claims().itertuples()}
    retired = {r.claim_id: r for r in data.retired_ids().itertuples()}
    return {"claims": claims, "retired": retired}


def verdict_for(claim_id: str):
    from stemreport import vocab

    book = ledger()
    if claim_id in book["claims"]:
        return vocab.verdict(book["claims"][claim_id]["verdict"])
    if claim_id in book["retired"]:
        return vocab.RETIRED
    return None


# --------------------------------------------------------------------------- nodes

class claim_card(nodes.container):
    """A claim's card: a container whose id is the claim id, exactly as written."""


class claim_ref(nodes.Inline, nodes.Element):
    """A mention of a claim, resolved to a link to its card once every document has been read."""


def visit_card_html(self, node):
    self.body.append(self.starttag(node, "div", CLASS="docutils container"))


def depart_card_html(self, node):
    self.body.append("</div>\n")


def card_needspace(node) -> int:
    """Lines a card's header and quoted passage take in print, and the first line after them: estimated
    from their length (at most 85 characters a line, 75 in the indented quote), generously."""
    header = next((child for child in node.children if isinstance(child, nodes.paragraph)), None)
    quote = next((child for child in node.children if isinstance(child, nodes.block_quote)), None)
    lines = sum(-(-len(part.astext()) // per_line) for part, per_line in ((header, 85), (quote, 75)) if part is not None)
    return lines + 3


def visit_card_latex(self, node):
    # A card starts a new page unless its header, its quote and the first line after them fit on this one:
    # a header alone at the foot of a page, its card overleaf, is a heading without its text.
    self.body.append(f"\n\\par\\addvspace{{\\bigskipamount}}\\needspace{{{card_needspace(node)}\\baselineskip}}"
                     + self.hypertarget(node["ids"][0], anchor=True) + "\n")


def depart_card_latex(self, node):
    self.body.append("\n")


def _skip(self, node):
    raise nodes.SkipNode


def badge_node(verdict) -> nodes.inline:
    """The verdict's badge: its symbol and label, in its colour (an outer and an inner class, so LaTeX's
    ``\\DUrole`` finds one macro per class)."""
    inner = nodes.inline("", f"{verdict.symbol}\u00a0{verdict.label}", classes=[verdict.css_class])
    return nodes.inline("", "", inner, classes=["verdict-badge"])


# --------------------------------------------------------------------------- directive and roles

class ClaimCard(SphinxDirective):
    required_arguments = 1
    has_content = True
    option_spec = {"retired": lambda v: True}

    def run(self):
        claim_id = self.arguments[0]
        verdict = verdict_for(claim_id)
        if verdict is None:
            raise self.error(f"claim-card: unknown claim id {claim_id!r} (not in data/claims.csv or the corrections log)")
        node = claim_card(classes=["claim-card", verdict.css_class])
        node["ids"] = [claim_id]
        self.state.nested_parse(self.content, self.content_offset, node)
        std = self.env.get_domain("std")
        std.anonlabels[claim_id.lower()] = (self.env.docname, claim_id)
        std.labels[claim_id.lower()] = (self.env.docname, claim_id, claim_id)
        return [node]


class ClaimRole(SphinxRole):
    """``{claim}`ID```, ``{claimmark}`ID``` and ``{claimtext}`ID|text```."""

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode

    def run(self):
        claim_id, _, text = self.text.partition("|")
        node = claim_ref(claim_id=claim_id.strip(), mode=self.mode, text=text)
        self.set_source_info(node)
        return [node], []


class VerdictRole(SphinxRole):
    def run(self):
        from stemreport import vocab

        code, bar, count = (part.strip() for part in self.text.partition("|"))
        if code not in vocab.VERDICT and code not in (vocab.NOT_CHECKED.code, vocab.RETIRED.code):
            msg = self.inliner.reporter.error(f"verdict: unknown verdict {code!r}", line=self.lineno)
            return [], [msg]
        counted = re.fullmatch(r"(\d+)\s*(\u00b7)?", count)
        if bar and counted is None:
            msg = self.inliner.reporter.error(f"verdict: after '|' comes a whole number, optionally followed by "
                                              f"the separator '\u00b7', not {count!r}", line=self.lineno)
            return [], [msg]
        verdict = {vocab.NOT_CHECKED.code: vocab.NOT_CHECKED, vocab.RETIRED.code: vocab.RETIRED}.get(code) or vocab.VERDICT[code]
        if not bar:
            return [badge_node(verdict)], []
        # One unbreakable unit, separator included: a badge is an inline block, and Chromium breaks lines after
        # an inline block or a no-wrap span even before a no-break space, which left counts and dots at the
        # start of the next line.
        text = f"\u00a0{counted[1]}" + ("\u00a0\u00b7" if counted[2] else "")
        return [nodes.inline("", "", badge_node(verdict), nodes.Text(text), classes=["verdict-count"])], []


class DebrisRole(SphinxRole):
    def run(self):
        kind, _, text = self.text.partition("|")
        label = nodes.inline("", f"[{kind.strip()}] ", classes=["debris-kind"])
        return [nodes.inline("", "", label, nodes.Text(text), classes=["debris"])], []


def _in_table(node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.table):
            return True
        parent = parent.parent
    return False


def _alone(node) -> bool:
    """Whether a node is the only content of its paragraph (whitespace aside)."""
    parent = node.parent
    return isinstance(parent, nodes.paragraph) and all(child is node or not child.astext().strip() for child in parent.children)


def _resolve_claims(app, doctree, fromdocname) -> None:
    std = app.env.get_domain("std")
    book = ledger()
    html = app.builder.format == "html"
    first_span: set[str] = set()
    for node in list(doctree.findall(claim_ref)):
        claim_id, mode = node["claim_id"], node["mode"]
        if mode == "back":  # from a card back to its marked span (screen only; paper has no 'back')
            if html:
                back = nodes.reference("", "\u2191 see it in the marked text", internal=True, refid=f"text-{claim_id}",
                                       classes=["claim-back"])
                node.replace_self(nodes.inline("", "", back, classes=["claim-back-line"]))
            else:  # and the paragraph that held it, which would print as an empty line
                parent = node.parent
                parent.remove(node)
                if isinstance(parent, nodes.paragraph) and not parent.astext().strip() and parent.parent is not None:
                    parent.parent.remove(parent)
            continue
        verdict = verdict_for(claim_id)
        target = std.anonlabels.get(claim_id.lower())
        if verdict is None or target is None:
            logger.warning(f"unknown claim id {claim_id!r}: no card with this id in the book", location=node)
            node.replace_self(nodes.Text(claim_id))
            continue
        todocname, labelid = target
        record = book["claims"].get(claim_id)
        if record:
            title = f"{verdict.label}: {record['claim']}" + (f" What is true: {record['correction']}" if record["correction"] else "")
        else:
            title = f"Retired id: {book['retired'][claim_id].reason}"
        if mode == "text":
            content = nodes.inline("", node["text"], classes=["claim-span", verdict.css_class.replace("verdict-", "span-")])
            if not html:  # in print the tag after the span is the link; a long linked span would not break
                node.replace_self(nodes.inline("", node["text"], classes=[verdict.css_class.replace("verdict-", "span-")]))
                continue
        elif mode == "mark":
            content = nodes.inline("", "", nodes.inline("", f"{verdict.symbol}\u00a0{claim_id}", classes=[verdict.css_class]),
                                   classes=["claim-mark"])
        else:
            # In running text the badge stays beside its id; in a table cell it may go under it, so that a
            # claim column needs the width of a badge, not of an id and a badge.
            space = " " if _in_table(node) else "\u00a0"
            content = nodes.inline("", "", nodes.inline("", claim_id, classes=["claim-id"]), nodes.Text(space),
                                   badge_node(verdict), classes=["claim-ref"])
        if mode == "full" and not html and _in_table(node) and _alone(node):
            # In print, a table cell is narrow: the id (the link) on one line, the badge below it. (Only where
            # the claim is the cell's whole text: in a sentence the badge follows the id, as in running text.)
            reference = make_refnode(app.builder, fromdocname, todocname, labelid,
                                     nodes.inline("", claim_id, classes=["claim-id"]), title)
            node.replace_self([reference, nodes.raw("", "\\newline ", format="latex"), badge_node(verdict)])
            continue
        reference = make_refnode(app.builder, fromdocname, todocname, labelid, content, title)
        reference["classes"].append(f"claim-link-{mode}")
        if mode == "text" and claim_id not in first_span:
            reference["ids"] = [f"text-{claim_id}"]
            first_span.add(claim_id)
        node.replace_self(reference)


# --------------------------------------------------------------------------- styles from the vocabulary

def verdict_css() -> str:
    """CSS for badges, cards and marked spans, one rule set per verdict, from ``stemreport.vocab``."""
    from stemreport import vocab

    rules = ["/* Written by the stemreport_sphinx extension from stemreport.vocab: do not edit. */"]
    for v in (*vocab.VERDICTS, vocab.NOT_CHECKED, vocab.RETIRED):
        span = v.css_class.replace("verdict-", "span-")
        rules.append(
            f".verdict-badge .{v.css_class}, .claim-mark .{v.css_class} {{ background: {v.colour}; color: {v.text_colour}; "
            f"border: 1px solid {'#767676' if v.colour == '#FFFFFF' else v.colour}; }}\n"
            f".claim-card.{v.css_class} {{ border-left-color: {v.colour}; }}\n"
            f".claim-span.{span} {{ background: color-mix(in srgb, {v.colour} 22%, transparent); "
            + ("text-decoration: none; }" if v.underline == "none" else
               f"text-decoration: underline {v.underline} {v.colour}; text-decoration-thickness: 2px; "
               f"text-underline-offset: 3px; }}"))
    return "\n".join(rules) + "\n"


def _vendor_static(app, config) -> None:
    """The vendored libraries (vendor/README.md) are copied into ``_static/`` but loaded only where needed
    (by ``_static/stemreport.js``). Added here, not in ``_config.yml``: Jupyter Book puts every .js and
    .css file of a configured static path on every page."""
    vendor = Path(app.confdir) / "vendor"
    if vendor.is_dir() and str(vendor) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(vendor)]


def _add_css(app) -> None:
    if app.builder.format == "html":
        app.add_css_file("stemreport-verdicts.css")


def write_verdict_css(app) -> Path:
    """The verdict colours' stylesheet, written as the HTML builder starts (see html_fixes, fix 6)."""
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    path = static / "stemreport-verdicts.css"
    path.write_text(verdict_css(), encoding="utf-8")
    return path


def _write_page_texts(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "_static" / "stemreport-pages.js").write_text(page_texts(app.outdir), encoding="utf-8")


def page_texts(outdir) -> str:
    """Each page's main text, by section, as a JavaScript object for Sphinx's search summaries when the
    book is opened from ``file://`` (see ``_static/stemreport.js``): the text only, sections kept so the
    search's anchors still find their part of the page."""
    import json

    from bs4 import BeautifulSoup, SoupStrainer

    def walk(element, out):
        for child in element.children:
            if getattr(child, "name", None) is None:
                text = str(child).strip()
                if text:
                    out.append(text.replace("&", "&amp;").replace("<", "&lt;"))
            elif child.name in ("script", "style", "svg", "figure", "img"):
                continue
            elif child.name == "section" and child.get("id"):
                out.append(f'<section id="{child["id"]}">')
                walk(child, out)
                out.append("</section>")
            else:
                walk(child, out)

    main_only = SoupStrainer(attrs={"role": "main"})
    pages = {}
    for path in sorted(outdir.rglob("*.html")):
        rel = path.relative_to(outdir).as_posix()
        if rel.startswith(("_static/", "_sources/", "_downloads/")) or rel in ("search.html", "genindex.html", "index.html"):
            continue
        # lxml, and a tree of the main part only: the same text as html.parser's whole tree, in two thirds of
        # the time (about a second of every HTML build before).
        main = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml", parse_only=main_only).find(attrs={"role": "main"})
        if main is None:
            continue
        out = []
        walk(main, out)
        pages[rel] = '<div role="main">' + " ".join(out) + "</div>"
    payload = json.dumps(pages, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    return "/* Page texts for search summaries offline; written by stemreport_sphinx. */\nwindow.STEMREPORT_PAGES = " + payload + ";\n"


# --------------------------------------------------------------------------- ClaimReview in each source page

def _embed_claim_reviews(app, pagename, templatename, context, doctree) -> None:
    from stemreport import claimreview

    source = claimreview.source_of_page(pagename)
    if source is None:
        return
    base = app.config.html_baseurl or ""
    payload = claimreview.render(claimreview.reviews(source, base_url=base)).replace("</", "<\\/")
    context["metatags"] = context.get("metatags", "") + f'\n<script type="application/ld+json">{payload}</script>\n'


def setup(app):
    app.add_node(claim_card, html=(visit_card_html, depart_card_html), latex=(visit_card_latex, depart_card_latex),
                 text=(_skip, None))
    app.add_node(claim_ref)
    app.add_directive("claim-card", ClaimCard)
    for name, mode in (("claim", "full"), ("claimmark", "mark"), ("claimtext", "text"), ("claimback", "back")):
        app.add_role(name, ClaimRole(mode))
    app.add_role("verdict", VerdictRole())
    app.add_role("debris", DebrisRole())
    app.connect("config-inited", _vendor_static)
    app.connect("builder-inited", _add_css)
    app.connect("doctree-resolved", _resolve_claims)
    app.connect("build-finished", _write_page_texts)
    app.connect("html-page-context", _embed_claim_reviews)
    bibstyle.setup(app)
    citation.setup(app)
    html_fixes.setup(app)
    latex.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
