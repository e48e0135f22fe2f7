"""Numbers and names in prose: counts that agree with their nouns, and story names that go with S-codes.

Glued prose says "1 claim" and "2 claims", "five stories" (small counts in words, as style guides ask),
and never "1 are"; a story is named by its short title beside its code, so a reader never has to
remember what S003 was.
"""
from __future__ import annotations

_SMALL = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_IRREGULAR = {"story": "stories", "criterion": "criteria", "is": "are", "was": "were", "has": "have",
              "this": "these", "it": "they", "entry": "entries", "study": "studies", "country": "countries"}


def plural(noun: str, n: int) -> str:
    if n == 1:
        return noun
    return _IRREGULAR.get(noun, noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s"))


def number(n: int, words: bool = True) -> str:
    """Small whole numbers in words (zero to ten), larger ones in digits with thousands separators."""
    return _SMALL[n] if words and 0 <= n <= 10 else f"{n:,}"


def count(n: int, noun: str, words: bool = True) -> str:
    """'one claim', 'five stories', '124 claims', 'no claims'."""
    return f"{number(n, words)} {plural(noun, n)}"


def percent(value: float | None, none: str = "none") -> str:
    return none if value is None else f"{value:.0%}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def listing(items: list[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]
