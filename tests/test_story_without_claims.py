"""A story just added with ``make new-source``, before any claim is extracted: every per-story block its
chapter, the introduction and the comparison use is made, and says the story is not yet checked.

The sixth-source book (test_new_source) adds two claims before building, so it never saw a story with
none; one broke every chapter (a claim filter built from an empty list selected no columns), and the
build failed on the first step the new-source command tells a maintainer to take. Here, in-process
against a copy of the inputs: no kernel, no Sphinx, about a second.
"""
from __future__ import annotations

import pytest


@pytest.fixture
def bare_story(data_copy, tmp_path, monkeypatch):
    from stemreport_tools import new_source

    text = tmp_path / "story.txt"
    text.write_text("A story with nothing extracted yet. Stem cells, it says, can do anything.\n", encoding="utf-8")
    source = new_source.add_seed(data_copy, text)
    new_source.add_metadata(data_copy, source)
    monkeypatch.setenv("STEMREPORT_ROOT", str(data_copy))
    return source


def test_every_block_of_a_story_without_claims_is_made(bare_story):
    from stemreport import chapters, data, figures, metrics, summary

    source = bare_story
    assert data.source_claims(source).empty
    claims = data.source_claims(source)
    assert list(metrics.checkable(claims).columns) == list(claims.columns)  # rows filtered, never columns
    box = chapters.verdict_box(source)._repr_markdown_()
    assert "not yet checked" in box.lower(), box
    chapters.glue_values(source)
    for block in (chapters.marked_text, chapters.claim_cards, chapters.retired_cards, chapters.ratings_table,
                  chapters.source_card, chapters.boilerplate_table):
        block(source)._repr_markdown_()
    row = summary.per_source().set_index("source").loc[source]
    assert row["claims"] == 0 and row["checkable"] == 0
    stories = summary.stories_table()._repr_markdown_()
    assert "not yet checked" in stories[stories.index(f"S{source[:3]}"):].lower(), stories
    summary.headline()
    summary.summary_table()._repr_markdown_()
    for figure in (figures.verdicts_by_source, figures.claims_by_theme_and_source, figures.timeline,
                   figures.ratings_grid, figures.source_words):
        figure()
    figures.plt.close("all")
