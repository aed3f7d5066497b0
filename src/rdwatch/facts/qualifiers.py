"""Hedges in front of a figure ("more than 100 researchers", "approximately US$2 billion").

The qualifier is kept on the fact but not in its key: "more than 100 researchers" and "100
researchers" are the same fact told with different care.
"""

from __future__ import annotations

import re

# Surface forms → the normalised qualifier stored on the fact.
QUALIFIERS: dict[str, str] = {
    "more than": "more than", "over": "more than", "above": "more than",
    "in excess of": "more than",
    "upwards of": "more than", "exceeding": "more than", "超过": "more than", "逾": "more than",
    "超": "more than",
    "approximately": "about", "about": "about", "around": "about", "roughly": "about",
    "some": "about", "an estimated": "about", "约": "about",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "近": "nearly",
    "up to": "up to", "as many as": "up to", "as much as": "up to",
    "at least": "at least", "less than": "less than", "fewer than": "less than",
    "under": "less than", "将近": "nearly", "接近": "nearly", "多达": "up to", "至少": "at least",
    "不少于": "at least", "不到": "less than", "不足": "less than",
}  # fmt: skip

QUALIFIER = (
    "(?i:" + "|".join(sorted((q for q in QUALIFIERS if q.isascii()), key=len, reverse=True)) + ")"
)


def normalise_qualifier(text: str | None) -> str | None:
    """The stored form of a qualifier as written, or None."""
    if not text:
        return None
    return QUALIFIERS.get(" ".join(text.lower().split()))


# Chinese has no spaces: a Chinese qualifier may follow any character ("投入超过1000亿元").
CHINESE_QUALIFIER = "|".join(
    sorted((q for q in QUALIFIERS if not q.isascii()), key=len, reverse=True)
)
_LONGEST = max(map(len, QUALIFIERS))
_BEFORE = re.compile(rf"(?:(?:^|(?<=\W))({QUALIFIER})|({CHINESE_QUALIFIER}))\s*$")


def qualifier_before(text: str, start: int) -> str | None:
    """The qualifier ending right before `start`. Looked up backwards from a number rather than as
    an optional prefix of the number patterns, which would make the regex engine try it at
    every character of the text."""
    window = max(0, start - 24)
    # The qualifier must end where the whitespace before `start` begins, so the search can skip
    # the positions too far back for the longest qualifier to reach that point.
    end = window + len(text[window:start].rstrip())
    m = _BEFORE.search(text, max(window, end - _LONGEST), start)
    return normalise_qualifier(m.group(1) or m.group(2)) if m else None


def qualifier_start(text: str, start: int) -> int:
    """Where the qualifier ending right before `start` begins ("more than 8%" keeps its hedge
    in the fact's text), or `start` when there is none."""
    window = max(0, start - 24)
    end = window + len(text[window:start].rstrip())
    m = _BEFORE.search(text, max(window, end - _LONGEST), start)
    return m.start(1) if m and m.group(1) else m.start(2) if m else start
