"""Detect web-page debris in the seeds (navigation, share buttons, related-article lists, ...).

The seeds stay untouched; detected spans are written to ``data/boilerplate.csv`` (raw-seed offsets)
and reviewed there. Regenerate with ``python -m stemreport.boilerplate > data/boilerplate.csv``;
a test keeps the file and these rules in step.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass

from stemreport.paths import project_root
from stemreport.seeds import load_seed, seed_ids


@dataclass(frozen=True)
class Rule:
    kind: str
    reason: str
    pattern: str  # a regex in MULTILINE mode; the whole match is one span
    to_end: bool = False  # the span runs to the end of the text (trailing page furniture)


RULES = [
    Rule("navigation", "site navigation link", r"^(?:Make \w+ Your Homepage|Return to List)$"),
    Rule("navigation", "links to the site's previous/next articles", r"^(?:Prve|Prev|Next):.*$"),
    Rule("related_articles", "headline of an unrelated article placed beside the story",
         r"^Obama Executive Order Lifts Strict Limits On Stem Cell Research$"),
    Rule("unrelated_caption", "caption of a stock photo unrelated to the story", r"^\(Photo ?: .*\)\s.*$"),
    Rule("social", "social-media button", r"^(?:Like Us on Facebook|Share this article)$"),
    Rule("page_furniture", "analytics widget label", r"^Real Time Analytics$"),
    Rule("page_furniture", "site-wide disclaimer", r"^This article is for general informational purposes only\.$"),
    Rule("media_placeholder", "placeholder for an embedded video or image", r"^(?:Watch:|IMG_\d+)$"),
    Rule("subscription", "newsletter sign-up blurb and related-article list at the end of the page",
         r"^(?:Stay Updated with .*|Recommended Articles)$", to_end=True),
]


def detect(text: str) -> list[tuple[int, int, Rule]]:
    """Spans of ``text`` matched by the rules, in order, without overlaps."""
    found = []
    for rule in RULES:
        for match in re.finditer(rule.pattern, text, flags=re.MULTILINE):
            end = len(text.rstrip()) if rule.to_end else match.end()
            found.append((match.start(), end, rule))
    found.sort(key=lambda item: (item[0], -item[1]))
    spans, cursor = [], -1
    for start, end, rule in found:
        if start >= cursor:
            spans.append((start, end, rule))
            cursor = end
    return spans


def main() -> int:
    root = project_root()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["source", "start", "end", "kind", "reason", "text"])
    for source in seed_ids(root):
        text = load_seed(source, root)
        for start, end, rule in detect(text):
            writer.writerow([source, start, end, rule.kind, rule.reason, text[start:end]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
