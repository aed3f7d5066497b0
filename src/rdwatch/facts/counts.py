"""Count facts: a number and the noun it counts ("100 researchers", "25,000 engineers",
"two billion customers", "more than 500 articles" → papers).

The counted noun is the first plural noun within three words of the number ("100 AI patents" →
patents, "20 well-known university professors" → professors), unless the gazetteer's
`count_nouns` table knows a longer phrase ("postdoctoral candidates" → postdocs). Time spans
("three years"), percentages, money and anaphoric counts ("100 such researchers", whose referent
is elsewhere) are not counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdwatch.facts.chinese_counts import extract_chinese_counts
from rdwatch.facts.gazetteer import Gazetteer
from rdwatch.facts.keys import SPEC_COUNT_UNITS, canonical_unit
from rdwatch.facts.numbers import (
    NUMBER,
    SCALE_WORDS,
    WORDS,
    first_digit_digits,
    format_key_number,
    parse_amount,
)
from rdwatch.facts.qualifiers import qualifier_before
from rdwatch.facts.sentences import has_chinese
from rdwatch.models import Fact

# A count's number may not follow a letter, a digit, a currency sign or a separator.
_NOT_AFTER = r"[\w$€¥.,-]"
_COUNT_TEMPLATE = (
    r"{start}(?P<num>{number})(?:\s(?P<scale>{scale}))?"
    r"(?P<words>(?:\s+[A-Za-z][A-Za-z0-9'-]*){{1,4}})"
)
# Two variants: number words cost a case-insensitive alternation at every character, so the
# digits-only regex runs unless the sentence holds a number word. That one tests the character
# before the number after the number's first digit, so that it starts with a plain digit.
_COUNT = re.compile(
    _COUNT_TEMPLATE.format(start=f"(?<!{_NOT_AFTER})", number=NUMBER, scale=SCALE_WORDS)
)
_COUNT_DIGITS = re.compile(
    _COUNT_TEMPLATE.format(
        start="", number=first_digit_digits(rf"(?<!{_NOT_AFTER}\d)"), scale=SCALE_WORDS
    )
)
_DIGIT = re.compile(r"[\d零〇一二两三四五六七八九十百千万]")
_NUMBER_WORDS = frozenset(WORDS.split("|"))
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
# Page furniture: a count of views, likes or followers describes the page, not the news.
_FURNITURE = frozenset(
    ["views", "likes", "shares", "comments", "followers", "subscribers", "reads", "clicks",
     "retweets", "reposts", "upvotes", "replies", "impressions", "fans", "readers"]
)  # fmt: skip


def _count_regex(sentence: str) -> re.Pattern[str] | None:
    """The count regex a sentence needs: none without digits or number words."""
    if not _NUMBER_WORDS.isdisjoint(sentence.lower().split()):
        return _COUNT
    return _COUNT_DIGITS if _has_digit(sentence) else None


def _has_digit(sentence: str) -> bool:
    # Ten one-character substring tests scan an ASCII sentence several times faster than the
    # character class does.
    if sentence.isascii():
        return any(digit in sentence for digit in "0123456789")
    return _DIGIT.search(sentence) is not None


_NOT_COUNTED = frozenset(
    [
        "year",
        "years",
        "month",
        "months",
        "week",
        "weeks",
        "day",
        "days",
        "decade",
        "decades",
        "hour",
        "hours",
        "minute",
        "minutes",
        "second",
        "seconds",
        "percent",
        "per",
        "cent",
        "times",
        "time",
        "cents",
        "series",
        "names",
        "am",
        "pm",
    ]
)
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "at",
        "for",
        "and",
        "or",
        "with",
        "from",
        "by",
        "on",
        "that",
        "which",
        "who",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "such",
        "these",
        "those",
        "its",
        "their",
        "our",
    ]
)
_IRREGULAR_PLURALS = frozenset(
    ["people", "staff", "personnel", "children", "men", "women", "employees"]
)


def extract_counts(
    sentence: str, gazetteer: Gazetteer, money_texts: Sequence[str] = ()
) -> list[Fact]:
    """Count facts of one sentence; numbers that belong to money expressions are skipped."""
    regex = _count_regex(sentence)
    if regex is None:
        return []
    blocked = [(sentence.find(t), sentence.find(t) + len(t)) for t in money_texts if t in sentence]
    facts = []
    for m in regex.finditer(sentence):
        if any(s <= m.start("num") < e for s, e in blocked):
            continue
        fact = _english_count(sentence, m, gazetteer)
        if fact is not None:
            facts.append(fact)
    if has_chinese(sentence):
        facts.extend(extract_chinese_counts(sentence, gazetteer, blocked))
    return facts


def _english_count(sentence: str, m: re.Match[str], gazetteer: Gazetteer) -> Fact | None:
    value = parse_amount(m.group("num"), m.group("scale"))
    if value is None or value <= 1 or _looks_like_year(m.group("num"), m.group("scale")):
        return None
    unit, unit_end = _counted_noun(m.group("words"), gazetteer, m.group("scale") is not None)
    if unit is None or unit in _FURNITURE:
        return None
    text = sentence[m.start("num") : m.start("words") + unit_end]
    kind = count_kind(unit)
    return Fact(
        kind=kind,
        text=text,
        key=f"{kind}:{unit}:{format_key_number(value)}",
        sentence=sentence,
        value=value,
        unit=unit,
        qualifier=qualifier_before(sentence, m.start()),
    )


def _looks_like_year(num: str, scale: str | None) -> bool:
    return scale is None and num.isdigit() and len(num) == 4 and 1900 <= int(num) <= 2100


def _counted_noun(words: str, gazetteer: Gazetteer, scaled: bool = False) -> tuple[str | None, int]:
    """(canonical unit, end offset in `words`) of the counted noun, or (None, 0). After a scale
    word a known noun may stand in the singular ("32 billion parameter model")."""
    tokens = list(_WORD.finditer(words))[:3]
    lowered = [token.group(0).lower() for token in tokens]
    for size in (3, 2):  # known multi-word nouns first: "postdoctoral research fellows"
        if len(tokens) >= size:
            phrase = " ".join(lowered[:size])
            if phrase in gazetteer.count_nouns:
                return gazetteer.count_nouns[phrase], tokens[size - 1].end()
    for index, (token, word) in enumerate(zip(tokens, lowered, strict=True)):
        if word in _STOP or word in _NOT_COUNTED or (index == 0 and word in ("of", "and")):
            return None, 0
        if _is_plural(word):
            return gazetteer.count_nouns.get(word, word), token.end()
        plural = canonical_unit(word)
        if scaled and plural is not None:
            return plural, token.end()
    return None, 0


def count_kind(unit: str) -> str:
    """`spec` for hardware units (cores, lanes, layers), else `count`."""
    return "spec" if unit in SPEC_COUNT_UNITS else "count"


def _is_plural(word: str) -> bool:
    if word in _IRREGULAR_PLURALS:
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))
