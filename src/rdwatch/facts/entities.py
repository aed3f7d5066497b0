"""Named things found through the gazetteer (orgs, places, products, areas, known people), plus
a pattern for places the gazetteer lacks ("Yuhang district", "Zhejiang province"). Organisations
and products the gazetteer lacks are found in `names`.
"""

from __future__ import annotations

import re

from rdwatch.facts.gazetteer import Gazetteer, Mention, default_id
from rdwatch.models import Fact

# Both patterns start at a capital that begins a word. The capital comes first and the test of the
# character before it second (`(?<!\w[A-Z])` is `\b` before a capital), so that `re` jumps from
# capital to capital instead of entering the pattern at every character.
_PLACE_SUFFIX = re.compile(
    r"([A-Z](?<!\w[A-Z])[a-z]+(?: [A-Z][a-z]+)?) ([Dd]istrict|[Pp]rovince|[Cc]ounty|[Cc]ity)\b"
)
_SUFFIX_WORDS = ("istrict", "rovince", "ounty", "ity")
# Capitalised words that start a sentence or a title rather than a name.
_NOT_NAME_START = frozenset(
    [
        "The",
        "A",
        "An",
        "This",
        "That",
        "Its",
        "Their",
        "Our",
        "Chinese",
        "New",
        "In",
        "On",
        "At",
        "Of",
        "And",
        "For",
    ]
)


def extract_entities(sentence: str, mentions: list[Mention]) -> list[Fact]:
    """Facts for the gazetteer mentions of one sentence (text = canonical name)."""
    return [
        Fact(kind=m.entity.kind, text=m.entity.name, key=m.entity.key, sentence=sentence)
        for m in mentions
        if m.entity.kind != "ignore"
    ]


def extract_pattern_entities(
    sentence: str, mentions: list[Mention], gazetteer: Gazetteer
) -> list[Fact]:
    """Places recognised by their suffix word, when the gazetteer has no alias."""
    if not any(word in sentence for word in _SUFFIX_WORDS):
        return []
    taken = [(m.start, m.end) for m in mentions]
    facts = []
    for m in _PLACE_SUFFIX.finditer(sentence):
        name = m.group(1)
        if name.split()[0] in _NOT_NAME_START or _overlaps(m.start(1), m.end(1), taken):
            continue
        known = gazetteer.lookup(name)
        key = known.key if known else f"place:{default_id('place', name)}"
        facts.append(
            Fact(kind="place", text=known.name if known else name, key=key, sentence=sentence)
        )
    return facts


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)
