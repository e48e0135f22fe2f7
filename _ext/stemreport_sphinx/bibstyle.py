"""The bibliography style: pybtex's ``plain``, but titles keep their capitals; and author-year citations
that a reader can tell apart.

``plain`` lower-cases every title after its first letter ("Us fda approves mesoblast's ..."), which
mangles acronyms, names and non-English titles; this style prints each title as the entry gives it.

Two entries cited alike ("Mix Online, 2025" for two different news reports; a preprint and its paper,
both "Tan Kwan Zen et al., 2023") leave a reader unable to tell which one a claim rests on, in print
above all. As in author-year practice, such entries get a letter after the year, in the order the
bibliography lists them: 2025a, 2025b; an entry with no year gets n.d.-a, n.d.-b. The letter is written
into the parsed entries' ``year`` only (never into ``references.bib``), so the citation and the
bibliography entry both show it.

An author list that ends in BibTeX's ``and others`` after one named author ("Chou, David B. and others")
is cited "Chou et al.", like every other list of three or more; sphinxcontrib-bibtex counts ``others``
as a second person and printed "Chou and others".
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from string import ascii_lowercase

from pybtex.backends.plaintext import Backend as PlainText
from pybtex.plugin import find_plugin, register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as Plain
from pybtex.style.template import field, first_of, href, join, node, optional, sentence, tag
from sphinxcontrib.bibtex.plugin import register_plugin as register_reference_style
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import names

STYLE_NAME = "stemreport"
GIVEN_YEAR = "stemreport-given-year"  # the entry's own year (or "" when it has none), kept beside the lettered one


class KeepCase(Plain):
    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title

    def format_doi(self, e):
        """A DOI shown as its full address (https://doi.org/...), as Crossref asks DOIs to be displayed.
        ``plain`` shows "doi:10..." linked to the address; in print a link whose text is not its address
        gets a footnote, so every DOI in the bibliography carried a footnote number that read as part of
        the DOI ("...2024027742¹¹"). A link that shows its own address prints as itself."""
        address = join["https://doi.org/", field("doi", raw=True)]
        return href(address)[address]


@node
def _names(children, data, role, **kwargs):
    """sphinxcontrib-bibtex's ``names``, except that a trailing ``others`` makes the list "First et al."
    whenever an "et al." form is asked for (``other`` given), as a list of three or more does."""
    assert not children
    persons = data["entry"].persons.get(role, [])
    if len(persons) > 1 and str(persons[-1]) == "others" and kwargs.get("other") is not None:
        person = data["style"].person
        return Text(person.style_plugin.format(persons[0], person.abbreviate).format_data(data), kwargs["other"])
    return names(role=role, **kwargs).format_data(data)  # the original, missing-field handling included


@dataclass
class EtAlPersonStyle(PersonStyle):
    def names(self, role: str, full: bool):
        return _names(role=role, sep=self.sep, sep2=self.sep2, last_sep=self.last_sep,
                      other=None if full else self.other)

    def author_or_editor_or_title(self, full: bool):
        other = None if full else self.other
        kwargs = dict(sep=self.sep, sep2=self.sep2, last_sep=self.last_sep, other=other)
        return first_of[optional[_names("author", **kwargs)], optional[_names("editor", **kwargs)],
                        tag("em")[field("title")]]


@dataclass
class AuthorYear(AuthorYearReferenceStyle):
    """The book's citations: sphinxcontrib-bibtex's author-year, with :class:`EtAlPersonStyle`."""
    person: PersonStyle = dataclass_field(default_factory=EtAlPersonStyle)


_PLAIN_TEXT = PlainText()


def _text(rich) -> str:
    """Rich text as plain text. One backend for every call: ``render_as("text")`` looks the backend up
    by name each time, and pybtex's lookup reads every installed package's entry points (about 0.05 s a
    call, once per bibliography entry, in every build)."""
    return rich if isinstance(rich, str) else rich.render(_PLAIN_TEXT)


def disambiguate_years(entries: dict, reference_style, formatting_style) -> dict[str, str]:
    """Letter the years of entries whose author-year citations would read the same; returns key -> new year.

    ``entries`` maps keys to pybtex entries (changed in place, and idempotent: the given year is kept in
    ``GIVEN_YEAR``, so running again on already-lettered entries gives the same letters).
    """
    from sphinxcontrib.bibtex.style.template import year

    author = reference_style.person.author_or_editor_or_title(full=False)
    groups = defaultdict(list)
    for key, entry in entries.items():
        given = entry.fields.get(GIVEN_YEAR, entry.fields.get("year", ""))
        entry.fields[GIVEN_YEAR] = given
        if given:
            entry.fields["year"] = given
        else:
            entry.fields.pop("year", None)
        data = {"entry": entry, "style": reference_style}
        groups[(_text(author.format_data(data)), _text(year().format_data(data)))].append(key)
    lettered = {}
    for keys in groups.values():
        if len(keys) < 2:
            continue
        if len(keys) > len(ascii_lowercase):
            raise ValueError(f"more than {len(ascii_lowercase)} bibliography entries cite alike: {sorted(keys)}")
        in_list_order = formatting_style.sort([entries[k] for k in keys])
        for letter, entry in zip(ascii_lowercase, in_list_order):
            given = entry.fields[GIVEN_YEAR]
            entry.fields["year"] = f"{given}{letter}" if given else f"n.d.-{letter}"
            lettered[entry.key] = entry.fields["year"]
    return lettered


def _letter_the_years(app) -> None:
    """After sphinxcontrib-bibtex has parsed the .bib (its own builder-inited handler, priority 500)."""
    domain = app.env.get_domain("cite")
    style = find_plugin("pybtex.style.formatting", app.config.bibtex_default_style)()
    disambiguate_years(domain.bibdata.data.entries, domain.reference_style, style)


# Backends that sphinxcontrib-bibtex looks up by name for every citation it resolves (about 400 a build).
REMEMBERED_BACKENDS = ("plaintext", "docutils")


def remember_backends() -> None:
    """Register the backends sphinxcontrib-bibtex asks for by name as run-time plugins, each as itself.

    pybtex finds a plugin by name by reading every installed package's entry points, on every call, and
    a run-time plugin is found before that search. Each backend is looked up once, the normal way, and
    registered as the class found: the same class, without some 400 searches (a quarter of each Sphinx
    run, about 6 s).
    """
    for name in REMEMBERED_BACKENDS:
        register_plugin("pybtex.backends", name, find_plugin("pybtex.backends", name), force=True)


# --------------------------------------------------------------------------- labels, for HTML and print

def cited_labels(app) -> dict[tuple[str, str], tuple]:
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


def setup(app) -> None:
    remember_backends()
    register_plugin("pybtex.style.formatting", STYLE_NAME, KeepCase)
    register_reference_style("sphinxcontrib.bibtex.style.referencing", STYLE_NAME, AuthorYear)
    app.connect("builder-inited", _letter_the_years, priority=900)
