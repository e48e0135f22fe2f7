"""Tables that render well in HTML and in the PDF.

A ``MarkdownTable`` displays as a MyST ``list-table`` (MIME type text/markdown), which Sphinx turns
into a native table for every builder: themed in HTML, a wrapping ``longtable`` in LaTeX. Cell text
is escaped so that nothing in a source (markup, HTML, script) is ever interpreted.
"""
from __future__ import annotations

import re
import string

import pandas as pd

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


class Markup(str):
    """A cell value that is already MyST markup (a role, a citation) and must not be escaped.

    Glued into prose it must be pasted with ``{glue:md}`key:myst```, which parses the markup; ``{glue:text}``
    would print the role's source. The markdown representation is what makes the ``glue:md`` paste possible.
    """

    def _repr_markdown_(self) -> str:
        return str(self)


def escape(value) -> str:
    """Make arbitrary text literal in MyST Markdown: every ASCII punctuation mark is backslash-escaped."""
    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return _PUNCT.sub(r"\\\1", " ".join(text.split()))


_CLAIM_ID = re.compile(r"\bS\d{3}-\d{2}\b")


def linked(value) -> Markup:
    """Escape text from the data, but turn every claim id in it into a ``{claim}`` link (with its badge):
    an explanation that says 'judged in S003-02' links to that card, like the book's own prose."""
    text = "" if value is None else str(value)

    def piece(chunk: str) -> str:
        # escape() collapses whitespace and trims the ends; the spaces around an id must stay ("as in S004-14").
        lead = " " if chunk[:1].isspace() else ""
        trail = " " if chunk[-1:].isspace() and chunk.strip() else ""
        return lead + escape(chunk) + trail

    parts, cursor = [], 0
    for match in _CLAIM_ID.finditer(text):
        parts.append(piece(text[cursor:match.start()]))
        parts.append(f"{{claim}}`{match.group()}`")
        cursor = match.end()
    parts.append(piece(text[cursor:]))
    return Markup("".join(parts).strip())


class MarkdownTable:
    """A captioned, named table. ``classes`` are added to the table (for example ``all-claims``, which the
    book's script turns into a filterable table in HTML)."""

    def __init__(self, frame: pd.DataFrame, caption: str, name: str, widths: list[int] | None = None,
                 classes: tuple[str, ...] = ()):
        self.frame = frame.reset_index(drop=True)
        self.caption = caption
        self.name = name
        self.widths = widths or [1] * len(frame.columns)
        self.classes = classes
        if len(self.widths) != len(frame.columns):
            raise ValueError(f"table {name}: {len(self.widths)} widths for {len(frame.columns)} columns")

    def _repr_markdown_(self) -> str:
        lines = [f"```{{list-table}} {escape(self.caption)}", ":header-rows: 1", f":name: {self.name}",
                 f":widths: {' '.join(str(w) for w in self.widths)}", f":class: {' '.join(('longtable', *self.classes))}", ""]
        rows = [list(self.frame.columns)] + self.frame.values.tolist()
        for row in rows:
            first = True
            for cell in row:
                lines.append(("* - " if first else "  - ") + (escape(cell) or "\u2014"))
                first = False
        lines.append("```")
        return "\n".join(lines)

    def __repr__(self) -> str:
        # Plain-text fallback, also what nbval compares: stable and readable.
        with pd.option_context("display.max_colwidth", 40, "display.width", 200):
            return f"{self.caption}\n{self.frame.to_string(index=False)}"


def show(frame: pd.DataFrame, caption: str, name: str, widths: list[int] | None = None) -> MarkdownTable:
    return MarkdownTable(frame, caption, name, widths)


def drop_constant(frame: pd.DataFrame, columns: list[str], widths: list[int]) -> tuple[pd.DataFrame, list[int], dict]:
    """Drop any of ``columns`` that holds one value on every row (a column that says nothing), returning
    the narrower frame, its widths and {column: the shared value} so the caption can say it once."""
    dropped = {c: str(frame[c].iloc[0]) for c in columns if len(frame) > 1 and frame[c].astype(str).nunique() == 1}
    keep = [i for i, c in enumerate(frame.columns) if c not in dropped]
    return frame[[frame.columns[i] for i in keep]], [widths[i] for i in keep], dropped


class MarkdownText:
    """Display a block of MyST Markdown built from data (e.g. a highlighted source text)."""

    def __init__(self, markdown: str, plain: str):
        self.markdown, self.plain = markdown, plain

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.plain
