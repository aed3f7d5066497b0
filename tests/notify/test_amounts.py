"""One amount once: merged across currencies, in its own currency with the dollars beside it."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from rdwatch.models import Fact
from rdwatch.notify.amounts import format_money, format_number, merge_amounts

YUAN = Fact("money", "2 billion yuan", "money:cny:2e9", value=2e9, currency="CNY", usd=2.78e8)
DOLLARS = Fact(
    "money", "US$280 million", "money:usd:2.8e8", value=2.8e8, currency="USD", usd=2.8e8,
    qualifier="about",
)  # fmt: skip
BIG = Fact(
    "money", "more than US$15 billion", "money:usd:1.5e10", value=1.5e10, currency="USD",
    usd=1.5e10, qualifier="more than",
)  # fmt: skip


def test_the_same_amount_in_two_currencies_is_one_amount() -> None:
    amounts = merge_amounts([YUAN, BIG, DOLLARS])
    assert [a.label for a in amounts] == ["RMB 2 bn (≈ US$280 m)", "more than US$15 bn"]
    assert amounts[0].keys == ("money:cny:2e9", "money:usd:2.8e8")
    assert amounts[0].short == "RMB 2 bn"


def test_numbers_read_like_a_newspaper() -> None:
    cases = {2e9: "2 bn", 1.76e9: "1.76 bn", 2.78e8: "278 m", 9.996e8: "1 bn", 1.2e12: "1.2 tn",
             140_000: "140,000", 161.6: "161.6"}  # fmt: skip
    assert {v: format_number(v) for v in cases} == cases
    assert format_money(1.5e9, "HKD") == "HK$1.5 bn"
    assert format_money(5e6, "JPY") == "JPY 5 m"
    assert format_money(None, "USD") == ""


@given(st.floats(min_value=1, max_value=1e14, allow_nan=False))
def test_a_formatted_number_stays_within_half_a_percent(value: float) -> None:
    text = format_number(value)
    number, _, scale = text.partition(" ")
    factor = {"tn": 1e12, "bn": 1e9, "m": 1e6, "": 1.0}[scale]
    shown = float(number.replace(",", "")) * factor
    assert abs(shown - value) <= 0.005 * value + 0.5, (value, text)
    assert re.fullmatch(r"[\d,.]+(?: (?:tn|bn|m))?", text), text


@given(st.lists(st.floats(min_value=1e3, max_value=1e12, allow_nan=False), max_size=8))
def test_merging_loses_no_fact_and_joins_only_close_amounts(values: list[float]) -> None:
    facts = [
        Fact("money", f"US${v:,.0f}", f"money:usd:{i}", value=v, currency="USD", usd=v)
        for i, v in enumerate(values)
    ]
    amounts = merge_amounts(facts)
    assert sorted(k for a in amounts for k in a.keys) == sorted(f.key for f in facts)
    for amount in amounts:
        first = amount.facts[0].value or 0.0
        assert all(
            abs((f.value or 0.0) - first) <= 0.04 * max(f.value or 0, first) for f in amount.facts
        )
