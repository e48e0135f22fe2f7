"""Unit tests of the report library's small parts: vocabulary, dates, metrics, words, tables."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from stemreport import metrics, vocab, words
from stemreport.dates import PartialDate
from stemreport.tables import MarkdownTable, Markup, drop_constant, escape
from stemreport.validate import validate_all

# --- vocabulary ------------------------------------------------------------------------------------

def test_every_badge_colour_is_readable():
    """WCAG AA (4.5:1) for the text of every verdict badge, in the colour the vocabulary gives it."""
    for v in (*vocab.VERDICTS, vocab.NOT_CHECKED):
        assert vocab.contrast(v.colour, v.text_colour) >= 4.5, v.code


def test_vocabulary_flags_are_consistent():
    for v in vocab.VERDICTS:
        assert not (v.counts_as_wrong and not v.needs_correction), v.code
        assert (v.code == "opinion") == (not v.checkable)
    assert {v.code for v in vocab.VERDICTS if not v.needs_correction} == {"supported", "opinion"}
    assert all(t.chapter for t in vocab.CHAPTER_THEMES) and vocab.THEME["background"].chapter is None


def test_a_duplicate_colour_is_refused(monkeypatch):
    themes = (*vocab.THEMES, vocab.Theme("new_theme", "A new theme", vocab.THEMES[0].colour, "notebooks/theme_new"))
    monkeypatch.setattr(vocab, "THEMES", themes)
    with pytest.raises(ValueError, match="share a colour"):
        vocab._check()


def test_extension_styles_come_from_the_vocabulary():
    import stemreport_sphinx
    from stemreport_sphinx import latex

    css, tex = stemreport_sphinx.verdict_css(), latex.preamble()
    for v in vocab.VERDICTS:
        assert v.css_class in css and v.colour in css and v.underline in css
        assert f"DUrole{v.css_class}" in tex and v.colour.lstrip("#") in tex


def test_a_reloaded_search_index_keeps_its_index_entries():
    """html_fixes, fix 7: Sphinx reloads the previous search index for the pages a rebuild does not rewrite;
    the glossary's index entries must survive that, or a rebuild's search index differs from a cold one's."""
    import io
    import types

    from sphinx.search import IndexBuilder, js_index
    from stemreport_sphinx import html_fixes

    def builder():
        env = types.SimpleNamespace(version=62, domains={}, **{f"_search_index_{name}": {} for name in (
            "titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries", "objtypes", "objnames")})
        return IndexBuilder(env, "en", {}, None)

    first = builder()
    first._titles, first._filenames = {"intro": "Intro", "glossary": "Glossary"}, {"intro": "i.md", "glossary": "g.md"}
    first._all_titles = {"intro": [], "glossary": []}
    first._index_entries = {"glossary": [("Cord blood", "term-Cord-blood", "main"), ("Stroma", "term-Stroma", "")]}
    written = io.StringIO()
    first.dump(written, js_index)

    sphinx_load = getattr(IndexBuilder.load, "__wrapped__", IndexBuilder.load)  # unpatched, whatever ran before
    for load, kept in ((sphinx_load, False), (html_fixes._restore_index_entries(sphinx_load), True)):
        again = builder()
        load(again, io.StringIO(written.getvalue()), js_index)
        rewritten = io.StringIO()
        again.dump(rewritten, js_index)
        assert (rewritten.getvalue() == written.getvalue()) is kept  # Sphinx's own loader loses them


# --- dates -----------------------------------------------------------------------------------------

def test_partial_dates_compare_at_their_precision():
    may = PartialDate.parse("2025-05")
    assert may.start == dt.date(2025, 5, 1) and may.end == dt.date(2025, 5, 31)
    assert PartialDate.parse("2025-06-01").after(may) and not PartialDate.parse("2025-05-16").after(may)
    assert PartialDate.parse("2024").end == dt.date(2024, 12, 31)
    assert PartialDate.parse("2024-02").end == dt.date(2024, 2, 29)
    assert PartialDate.parse("2025-01-02", "month").iso() == "2025-01"
    assert PartialDate.parse("2025-04-07").long() == "7 April 2025" and PartialDate.parse("2025-05").long() == "May 2025"
    with pytest.raises(ValueError):
        PartialDate.parse("2025-05", "day")


def test_loaded_dates_are_typed(root):
    from stemreport import data

    approvals = data.approvals(root)
    assert all(isinstance(d, PartialDate) for d in approvals["approval_date"])
    stated = data.sources(root)["stated_date"]
    assert all(d is None or isinstance(d, PartialDate) for d in stated)


# --- metrics ---------------------------------------------------------------------------------------

def test_cohen_kappa_known_values():
    assert metrics.cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert metrics.cohen_kappa(list("ab"), list("ba")) == pytest.approx(-1.0)
    # 20 items: 15 agree; marginals a 10/10 and 11/9 -> pe = (10*11 + 10*9)/400 = 0.5, kappa = (0.75-0.5)/0.5
    first = ["a"] * 10 + ["b"] * 10
    second = ["a"] * 8 + ["b"] * 2 + ["a"] * 3 + ["b"] * 7
    assert metrics.cohen_kappa(first, second) == pytest.approx(0.5)


def test_shares_leave_out_opinions_and_unchecked():
    claims = pd.DataFrame({"verdict": ["supported", "contradicted", "opinion", "", "partly_supported"]})
    assert metrics.share_supported(claims) == pytest.approx(1 / 3)
    assert metrics.share_wrong(claims) == pytest.approx(1 / 3)
    assert metrics.verdict_counts(claims)["not_checked"] == 1


def test_score_only_with_enough_judged_criteria():
    six = pd.DataFrame({"rating": ["satisfactory"] * 6 + ["not_applicable"] * 8})
    seven = pd.DataFrame({"rating": ["satisfactory"] * 7 + ["not_applicable"] * 7})
    assert metrics.rating_summary(six)["score"] is None
    assert metrics.rating_summary(seven)["score"] == 1.0


# --- words -----------------------------------------------------------------------------------------

def test_counts_agree_with_their_nouns():
    assert words.count(1, "claim") == "one claim" and words.count(2, "claim") == "two claims"
    assert words.count(0, "story") == "no stories" and words.count(124, "claim") == "124 claims"
    assert words.count(1, "criterion") == "one criterion" and words.count(3, "criterion") == "three criteria"
    assert words.listing(["a", "b", "c"]) == "a, b and c"


# --- tables ----------------------------------------------------------------------------------------

def test_escape_neutralises_markup_and_html():
    escaped = escape('<script>alert("x")</script> **bold** {cite}`k` $x$ | a')
    for mark in "<>*{}`$|":
        assert f"\\{mark}" in escaped
    assert escape(Markup("{verdict}`supported`")) == "{verdict}`supported`"


def test_list_table_shape_and_widths():
    table = MarkdownTable(pd.DataFrame({"a": [1, 2], "b": ["x", ""]}), "Cap", "tbl-x", widths=[1, 3], classes=("all-claims",))
    markdown = table._repr_markdown_()
    assert markdown.startswith("```{list-table} Cap") and ":name: tbl-x" in markdown and "all-claims" in markdown
    assert markdown.count("* - ") == 3 and "\u2014" in markdown
    with pytest.raises(ValueError, match="2 widths for 1 columns"):
        MarkdownTable(pd.DataFrame({"a": [1]}), "Cap", "tbl-y", widths=[1, 2])


def test_a_column_with_one_value_is_dropped():
    frame = pd.DataFrame({"Story": ["S004", "S004"], "Claim": ["a", "b"]})
    narrow, widths, dropped = drop_constant(frame, ["Story"], [30, 70])
    assert list(narrow.columns) == ["Claim"] and widths == [70] and dropped == {"Story": "S004"}


def test_role_fences_any_backtick():
    from stemreport.chapters import role

    assert role("claimtext", "S000-01|plain") == "{claimtext}`S000-01|plain`"
    assert role("claimtext", "S000-01|a `b` c") == "{claimtext}``S000-01|a `b` c``"


def test_real_inputs_are_valid(root):
    assert len(validate_all(root)["data/claims.csv"]) > 0


def test_sources_cited_alike_get_letters_in_list_order():
    """Same author label and year: a, b in the bibliography's order; no year: n.d.-a; others untouched;
    running twice changes nothing."""
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin
    from stemreport_sphinx import bibstyle

    bib = parse_string("""
        @misc{later, author = {{Mix Online}}, title = {Nipro applies}, year = {2025}}
        @misc{earlier, author = {{Mix Online}}, title = {Akuugo change}, year = {2025}}
        @misc{other, author = {{Mix Online}}, title = {Older}, year = {2024}}
        @misc{p1, author = {Tan, A. and Kwek, B. and Lee, C.}, title = {Preprint}, year = {2023}}
        @misc{p2, author = {Tan, A. and Zeming, B. and Lee, C.}, title = {Paper}, year = {2023}}
        @misc{x, author = {{PubMed Central}}, title = {B}}
        @misc{y, author = {{PubMed Central}}, title = {A}}
    """, "bibtex")
    formatting = find_plugin("pybtex.style.formatting", "plain")()
    expected = {"earlier": "2025a", "later": "2025b", "p1": "2023a", "p2": "2023b", "y": "n.d.-a", "x": "n.d.-b"}
    assert bibstyle.disambiguate_years(bib.entries, bibstyle.AuthorYear(), formatting) == expected
    assert bib.entries["other"].fields["year"] == "2024"
    assert bibstyle.disambiguate_years(bib.entries, bibstyle.AuthorYear(), formatting) == expected


def test_and_others_is_cited_et_al():
    """'Chou, David B. and others' is cited "Chou et al.", like a list of three; two names stay two."""
    from pybtex.database import parse_string
    from stemreport_sphinx import bibstyle

    bib = parse_string("""
        @misc{one, author = {Chou, David B. and others}, title = {T}, year = {2020}}
        @misc{three, author = {Li, Q. and Nikolova, M. and Zhang, G.}, title = {T}, year = {2025}}
        @misc{two, author = {Gartner, S. and Kaplan, H. S.}, title = {T}, year = {1980}}
        @misc{team, author = {{Mix Online}}, title = {T}, year = {2025}}
    """, "bibtex")
    style = bibstyle.AuthorYear()
    short, full = (style.person.author_or_editor_or_title(full=f) for f in (False, True))

    def text(template, key):
        return template.format_data({"entry": bib.entries[key], "style": style}).render_as("text")
    assert [text(short, k) for k in ("one", "three", "two", "team")] == ["Chou et al.", "Li et al.", "Gartner and Kaplan",
                                                                         "Mix Online"]
    assert text(full, "one") == "Chou and others"  # the full-names form ({cite:ts}) keeps the list as written


def test_remembered_backends_are_the_installed_ones_found_without_a_search(monkeypatch):
    """The backends the extension registers are the very classes pybtex's entry points name, and once
    registered a lookup by name no longer reads the installed packages' entry points."""
    from importlib.metadata import entry_points

    import pybtex.plugin
    from stemreport_sphinx import bibstyle

    installed = {name: next(iter(entry_points(group="pybtex.backends", name=name))).load()
                 for name in bibstyle.REMEMBERED_BACKENDS}
    bibstyle.remember_backends()

    def no_search(**_):
        raise AssertionError("pybtex searched the entry points")
    monkeypatch.setattr(pybtex.plugin, "entry_points", no_search)
    for name, backend in installed.items():
        assert pybtex.plugin.find_plugin("pybtex.backends", name) is backend


def test_story_kinds_counts_each_text_type(monkeypatch):
    """The introduction's description of the stories follows sources.csv: kinds counted, most common first
    (ties alphabetical), each noun in the plural its count needs."""
    import pandas as pd

    from stemreport import data, summary

    frame = pd.DataFrame({"text_type": ["rewrite of a news report"] * 2 + ["promotional article", "rewrite of a press release"]})
    monkeypatch.setattr(data, "sources", lambda: frame)
    assert summary.story_kinds() == ("two rewrites of a news report, one promotional article and "
                                     "one rewrite of a press release")


def _reviews(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    rows = []
    for n, (a, b) in enumerate(pairs):
        rows += [dict(claim_id=f"S000-{n:02d}", reviewer="A", verdict=a, note=""),
                 dict(claim_id=f"S000-{n:02d}", reviewer="B", verdict=b, note="")]
    return pd.DataFrame(rows)


def test_top_disagreement_counts_a_pair_in_either_order_and_breaks_ties_by_the_vocabulary():
    reviews = _reviews([("supported", "partly_supported"), ("partly_supported", "supported"),
                        ("contradicted", "partly_supported"), ("supported", "supported")])
    assert metrics.top_disagreement(reviews) == (("supported", "partly_supported"), 2)
    tie = _reviews([("contradicted", "partly_supported"), ("partly_supported", "supported")])
    assert metrics.top_disagreement(tie) == (("supported", "partly_supported"), 1)
    assert metrics.top_disagreement(_reviews([("opinion", "opinion")])) is None


def test_audit_counts_tell_a_splits_new_rows_from_claims_found_uncovered():
    log = pd.DataFrame([
        dict(change="split", claim_id="S000-01", new_value="S000-01; S000-09", reason="Audit: atomic"),
        dict(change="added", claim_id="S000-09", new_value="x", reason="Audit: split from S000-01"),
        dict(change="added", claim_id="S000-10", new_value="y", reason="Audit: uncovered"),
        dict(change="verdict", claim_id="S000-02", new_value="contradicted", reason="Audit: strict"),
        dict(change="verdict", claim_id="S000-03", new_value="contradicted", reason="Earlier review"),
    ])
    assert metrics.audit_counts(log, "Audit") == {"verdicts": 1, "splits": 1, "found": 1}


def test_a_quote_that_opens_with_a_quotation_mark_nests_single_marks_inside_the_books_double_ones():
    from stemreport.chapters import quoted

    assert str(quoted('"It will be an open source" he said')) == "\u201c\u2018It will be an open source\u2019 he said\u201d"
    assert str(quoted('a "bone marrow aspiration" technique')) == "\u201ca \u2018bone marrow aspiration\u2019 technique\u201d"
    assert "\u201c\u201c" not in str(quoted("\u201cQuoted\u201d words"))


# --- print layout (the extension's LaTeX side) ----------------------------------------------------------

def test_printed_bibliography_order():
    """Entries sort by the cited name, people and organisations together, ignoring case, accents and
    punctuation; a name alone before the same name with 'et al.'; lettered years in order, n.d. last."""
    from stemreport_sphinx.bibstyle import sort_key

    labels = [("yuanvore.com", "2025"), ("Davis et al.", "n.d."), ("Davis", "2020"), ("Çelik", "2019"),
              ("Be The Match (NMDP)", "n.d.-b"), ("Be The Match (NMDP)", "n.d.-a"), ("BioWorld", "2024"),
              ("BioWorld", "2020"), ("Mix Online", "2025b"), ("Mix Online", "2025a"), ("Mix Online", "n.d.")]
    assert sorted(labels, key=lambda label: sort_key(*label)) == [
        ("Be The Match (NMDP)", "n.d.-a"), ("Be The Match (NMDP)", "n.d.-b"), ("BioWorld", "2020"), ("BioWorld", "2024"),
        ("Çelik", "2019"), ("Davis", "2020"), ("Davis et al.", "n.d."), ("Mix Online", "2025a"), ("Mix Online", "2025b"),
        ("Mix Online", "n.d."), ("yuanvore.com", "2025")]


def test_print_columns_get_their_needs_and_shed_what_they_do_not_use():
    from stemreport_sphinx.latex import fit_columns

    # a column narrower than its widest word is widened, from the others in proportion to their room
    fitted = fit_columns([8, 46, 46], [0.12, 0.1, 0.1])
    assert fitted[0] == pytest.approx(0.12) and fitted[1] == pytest.approx(fitted[2]) and sum(fitted) == pytest.approx(1)
    # a column of short entries is narrowed to them; the others share the rest in their proportions
    fitted = fit_columns([20, 40, 40], [0.05, 0.1, 0.1], naturals=[0.08, 0.9, 0.9])
    assert fitted == pytest.approx([0.08, 0.46, 0.46])
    # needs that cannot all fit: shares in proportion to them
    assert fit_columns([1, 1], [0.9, 0.6]) == pytest.approx([0.6, 0.4])


def test_linked_keeps_the_spaces_around_claim_ids():
    """An explanation that names a claim reads 'as in S004-14, judged', not 'as inS004-14,judged'."""
    from stemreport.tables import linked

    assert linked("as in S004-14 and S003-02, judged") == "as in {claim}`S004-14` and {claim}`S003-02`\\, judged"
    assert linked("(S004-29, S004-25)") == "\\({claim}`S004-29`\\, {claim}`S004-25`\\)"
    assert linked("  no id here  ") == "no id here"


# --- the validated snapshot the kernels read ---------------------------------------------------------------

def test_the_validated_snapshot_serves_only_the_inputs_it_was_made_from(data_copy, monkeypatch):
    """The build's validation step stores what it validated; a kernel gets it back while every input byte is
    the same, and validates afresh as soon as one changes, so an edit that breaks the data still stops it."""
    from stemreport import validate
    from stemreport.errors import InputError

    assert validate.main([str(data_copy)]) == 0 and (data_copy / validate.SNAPSHOT).is_file()
    fresh = validate.validate_all(data_copy)

    def never(root):
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(validate, "validate_all", never)
    stored = validate.validated_tables(data_copy)
    assert sorted(stored) == sorted(fresh)
    assert stored["data/claims.csv"].equals(fresh["data/claims.csv"])
    assert stored[validate.BIBLIOGRAPHY] == fresh[validate.BIBLIOGRAPHY]

    claims = data_copy / "data" / "claims.csv"
    lines = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    claims.write_text(lines[0] + lines[1].replace(",space_culture,", ",no_such_theme,", 1) + "".join(lines[2:]),
                      encoding="utf-8")
    with pytest.raises(AssertionError, match="validated again"):  # a changed byte is noticed
        validate.validated_tables(data_copy)
    monkeypatch.undo()
    with pytest.raises(InputError, match="no_such_theme"):  # ... and the stored tables are not served
        validate.validated_tables(data_copy)


def test_the_snapshot_key_covers_every_input(data_copy):
    from stemreport import validate

    key = validate.inputs_key(data_copy)
    seed = next((data_copy / "seeds").glob("*.txt"))
    for path in (seed, data_copy / validate.BIBLIOGRAPHY, data_copy / "data" / "sources.csv"):
        original = path.read_bytes()
        path.write_bytes(original + b" ")
        assert validate.inputs_key(data_copy) != key, path.name
        path.write_bytes(original)
    (data_copy / "data" / "extra.csv").write_text("x\n", encoding="utf-8")  # a new file in a folder validation reads
    assert validate.inputs_key(data_copy) != key
    (data_copy / "data" / "extra.csv").unlink()
    assert validate.inputs_key(data_copy) == key


def test_the_snapshot_key_covers_the_packages_code(data_copy, tmp_path, monkeypatch):
    """An edit to any module of the package (a schema, a rule, a vocabulary entry) changes the key."""
    import shutil

    from stemreport import validate

    package = tmp_path / "stemreport"
    shutil.copytree(Path(validate.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(validate, "__file__", str(package / "validate.py"))
    key = validate.inputs_key(data_copy)
    vocabulary = package / "vocab.py"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert validate.inputs_key(data_copy) != key
