"""Tables and text rendered from data never let source text act as markup."""
import pandas as pd
import pytest

from stemreport.tables import Markup, MarkdownTable, escape


def test_escape_neutralises_markup_and_html():
    text = '<script>alert("x")</script> **bold** {cite}`k` $x$ | a'
    escaped = escape(text)
    for mark in "<>*{}`$|":
        assert f"\\{mark}" in escaped
    assert "<script>" not in escaped


def test_markup_cells_pass_through():
    assert escape(Markup("{bdg-success}`supported`")) == "{bdg-success}`supported`"


def test_list_table_shape():
    table = MarkdownTable(pd.DataFrame({"a": [1, 2], "b": ["x", ""]}), "Cap", "tbl-x", widths=[1, 3])
    markdown = table._repr_markdown_()
    assert markdown.startswith("```{list-table} Cap") and ":name: tbl-x" in markdown
    assert markdown.count("* - ") == 3  # header + two rows
    assert "\u2014" in markdown  # empty cell shown as a dash, not left blank


def test_widths_must_match_columns():
    with pytest.raises(ValueError, match="2 widths for 1 columns"):
        MarkdownTable(pd.DataFrame({"a": [1]}), "Cap", "tbl-y", widths=[1, 2])
