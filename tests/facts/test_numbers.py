"""Property tests for the number and money normalisers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.facts.money import find_amounts
from rdwatch.facts.numbers import SCALES, format_key_number, parse_amount, parse_number

SCALE_WORDS = ["thousand", "million", "billion", "trillion", "bn", "万", "亿"]


@given(st.integers(min_value=0, max_value=10**15))
def test_number_with_commas_parses_back(n: int) -> None:
    assert parse_number(f"{n:,}") == n


@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(SCALE_WORDS))
def test_number_and_scale_word_parse_back(n: int, scale: str) -> None:
    assert parse_amount(f"{n:,}", scale) == n * SCALES[scale]


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["billion", "million", "bn"]))
def test_dollar_amount_round_trips_through_text(n: int, scale: str) -> None:
    (amount,) = find_amounts(f"The company will invest ${n:,} {scale} next year.")
    assert amount.currency == "USD"
    assert amount.value == n * SCALES[scale]


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(["亿元", "万元", "亿美元"]))
def test_chinese_amount_round_trips(n: int, unit: str) -> None:
    (amount,) = find_amounts(f"公司将投入{n}{unit}。")
    assert amount.value == n * SCALES[unit[0]]
    assert amount.currency == ("USD" if unit.endswith("美元") else "CNY")


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_key_number_is_stable(value: float) -> None:
    text = format_key_number(value)
    assert text == format_key_number(float(text))


@given(st.text(max_size=200))
def test_parsers_never_raise(text: str) -> None:
    parse_number(text)
    parse_amount(text, text)
    find_amounts(text)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400))
def test_extract_facts_never_raises(text: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    for fact in extract_facts(text, title=text[:20], gazetteer=gazetteer, rates=rates):
        assert fact.key.startswith(fact.kind + ":")
