"""People, organisations, places, products, areas, dates and quotes through `extract_facts`."""

from __future__ import annotations

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts, watched_entities
from rdwatch.models import Fact


def _by_key(text: str, gazetteer: Gazetteer, rates: RateTable, **kw: object) -> dict[str, Fact]:
    facts = extract_facts(text, gazetteer=gazetteer, rates=rates, **kw)  # type: ignore[arg-type]
    return {f.key: f for f in facts}


def test_person_with_role_after_name(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _by_key("Jeff Zhang, Alibaba's chief technology officer, said so.", gazetteer, rates)
    person = facts["person:jeff zhang"]
    assert (person.role, person.org) == ("CTO", "Alibaba Group")


def test_person_with_title_before_name(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _by_key("Alibaba Group CFO Wu Wei spoke on Tuesday.", gazetteer, rates)
    assert (facts["person:wu wei"].role, facts["person:wu wei"].org) == ("CFO", "Alibaba Group")


def test_unknown_person_found_by_pattern(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "DAMO Academy opened a lab. Li Wenbo, chief scientist at the academy, led it."
    person = _by_key(text, gazetteer, rates)["person:li wenbo"]
    assert (person.role, person.org) == ("Chief Scientist", "DAMO Academy")


def test_not_a_person(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _by_key("Hangzhou, capital of Zhejiang province, said nothing.", gazetteer, rates)
    assert not [k for k in facts if k.startswith("person:")]


def test_org_aliases_share_one_key(gazetteer: Gazetteer, rates: RateTable) -> None:
    for alias in ("Damo", "DAMO Academy", "Dharma Academy", "达摩院", "Alibaba 'Damo' academy"):
        assert "org:damo-academy" in _by_key(f"{alias} opened a lab.", gazetteer, rates), alias
    assert "org:t-head" in _by_key("平头哥发布芯片。", gazetteer, rates)
    assert "org:t-head" in _by_key("Pingtouge launched a chip.", gazetteer, rates)


def test_publication_names_hide_places(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _by_key("Alibaba owns the South China Morning Post.", gazetteer, rates)
    assert "place:china" not in facts


def test_places_products_areas(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = (
        "The Hanguang 800 chip and the Feitian operating system came from Hangzhou labs "
        "working on machine learning and the Internet of Things in Yuhang district."
    )
    keys = set(_by_key(text, gazetteer, rates))
    assert {"product:hanguang-800", "product:apsara", "place:hangzhou", "place:yuhang"} <= keys
    assert {"area:machine learning", "area:iot", "area:semiconductors"} <= keys


def test_dates_and_periods(gazetteer: Gazetteer, rates: RateTable) -> None:
    from datetime import date

    text = (
        "It will invest over the next three years and reach users within two decades. "
        "Hiring starts in 2024. On September 30 it reported results. It began 11 years ago."
    )
    keys = set(_by_key(text, gazetteer, rates, published=date(2020, 10, 1)))
    assert {"date:next:3y", "date:next:20y", "date:2024", "date:2020-09-30", "date:ago:11y"} <= keys


def test_an_undated_page_keeps_month_and_day_without_inventing_a_year(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    text = "Alibaba said on Sept. 10 that it will split. Results come in April this year."
    dates = {k for k in _by_key(text, gazetteer, rates) if k.startswith("date:")}
    assert dates == {"date:--09-10"}


def test_quote_with_speaker_after(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = (
        '"The academy will be at the forefront of next-generation technology," '
        "Jeff Zhang, chief technology officer of Alibaba, said."
    )
    quotes = [f for f in _by_key(text, gazetteer, rates).values() if f.kind == "quote"]
    assert [q.speaker for q in quotes] == ["Jeff Zhang"]


def test_scare_quotes_are_not_quotes(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "Encouraging “self-blood creation” and then “crawler creation” in the market."
    assert not [f for f in _by_key(text, gazetteer, rates).values() if f.kind == "quote"]


def test_chinese_sentences(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "阿里巴巴宣布成立达摩院。未来三年投入1000亿元！平头哥发布含光800？"
    keys = set(_by_key(text, gazetteer, rates))
    assert {"org:alibaba-group", "org:damo-academy", "org:t-head", "product:hanguang-800"} <= keys
    assert {"money:cny:100000000000", "date:next:3y"} <= keys
    sentences = {f.sentence for f in _by_key(text, gazetteer, rates).values()}
    assert "平头哥发布含光800？" in sentences


def test_watched_entities_in_order(gazetteer: Gazetteer) -> None:
    text = "Aliyun and 达摩院 work with Tencent; Alibaba owns T-Head and Alibaba Cloud."
    assert watched_entities(text, gazetteer) == (
        "Alibaba Cloud",
        "DAMO Academy",
        "Alibaba Group",
        "T-Head",
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Moonshot AI's Kimi now reads long documents.", "product:kimi"),
        ("SenseTime updated SenseNova on Monday.", "product:sensenova"),
        ("Alibaba opened Tongyi Wanxiang to the public.", "product:tongyi-wanxiang"),
        ("百度发布文心一言。", "product:ernie-bot"),
    ],
)
def test_rival_models_are_products(
    text: str, key: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    """Other companies' models are products too: an analyst compares them with Qwen."""
    keys = {f.key for f in extract_facts(text, gazetteer=gazetteer, rates=rates)}
    assert key in keys and not any(k.startswith("org:sensenova") for k in keys)
