"""merge_facts, and the gazetteer / rate files' validation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rdwatch.errors import ConfigError
from rdwatch.facts import (
    Gazetteer,
    RateTable,
    extract_facts,
    load_gazetteer,
    load_rates,
    merge_facts,
)
from rdwatch.models import Fact


def test_merge_keeps_first_sentence_and_completes_attributes() -> None:
    first = Fact(kind="person", text="Jeff Zhang", key="person:jeff zhang", sentence="one")
    second = Fact(
        kind="person", text="Jeff Zhang", key="person:jeff zhang", sentence="two", role="CTO"
    )
    other = Fact(kind="org", text="DAMO Academy", key="org:damo-academy", sentence="two")
    merged = merge_facts([[first], [second, other]])
    assert [f.key for f in merged] == ["person:jeff zhang", "org:damo-academy"]
    assert (merged[0].sentence, merged[0].role) == ("one", "CTO")


def test_same_story_from_two_outlets_merges(gazetteer: Gazetteer, rates: RateTable) -> None:
    a = extract_facts("Alibaba will invest $15 billion in Damo.", gazetteer=gazetteer, rates=rates)
    b = extract_facts("Alibaba invests US$15B in DAMO Academy.", gazetteer=gazetteer, rates=rates)
    merged = merge_facts([a, b])
    assert len(merged) == len({f.key for f in a} | {f.key for f in b}) == 3


def test_one_fact_per_key_per_article(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = extract_facts(
        "Damo hires. Damo grows. $1 billion, $1 billion.", gazetteer=gazetteer, rates=rates
    )
    keys = [f.key for f in facts]
    assert len(keys) == len(set(keys))


def test_rate_table_dates(rates: RateTable) -> None:
    assert rates.rate_for("USD") == 1.0
    assert rates.rate_for("CNY", date(2017, 5, 1)) == pytest.approx(0.148)
    assert rates.rate_for("CNY", date(1990, 1, 1)) == rates.rates["CNY"][0][1]
    assert rates.rate_for("cny") == rates.rates["CNY"][-1][1]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("rates: {CNY: [{from: 2020-01-01, usd: 0.1}]}", "rates.USD"),
        ("rates: {USD: [{from: 2020-01-01, usd: -1}]}", "rates.USD[0].usd"),
        ("rates: {USD: [{from: soon, usd: 1}]}", "rates.USD[0].from"),
        ("[1, 2]", "rates"),
    ],
)
def test_bad_rates_name_file_and_key(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "rates.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_rates(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("watched: [{aliases: [X]}]", "watched[0].name"),
        ("watched: [{name: X, aliases: X}]", "watched[0].aliases"),
        ("watched: []\nplaces: [{name: Y, aliases: [1]}]", "places[0].aliases"),
        ("watched: []\nroles: [CTO]", "roles"),
        ("watched: []\nbogus: []", "bogus"),
        ("{", "cannot read"),
    ],
)
def test_bad_gazetteer_names_file_and_key(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_gazetteer(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        load_gazetteer(tmp_path / "nope.yaml")


def test_shipped_gazetteer_has_watched_entities(gazetteer: Gazetteer) -> None:
    names = {e.name for e in gazetteer.watched}
    assert {"Alibaba Group", "DAMO Academy", "T-Head", "Alibaba Cloud"} <= names
