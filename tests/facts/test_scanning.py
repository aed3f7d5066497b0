"""The fast forms of the fact patterns match exactly what their plain forms match.

Extraction speed comes from rewriting patterns so that Python's `re` can skip most of a
sentence (`rdwatch.facts.scanning`). Each rewrite must not change a single match: these property
tests run the fast form and the plain form over texts built from the tokens the patterns care
about (numbers, number words in odd cases, currencies, months, titles, names, aliases, the
letters that case-insensitive matching folds to ASCII) and compare every match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch.facts import (
    counts,
    dates,
    entities,
    gazetteer,
    names,
    people,
    qualifiers,
    sentences,
)
from rdwatch.facts.english_money import EN_MONEY, find_english_money
from rdwatch.facts.numbers import DIGITS, SCALE_WORDS
from rdwatch.facts.qualifiers import qualifier_before
from rdwatch.facts.scanning import first_matches, matches_near, trie_pattern

ROOT = Path(__file__).resolve().parents[2]
_ALIASES = [
    alias
    for entity in gazetteer.load_gazetteer(ROOT / "config" / "gazetteer.yaml").entities
    for alias in (entity.name, *entity.aliases)
]
_TOKENS = [
    token
    for line in (
        "one two Two TWO three fifteen Fifteen eighteen ninety twone someone often tens",
        "ſix fıve FİVE K $ US$ U.S.$ HK$ S$ € ¥ ￥ USD RMB CNY HKD EUR SGD dollars dollar",
        "yuan renminbi euros US billion bn million m B k 5 15 2 1,000 1,000,000 1,000,00",
        "1.76 254 2017 2019 2020 1999 20201 3-5 1-2 to - 100 30 25,000 January September",
        "Sept Sep. Oct. May this year last year in In On on the fourth quarter of first",
        "1st end of mid- mid late since Since by through next within years year decades",
        "months ago past over more than about nearly up to at least Chief Technology",
        "Officer CEO Chairman and & Vice President Founder said says Jeff Zhang Wu Wei",
        "Officer Alibaba's Academy Lab Institute University Province district researchers",
        "engineers postdoctoral candidates percent , . ; : ( ) ! ? “ ” \" ' — 。 ！ 年 月 日 亿元",
        "美元 1000亿元 首席技术官 阿里巴巴",
    )
    for token in line.split()
]
# Whole phrases, so that the longer patterns (dates, ranges, titles) get to match.
_PHRASES = (
    "fourth quarter of 2019", "in September, this year", "In Sept. 2018", "On September 30",
    "end of 2019", "mid-2020", "September 30th, 2017", "12 Oct 2016", "2019-01-15",
    "2017年7月25日", "125,000 engineers", "three billion yuan", "US$2-3 billion",
    "RMB 100 billion dollars", "over the next three years", "Chief Technology Officer Jeff Zhang",
    "Jeff Zhang, chief technology officer of Alibaba", "Wu Wei said", "more than 100 researchers",
    "senior vice president Wu Wei", "and chief executive, Jack Ma", "& founder Jack Ma",
    "ex-Alibaba", "ex-Damo Academy", "_Alibaba", "3Alibaba", "(Alibaba Cloud)", "Alibaba-backed",
)  # fmt: skip
_text = st.lists(
    st.one_of(
        st.sampled_from(_TOKENS),
        st.sampled_from(_PHRASES),
        st.sampled_from(_ALIASES),
        st.text(max_size=3),
    ),
    max_size=30,
).flatmap(lambda words: st.sampled_from([" ", "", "  ", "\n"]).map(lambda sep: sep.join(words)))


def _spans(matches: Iterable[re.Match[str]]) -> list[tuple[tuple[int, int], dict[str, str]]]:
    """Each match's span and the named groups it set (a split regex lacks the other groups)."""
    return [(m.span(), {k: v for k, v in m.groupdict().items() if v is not None}) for m in matches]


# (fast regex, the plain pattern it replaces)
_REWRITES = {
    "sentence boundary": (
        sentences._BOUNDARY,
        r"[.!?][\"'”)\]]*\s+(?=[\"'“(\[]*[A-Z0-9\u3400-\u9fff])|[。！？][\"'”」』]*",
    ),
    "name pair": (people._NAME_PAIR, r"(?=\b([A-Z][a-z']+[ -][A-Z][a-z']+))"),
    "role before name": (
        people._ROLE_BEFORE,
        people._ROLE_BEFORE.pattern.replace(people._ROLE_START, "", 1),
    ),
    "place suffix": (
        entities._PLACE_SUFFIX,
        r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) ([Dd]istrict|[Pp]rovince|[Cc]ounty|[Cc]ity)\b",
    ),
    **{
        f"name ({label})": (regex, regex.pattern.replace(names._CAP, r"(?<![A-Za-z0-9_.\-&])[A-Z]"))
        for label, regex in (
            ("inner capitals", names._CAMEL),
            ("version", names._VERSIONED),
            ("variant", names._WITH_VARIANT),
        )
    },
    "count with digits": (
        counts._COUNT_DIGITS,
        counts._COUNT_TEMPLATE.format(
            start=rf"(?<!{counts._NOT_AFTER})", number=f"(?:{DIGITS})", scale=SCALE_WORDS
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(_REWRITES))
@given(text=_text)
@settings(max_examples=300)
def test_rewritten_pattern_matches_as_the_plain_one(name: str, text: str) -> None:
    fast, plain = _REWRITES[name]
    if name == "name pair":  # the fast form puts the pair's first capital outside group 1
        got = [(m.start(), m.end(1)) for m in fast.finditer(text)]
        assert got == [m.span(1) for m in re.finditer(plain, text)]
    else:
        assert _spans(fast.finditer(text)) == _spans(re.finditer(plain, text))


def _latin_alias_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    latin = [alias for alias in _ALIASES if alias.isascii()]
    fast = gazetteer._compile(latin, 0, first_char=True)
    plain = gazetteer._compile(latin, 0)
    assert fast is not None and plain is not None
    return fast, plain


# Compiled once: the gazetteer has hundreds of aliases.
_LATIN_ALIAS_REGEXES = _latin_alias_regexes()


@given(text=_text)
@settings(max_examples=300)
def test_alias_regex_starting_with_the_first_character_matches_as_the_plain_one(
    text: str,
) -> None:
    fast, plain = _LATIN_ALIAS_REGEXES
    assert _spans(fast.finditer(text)) == _spans(plain.finditer(text))


@given(text=_text)
@settings(max_examples=500)
def test_english_money_is_finditer_of_the_single_regex(text: str) -> None:
    assert _spans(find_english_money(text)) == _spans(re.finditer(EN_MONEY, text))


@pytest.mark.parametrize("family", sorted(dates._ANCHORS))
@given(text=_text)
@settings(max_examples=300)
def test_date_family_near_its_anchors_is_finditer(family: str, text: str) -> None:
    assert _spans(dates._matches(family, text)) == _spans(dates._REGEXES[family].finditer(text))


@given(text=_text, start=st.integers(min_value=0, max_value=80))
def test_qualifier_search_from_the_nearest_possible_start(text: str, start: int) -> None:
    start = min(start, len(text))
    plain = qualifiers._BEFORE.search(text, max(0, start - 24), start)
    expected = qualifiers.normalise_qualifier(plain.group(1) or plain.group(2)) if plain else None
    assert qualifier_before(text, start) == expected


_WORDS = st.lists(st.text("abc", min_size=1, max_size=4), min_size=1, max_size=6)


@given(words=_WORDS, text=st.text("abc -", max_size=40))
def test_trie_matches_as_the_alternation_when_one_word_can_end_there(
    words: list[str], text: str
) -> None:
    plain = "|".join(sorted(set(words), key=len, reverse=True))
    assert _spans(re.finditer(rf"(?:{trie_pattern(words)})\b", text)) == _spans(
        re.finditer(rf"(?:{plain})\b", text)
    )


_PARTS = ("ab+", r"a\d", "b+c", "c")


@given(text=st.text("abc1 ", max_size=40))
def test_first_matches_is_finditer_of_the_alternation(text: str) -> None:
    regexes = [re.compile(part) for part in _PARTS]
    alternation = "|".join(f"(?:{part})" for part in _PARTS)
    assert _spans(first_matches(regexes, text)) == _spans(re.finditer(alternation, text))


@given(text=st.text("xyY12 ", max_size=50))
def test_matches_near_is_finditer(text: str) -> None:
    # Every match holds a "Y" at most 3 characters after its start and reads at most 8.
    regex = re.compile(r"(?<!x)x{0,3}Y\d{1,2}(?!\d)")
    anchor = re.compile("Y")
    assert _spans(matches_near(regex, anchor, 3, 8, text)) == _spans(regex.finditer(text))
