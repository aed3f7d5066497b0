"""Percentages, specs, unit prices, market figures and page furniture, on texts written here."""

from __future__ import annotations

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.models import Fact


def _facts(text: str, gazetteer: Gazetteer, rates: RateTable) -> list[Fact]:
    return list(extract_facts(text, gazetteer=gazetteer, rates=rates))


def _keys(text: str, gazetteer: Gazetteer, rates: RateTable, *kinds: str) -> list[str]:
    return [f.key for f in _facts(text, gazetteer, rates) if f.kind in kinds]


@pytest.mark.parametrize(
    "text",
    [
        "The chip uses a 5nm process.",
        "The chip uses a 5-nanometre process.",
        "It is built on 5 nanometer technology.",
        "芯片采用5纳米工艺。",
        "晶片採用5納米製程。",
    ],
)
def test_process_node_spellings_share_one_spec_key(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert _keys(text, gazetteer, rates, "spec") == ["spec:nm:5"]


@pytest.mark.parametrize(
    "text",
    ["A 128-core server CPU.", "The CPU has 128 cores.", "该处理器拥有128核。", "拥有128个核心。"],
)
def test_core_count_spellings_share_one_spec_key(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert _keys(text, gazetteer, rates, "spec") == ["spec:cores:128"]


def test_clock_speed_is_a_spec(gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _keys("It runs at up to 3.2GHz.", gazetteer, rates, "spec") == ["spec:ghz:3.2"]


def test_a_known_noun_after_a_scale_may_be_singular(gazetteer: Gazetteer, rates: RateTable) -> None:
    keys = _keys("A 32 billion parameter model.", gazetteer, rates, "count")
    assert keys == ["count:parameters:32000000000"]


@pytest.mark.parametrize(
    ("text", "key", "shown"),
    [
        ("Prices fell by 97% this week.", "percent:97", "97%"),
        ("Accuracy reached more than 90 per cent.", "percent:90", "more than 90 per cent"),
        ("错误率下降了近20%。", "percent:20", "近20%"),
    ],
)
def test_percentages_keep_their_hedge_in_the_text_not_the_key(
    text: str, key: str, shown: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    (fact,) = [f for f in _facts(text, gazetteer, rates) if f.kind == "percent"]
    assert (fact.key, fact.text) == (key, shown)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Its shares rose 8% in Hong Kong trading.", "market:pct:8"),
        ("The stock closed at HK$161.60 on Friday.", "market:hkd:161.6"),
        ("Quarterly revenue was 100 billion yuan.", "market:cny:100000000000"),
        ("The deal wiped US$20 billion off its market value.", "market:usd:20000000000"),
    ],
)
def test_market_figures_are_kind_market(
    text: str, key: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    facts = _facts(text, gazetteer, rates)
    assert key in [f.key for f in facts if f.kind == "market"], facts
    assert not [f for f in facts if f.kind in ("money", "percent")], facts


def test_an_investment_stays_money_next_to_a_share_move(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    facts = _facts("Its shares rose after it said it would invest $15 billion.", gazetteer, rates)
    assert [f.key for f in facts if f.kind == "money"] == ["money:usd:15000000000"]


@pytest.mark.parametrize(
    "text",
    [
        "The price is 0.0005 yuan/1000 tokens.",
        "The price is 0.5 yuan per million tokens.",
        "价格降至0.0005元/千tokens。",
    ],
)
def test_unit_prices_share_one_key_per_token(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert _keys(text, gazetteer, rates, "price") == ["price:cny/token:5e-07"]


@pytest.mark.parametrize(
    "text",
    [
        "11,216 views and 302 likes",
        "The post has 4,500 shares and 120 comments.",
        "Join 25,000 followers and 9,000 subscribers.",
    ],
)
def test_page_furniture_is_not_a_count(text: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _keys(text, gazetteer, rates, "count") == []
