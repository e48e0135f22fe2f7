"""Prose that cannot contradict the data: in every chapter's hand-written text, a claim id is always a
``{claim}`` role (a link with the ledger's current badge), and a sentence that names a claim and a
verdict names the claim's real verdict."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from stemreport import data, vocab

CLAIM_ID = re.compile(r"S\d{3}-\d{2}")
ROLE = re.compile(r"\{(claim|claimtext|claimmark|claimback)\}(`+)(.*?)\2", re.S)
CODE_SPAN = re.compile(r"(`+)(?!\{).*?\1", re.S)
VERDICT_WORDS = sorted({v.label.lower() for v in vocab.VERDICTS} | {"partly_supported"}, key=len, reverse=True)


def prose_files(root: Path) -> list[tuple[str, str]]:
    """(where, text) for every Markdown cell of every notebook and every Markdown chapter."""
    found = []
    for path in sorted([*(root / "notebooks").glob("*.ipynb"), *(root / "book").glob("*.ipynb")]):
        for n, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                found.append((f"{path.relative_to(root)}, cell {n}", cell.source))
    found += [(str(p.relative_to(root)), p.read_text(encoding="utf-8")) for p in sorted((root / "book").glob("*.md"))]
    return found


def plain_mentions(text: str) -> list[str]:
    stripped = ROLE.sub(" ", text)
    stripped = CODE_SPAN.sub(" ", stripped)  # a literal example in code is not a mention
    return CLAIM_ID.findall(stripped)


def verdict_conflicts(text: str, verdicts: dict[str, str]) -> list[str]:
    conflicts = []
    for sentence in re.split(r"(?<=[.;:!?])\s+|\n\s*[-*] ", text):
        ids = [m.group(3).strip() for m in ROLE.finditer(sentence) if m.group(1) == "claim"]
        if not ids:
            continue
        bare = ROLE.sub(" ", sentence).lower()
        named = {w for w in VERDICT_WORDS if re.search(rf"\b{re.escape(w)}\b", bare)}
        if "partly supported" in named:
            named.discard("supported")
        for claim_id in ids:
            actual = vocab.verdict(verdicts.get(claim_id, "")).label.lower()
            if named and actual not in named:
                conflicts.append(f"{claim_id} is {actual!r} but the sentence says {sorted(named)}: {sentence.strip()[:160]}")
    return conflicts


def test_claim_ids_in_prose_are_links(root):
    problems = [f"{where}: {', '.join(ids)} written as plain text; use {{claim}}`ID`"
                for where, text in prose_files(root) if (ids := plain_mentions(text))]
    assert not problems, "\n".join(problems)


def test_verdict_words_agree_with_the_ledger(root):
    verdicts = dict(zip(data.claims(root)["claim_id"], data.claims(root)["verdict"]))
    problems = [f"{where}: {c}" for where, text in prose_files(root) for c in verdict_conflicts(text, verdicts)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text, expected", [
    ("China had no product (S004-25, contradicted).", ["S004-25"]),
    ("See {claim}`S004-25`.", []),
    ("An example anchor: `#S004-01`.", []),
])
def test_plain_mentions_are_found(text, expected):
    assert plain_mentions(text) == expected


def test_a_wrong_verdict_word_is_caught():
    verdicts = {"S004-25": "outdated", "S004-09": "contradicted"}
    assert verdict_conflicts("China had none ({claim}`S004-25`), contradicted by the record.", verdicts)
    assert not verdict_conflicts("China had none ({claim}`S004-25`): outdated by publication.", verdicts)
    assert not verdict_conflicts("MSCs are not pluripotent ({claim}`S004-09`).", verdicts)
    assert verdict_conflicts("- {claim}`S004-09` is partly supported", verdicts)


GLUED = re.compile(r"\{glue:[a-z]+\}`[^`]*`")
TYPED_COUNT = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})\s+(?:more\s+)?"
                         r"(?:stories|story|criteria|criterion|sources|themes)\b", re.I)
# A {ref} without its own title prints the target's title, which starts with a capital ("the How we checked",
# "the Corrections and changes page"): give such a reference its own words instead.
BARE_REF_IN_PHRASE = re.compile(r"\b(?:the|The|a|an)\s+\{ref\}`[^<`]+`|\{ref\}`[^<`]+`\s+(?:page|log|chapter)\b")


def typed_counts(text: str) -> list[str]:
    return TYPED_COUNT.findall(GLUED.sub(" ", text))


def test_prose_types_no_counts_of_stories_criteria_or_themes(root):
    """How many stories, criteria or themes there are is data: prose glues it (``{glue:text}``), so a
    sixth story or a new criterion cannot leave a sentence saying 'five' or 'four'."""
    problems = [f"{where}: {found}" for where, text in prose_files(root) if (found := typed_counts(text))]
    assert not problems, "\n".join(problems)


def test_references_read_as_sentences(root):
    problems = [f"{where}: {m.group(0)!r}" for where, text in prose_files(root) for m in BARE_REF_IN_PHRASE.finditer(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text, bad", [
    ("the five stories compare", True), ("four drawn from the ISSCR criteria", False), ("four criteria", True),
    ("{glue:text}`n_stories` compare", False), ("in 2017 stories were", False), ("See the {ref}`method`.", None),
])
def test_the_prose_checks_can_fail(text, bad):
    if bad is None:
        assert BARE_REF_IN_PHRASE.search(text)
    else:
        assert bool(typed_counts(text)) is bad
