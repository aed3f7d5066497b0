"""English money expressions: "$15 billion", "US$15B", "RMB 100 billion dollars", "200 billion
yuan", "$1-2 billion", "two million euros".

`EN_MONEY` is the pattern: a currency prefix and an amount, or an amount and a currency suffix.
`find_english_money` yields exactly what `re.compile(EN_MONEY).finditer` would, but runs the
pattern as three regexes (prefix first; digits then suffix; number word then suffix) and merges
their matches. The first two start with a plain character (a currency sign or prefix letter, a
digit), which lets `re` jump between the few places such a character occurs instead of entering
the whole alternation at every character: that alternation cost ~70 µs per sentence mentioning
money, more than the rest of the money extraction. The third, whose number words start with the
commonest letters, is tried only where substring searches find a number word, and neither of the
last two runs on a sentence without a currency word to end on.
"""

from __future__ import annotations

import re

from rdwatch.facts.numbers import NUMBER, SCALE_WORDS, WORDS, first_digit_digits
from rdwatch.facts.scanning import TriedAt, first_matches, trie_pattern

_PREFIXES = r"US\$|U\.S\.\s?\$|HK\$|S\$|\$|€|¥|￥|USD\s?|RMB\s?|CNY\s?|HKD\s?|EUR\s?|SGD\s?"
_SUFFIX = (
    r"(?:(?:US|U\.S\.|Hong Kong|Singapore)\s+dollars?|dollars?|yuan|renminbi|euros?"
    r"|RMB|CNY|USD|HKD|EUR|SGD)\b"
)
# A scale is a word ("billion", "bn") or a single letter glued to the number ("15B", "$3m").
_SCALE = rf"(?:\s?{SCALE_WORDS}|(?<=\d)[bBmMkK]\b)"
_AMOUNT = rf"(?P<num>{{number}})(?:\s?(?:-|to)\s?(?P<num2>{NUMBER}))?(?P<scale>{_SCALE})?"


def _suffixed(number: str) -> str:
    """An amount that starts with `number`, then a currency suffix (groups bnum, bnum2, bscale)."""
    amount = _AMOUNT.replace("num", "bnum").replace("scale", "bscale")
    return amount.replace("{bnumber}", number) + rf"\s?(?P<suf2>{_SUFFIX})"


_PREFIXED = rf"(?P<pre>{_PREFIXES})" + _AMOUNT.replace("{number}", NUMBER)
_PREFIXED += rf"(?:\s(?P<suf1>{_SUFFIX}))?"
EN_MONEY = f"{_PREFIXED}|{_suffixed(NUMBER)}"

# Every currency suffix holds one of these: without one, only a prefixed amount can match.
_SUFFIX_WORDS = ("dollar", "yuan", "renminbi", "euro", "RMB", "CNY", "USD", "HKD", "EUR", "SGD")
_WORD_LIST = WORDS.split("|")
_PREFIXED_RE = re.compile(_PREFIXED)
_DIGITS_SUFFIXED_RE = re.compile(_suffixed(first_digit_digits()))
# A number word starts with one of a few letters (in either case): tested before the alternation.
_WORDS_SUFFIXED_RE = re.compile(
    "(?=(?i:[{}])){}".format(
        "".join(sorted({word[0] for word in _WORD_LIST})),
        _suffixed(rf"(?i:{trie_pattern(_WORD_LIST)})\b"),
    )
)
# The letters outside ASCII that a case-insensitive pattern matches to an ASCII letter (ſ to s,
# K to k, İ and ı to i). With one of them about, the lower-cased sentence may not show every
# number word the pattern matches (`lower()` keeps ſ and ı, and makes İ two characters).
_FOLDS_TO_ASCII = "\u017f\u212a\u0130\u0131"


def find_english_money(sentence: str) -> list[re.Match[str]]:
    """The matches of `EN_MONEY` in the sentence, as `finditer` returns them.

    The single regex matches at each position its first alternative that matches there, else
    its second; the three regexes are those alternatives (the second split by its first
    character, a digit or a letter), so `first_matches` gives the same matches.
    """
    if not any(word in sentence for word in _SUFFIX_WORDS):
        return list(_PREFIXED_RE.finditer(sentence))
    starts = _number_word_starts(sentence)
    if starts is None:
        return first_matches((_PREFIXED_RE, _DIGITS_SUFFIXED_RE, _WORDS_SUFFIXED_RE), sentence)
    if not starts:
        return first_matches((_PREFIXED_RE, _DIGITS_SUFFIXED_RE), sentence)
    words = TriedAt(_WORDS_SUFFIXED_RE, starts)
    return first_matches((_PREFIXED_RE, _DIGITS_SUFFIXED_RE, words), sentence)


def _number_word_starts(sentence: str) -> list[int] | None:
    """Every position where a number word ("two", "Fifteen") starts, in order; None when that
    cannot be read off the lower-cased sentence. The regex that starts with a number word is
    tried only there, instead of at every character."""
    lowered = sentence.lower()
    if len(lowered) != len(sentence) or any(ch in sentence for ch in _FOLDS_TO_ASCII):
        return None
    starts: set[int] = set()
    for word in _WORD_LIST:
        at = lowered.find(word)
        while at >= 0:
            starts.add(at)
            at = lowered.find(word, at + 1)
    return sorted(starts)
