"""Money facts through the public `extract_facts`."""

from __future__ import annotations

from datetime import date

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.models import Fact


def _money(text: str, gazetteer: Gazetteer, rates: RateTable, **kw: object) -> list[Fact]:
    facts = extract_facts(text, gazetteer=gazetteer, rates=rates, **kw)  # type: ignore[arg-type]
    return [f for f in facts if f.kind == "money"]


@pytest.mark.parametrize(
    ("text", "key", "currency", "value"),
    [
        ("Alibaba will invest $15 billion.", "money:usd:15000000000", "USD", 15e9),
        ("Alibaba invests US$15B in research.", "money:usd:15000000000", "USD", 15e9),
        ("It spent 200 billion yuan on cloud.", "money:cny:200000000000", "CNY", 200e9),
        ("Spending surpassed RMB 100 billion dollars.", "money:cny:100000000000", "CNY", 100e9),
        ("It raised HK$3.5m last week.", "money:hkd:3500000", "HKD", 3.5e6),
        ("The fund holds €20 million.", "money:eur:20000000", "EUR", 20e6),
        ("阿里巴巴将投入1000亿元。", "money:cny:100000000000", "CNY", 100e9),
        ("投资200亿美元。", "money:usd:20000000000", "USD", 20e9),
    ],
)
def test_amount_currency_and_key(
    text: str, key: str, currency: str, value: float, gazetteer: Gazetteer, rates: RateTable
) -> None:
    (fact,) = _money(text, gazetteer, rates)
    assert (fact.key, fact.currency, fact.value) == (key, currency, value), fact


def test_two_currencies_are_one_fact_with_stated_usd(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    (fact,) = _money("Each receives a 1 million yuan (US$140,000) award.", gazetteer, rates)
    assert fact.text == "1 million yuan (US$140,000)"
    assert (fact.value, fact.currency, fact.usd) == (1e6, "CNY", 140_000)
    assert fact.key == "money:usd:140000"


def test_or_restatement_is_one_fact(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _money("It earned $254 million or 1.76 billion yuan.", gazetteer, rates)
    assert [(f.key, f.usd) for f in facts] == [("money:usd:254000000", 254e6)]


def test_usd_uses_rate_of_publication_date(gazetteer: Gazetteer, rates: RateTable) -> None:
    (old,) = _money("It spent 100 yuan.", gazetteer, rates, published=date(2017, 6, 1))
    (new,) = _money("It spent 100 yuan.", gazetteer, rates, published=date(2023, 6, 1))
    assert old.usd == pytest.approx(100 * rates.rate_for("CNY", date(2017, 6, 1)))
    assert new.usd == pytest.approx(100 * rates.rate_for("CNY", date(2023, 6, 1)))
    assert old.usd != new.usd


def test_qualifier_and_range(gazetteer: Gazetteer, rates: RateTable) -> None:
    (about,) = _money("It invested approximately US$2 billion.", gazetteer, rates)
    assert about.qualifier == "about"
    assert about.key == "money:usd:2000000000"
    (span,) = _money("A deal worth $1-2 billion.", gazetteer, rates)
    assert span.key == "money:usd:1000000000-2000000000"
    assert span.value == 1e9


def test_counts_and_years_are_not_money(gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _money("It serves 2 billion customers since 2017.", gazetteer, rates) == []
