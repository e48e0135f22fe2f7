"""The bibliography style: pybtex's ``plain``, but titles keep their capitals.

``plain`` lower-cases every title after its first letter ("Us fda approves mesoblast's ..."), which
mangles acronyms, names and non-English titles; this style prints each title as the entry gives it.
"""
from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as Plain
from pybtex.style.template import field, sentence


class KeepCase(Plain):
    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title


def setup(app) -> None:
    register_plugin("pybtex.style.formatting", "stemreport", KeepCase)
