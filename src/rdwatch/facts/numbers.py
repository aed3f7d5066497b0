"""Numbers as articles write them: digits with separators, number words, scale words, and (through
`chinese_numbers`) Chinese numerals.

`parse_number("25,000")`, `parse_number("two")`, `parse_number("三")` and
`parse_amount("1.5", "billion")` are pure and never raise on arbitrary text: they return None for
what they cannot read. `format_key_number` renders a value for fact keys (integers without
separators, so "US$15B" and "$15 billion" share `money:usd:15000000000`).
"""

from __future__ import annotations

import math
import re

from rdwatch.facts.chinese_numbers import parse_chinese_number
from rdwatch.facts.scanning import trie_pattern

WORD_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "a hundred": 100, "dozen": 12, "a dozen": 12,
}  # fmt: skip

SCALES: dict[str, float] = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "tr": 1e12,
    "千": 1e3, "万": 1e4, "十万": 1e5, "百万": 1e6, "千万": 1e7, "亿": 1e8, "万亿": 1e12,
}  # fmt: skip

# Regex fragments shared by the money, count and date patterns.
DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
WORDS = "|".join(sorted((w for w in WORD_NUMBERS if " " not in w), key=len, reverse=True))
# The words as a trie: the engine tries this at every character of a sentence. Only one number word
# can be followed by a word boundary at a given position, so the trie matches what WORDS would.
NUMBER = rf"(?:{DIGITS}|(?i:{trie_pattern(WORDS.split('|'))})\b)"
SCALE_WORDS = r"(?i:trillion|billion|million|thousand|bn|mln|mn|tn)\b"
_DIGITS_RE = re.compile(rf"(?:{DIGITS})")


def first_digit_digits(after_first: str = "") -> str:
    """`DIGITS` with the first digit taken out of both alternatives (and `after_first`, typically
    a lookbehind, right after it). A pattern that starts with this starts with a plain digit,
    which lets `re` jump from digit to digit instead of trying the pattern at every character.
    Greedy `\\d{1,3}` tries 3, 2, then 1 digits, as `\\d\\d{0,2}` does: both match alike."""
    return rf"\d{after_first}(?:\d{{0,2}}(?:,\d{{3}})+(?:\.\d+)?|\d*(?:\.\d+)?)"


def parse_number(token: str) -> float | None:
    """Value of a number as written, or None: '25,000' → 25000, 'two' → 2, '三' → 3."""
    token = token.strip()
    if not token:
        return None
    if _DIGITS_RE.fullmatch(token):
        value = float(token.replace(",", ""))
        return value if math.isfinite(value) else None  # 400 digits overflow to inf
    lowered = " ".join(token.lower().split())
    if lowered in WORD_NUMBERS:
        return float(WORD_NUMBERS[lowered])
    # Chinese numerals, full-width digits and digits with a 万/亿 inside ("2.5万").
    return parse_chinese_number(token)


def parse_scale(word: str | None) -> float | None:
    """Multiplier of a scale word ('billion', 'bn', 'M', '亿'); 1.0 for none; None if unknown."""
    if word is None or not word.strip():
        return 1.0
    return SCALES.get(word.strip().lower())


def parse_amount(number: str, scale: str | None = None) -> float | None:
    """'1.5' + 'billion' → 1.5e9; None when either part cannot be read."""
    value, multiplier = parse_number(number), parse_scale(scale)
    if value is None or multiplier is None:
        return None
    return value * multiplier


def format_key_number(value: float) -> str:
    """Stable text for a key: whole numbers without decimals, others with up to 6 significant."""
    if value == int(value):
        return str(int(value))
    rounded = round(value)
    if rounded >= 1000:
        return str(rounded)
    return f"{value:.6g}"
