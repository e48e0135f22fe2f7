"""The report's vocabulary, defined once: verdicts, themes, rating criteria, rating values, confidence.

Everything that needs to know what a verdict *is* reads it from here: validation (allowed values and
which verdicts need evidence or a correction), badges and highlight styles (the Sphinx extension writes
its CSS from ``VERDICTS``), figure colours, the method page's tables, the ClaimReview export and the
tests. Adding a verdict, a theme or a criterion is one entry here; nothing else holds a list of them.

Colours are Okabe-Ito hues (distinguishable with the common colour-vision deficiencies). Text on a
colour is black or white, whichever contrasts more (``text_on``), so every badge meets WCAG AA; the
``symbol`` and ``underline`` give a second cue that does not depend on colour.
"""
from __future__ import annotations

from dataclasses import dataclass


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#RRGGBB`` colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(colour: str) -> str:
    """Black or white, whichever is more readable on ``colour``."""
    return "#000000" if contrast(colour, "#000000") >= contrast(colour, "#FFFFFF") else "#FFFFFF"


@dataclass(frozen=True)
class Verdict:
    code: str
    label: str
    colour: str
    symbol: str  # a cue that is not colour: shown in badges and after highlighted spans
    underline: str  # CSS text-decoration-style of a highlighted span in the marked text ('none': shading only)
    checkable: bool  # counts among the factual claims (opinions do not)
    needs_evidence: bool  # at least one bibliography key is required
    needs_correction: bool  # the ledger must say what is true instead
    counts_as_wrong: bool  # an error in the text (for "what it gets wrong" and the error counts)
    rating_value: int | None  # ClaimReview ``ratingValue`` on the 1 (worst) to 5 (best) scale; None: not rated
    rating_name: str  # ClaimReview ``alternateName``: a phrase for readers
    definition: str  # the method page's definition

    @property
    def text_colour(self) -> str:
        return text_on(self.colour)

    @property
    def css_class(self) -> str:
        return f"verdict-{self.code.replace('_', '-')}"


VERDICTS: tuple[Verdict, ...] = (
    Verdict("supported", "Supported", "#009E73", "\u2713", "solid", True, True, False, False, 5,
            "Supported by the evidence",
            "The best available evidence agrees with the claim as stated, in full."),
    Verdict("partly_supported", "Partly supported", "#56B4E9", "\u25D0", "dashed", True, True, True, False, 3,
            "Partly supported: true core, overstated or wrong detail",
            "The core holds, but a secondary detail, the scope (species, model, population), the stage "
            "(a future use told as present), the strength or the framing is wrong or overstated."),
    Verdict("contradicted", "Contradicted", "#D55E00", "\u2717", "wavy", True, True, True, True, 1,
            "Contradicted by the evidence",
            "As stated, the claim was never true: a wrong name, institution, country, number, date, product "
            "or term, or a reversed meaning, even when a related true fact exists."),
    Verdict("outdated", "Outdated", "#E69F00", "\u21BB", "double", True, True, True, True, 2,
            "Outdated: true once, stale when published",
            "The claim was true at some earlier time but no longer true when the text was published."),
    Verdict("unverifiable", "Unverifiable", "#999999", "?", "dotted", True, False, True, False, None,
            "Unverifiable: no evidence either way",
            "No evidence either way was found; the explanation lists the searches tried."),
    Verdict("opinion", "Opinion", "#CC79A7", "\u275D", "none", False, False, False, False, None,
            "Opinion or prediction, not rated",
            "A value judgement, hope or prediction without a number and a date, which no evidence can settle."),
)
VERDICT = {v.code: v for v in VERDICTS}
SUPPORTED, PARTLY_SUPPORTED, CONTRADICTED = VERDICT["supported"], VERDICT["partly_supported"], VERDICT["contradicted"]
"""The verdicts that chapters name on their own ("fully supported", "partly supported", the colour of an error)."""
NOT_CHECKED = Verdict("not_checked", "Not yet checked", "#DDDDDD", "\u2026", "dotted", True, False, False, False,
                      None, "Not yet checked", "The claim has been extracted but not yet checked.")
"""The state of a ledger row whose ``verdict`` is empty (a new source's claims, before checking)."""
RETIRED = Verdict("retired", "Retired", "#FFFFFF", "\u2298", "none", False, False, False, False, None,
                  "Retired", "The id no longer names a claim; the corrections log says why.")


def verdict(code: str) -> Verdict:
    """The verdict for a ledger value ('' is not yet checked)."""
    return VERDICT[code] if code else NOT_CHECKED


# Confidence in a verdict.
CONFIDENCE = ("high", "medium", "low")
CONFIDENCE_MEANING = {
    "high": "the primary source was seen (the paper, the regulator, the institution)",
    "medium": "reputable secondary reporting, or the primary source seen only in part",
    "low": "indirect evidence only",
}


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    colour: str
    chapter: str | None  # docname of the theme chapter (None: background, which has no chapter)

    @property
    def label_lower(self) -> str:
        """For use mid-sentence: 'making blood stem cells', but 'MSC products' keeps its acronym."""
        first = self.label.split()[0]
        return self.label if first.isupper() else self.label[0].lower() + self.label[1:]


THEMES: tuple[Theme, ...] = (
    Theme("space_culture", "Stem-cell culture in space", "#0072B2", "notebooks/theme_space_culture"),
    Theme("hsc_induction", "Making blood stem cells", "#E69F00", "notebooks/theme_hsc_induction"),
    Theme("organoids", "Bone-marrow organoids", "#009E73", "notebooks/theme_organoids"),
    Theme("msc_approvals", "MSC products and approvals", "#CC79A7", "notebooks/theme_msc_approvals"),
    Theme("cord_blood_industry", "Cord blood and the industry", "#56B4E9", "notebooks/theme_cord_blood"),
    Theme("background", "General background", "#999999", None),
)
THEME = {t.code: t for t in THEMES}
CHAPTER_THEMES = tuple(t for t in THEMES if t.chapter)


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    family: str
    applies_to: str  # when the criterion applies (stated on the method page; ratings.csv says where it did not)


MEDIA_DOCTOR, ISSCR = "HealthNewsReview / Media Doctor", "ISSCR"
CRITERIA: tuple[Criterion, ...] = (
    Criterion("costs", "Discusses costs", MEDIA_DOCTOR, "a treatment, test or product a person could use or pay for"),
    Criterion("benefits_quantified", "Quantifies benefits", MEDIA_DOCTOR, "any claimed benefit (of a treatment, method or finding)"),
    Criterion("harms", "Discusses harms", MEDIA_DOCTOR, "an intervention in people (or one proposed for people)"),
    Criterion("evidence_quality", "Grasps the quality of the evidence", MEDIA_DOCTOR, "every story reporting research"),
    Criterion("disease_mongering", "Avoids disease-mongering", MEDIA_DOCTOR, "any story that describes a disease or condition"),
    Criterion("independent_sources", "Uses independent sources, notes conflicts of interest", MEDIA_DOCTOR,
              "every story reporting research or an industry claim"),
    Criterion("alternatives", "Compares with existing alternatives", MEDIA_DOCTOR, "a treatment, test, method or product that has alternatives"),
    Criterion("availability", "Establishes availability", MEDIA_DOCTOR, "a treatment, test or product"),
    Criterion("novelty", "Establishes true novelty", MEDIA_DOCTOR, "every story presenting something as new"),
    Criterion("news_release_reliance", "Goes beyond a news release", MEDIA_DOCTOR, "every story based on an announcement"),
    Criterion("species_model_stated", "States the species or model", ISSCR, "research done in cells, animals or models"),
    Criterion("research_stage_stated", "States the research stage", ISSCR, "every story reporting research"),
    Criterion("peer_reviewed_source_identified", "Identifies a peer-reviewed source", ISSCR, "a story about a study"),
    Criterion("unproven_treatment_caveat", "Cautions about unproven stem-cell treatments", ISSCR,
              "a story that suggests stem-cell treatments for patients"),
)
CRITERION = {c.code: c for c in CRITERIA}


@dataclass(frozen=True)
class RatingValue:
    code: str
    label: str
    colour: str
    mark: str


RATING_VALUES: tuple[RatingValue, ...] = (
    RatingValue("satisfactory", "Satisfactory", VERDICT["supported"].colour, "\u2713"),
    RatingValue("not_satisfactory", "Not satisfactory", VERDICT["contradicted"].colour, "\u2717"),
    RatingValue("not_applicable", "Not applicable", "#E6E6E6", "n/a"),
)
RATING_VALUE = {r.code: r for r in RATING_VALUES}
MIN_JUDGED_FOR_SCORE = 7
"""Media Doctor practice: a score (share satisfactory) is given only when this many criteria were judged."""

EVIDENCE_QUALITIES = ("peer_reviewed", "regulator", "institution_release", "reputable_news", "secondary", "weak")
"""How good a source is, as data/evidence_log.csv grades each bibliography entry (best first)."""
FIRST_HAND = EVIDENCE_QUALITIES[:4]
"""The grades that can carry a 'high' confidence: the paper, the regulator, the institution, or the
reputable outlet that reported the event itself. A verdict resting only on secondary or weak sources
is at most 'medium' (the method page's rule, enforced by validation)."""

REVIEWERS = {"A": "first reviewer (the ledger's author)", "B": "second reviewer (blind: saw the seed, the rules and "
             "the quote, not the first verdict)", "adjudication": "the adjudicated verdict, with its reason"}

CORRECTION_KINDS = ("verdict", "split", "retired", "text", "quote", "added", "evidence", "correction")


def _check() -> None:
    """Guard the vocabulary itself: codes and colours are unique, so a new entry cannot silently reuse one."""
    for name, items, colour in (("verdict", VERDICTS, True), ("theme", THEMES, True), ("criterion", CRITERIA, False)):
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate {name} code in stemreport.vocab")
        if colour and len({i.colour.upper() for i in items}) != len(items):
            raise ValueError(f"two {name}s share a colour in stemreport.vocab; give each its own")
    if len({v.underline for v in VERDICTS}) != len(VERDICTS):
        raise ValueError("two verdicts share an underline style in stemreport.vocab: colour would be the only cue")


_check()
