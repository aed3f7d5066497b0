"""People with roles: possessives, appositions, "as" roles, shared roles, credit lines and
Chinese titles, on texts written for these tests."""

from __future__ import annotations

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts, merge_facts
from rdwatch.models import Fact


def _people(text: str, gazetteer: Gazetteer, rates: RateTable) -> list[Fact]:
    return [f for f in extract_facts(text, gazetteer=gazetteer, rates=rates) if f.kind == "person"]


def test_a_possessive_is_the_same_person(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "Jack Ma's vision shaped the group. Jack Ma, the founder, spoke on Monday."
    people = _people(text, gazetteer, rates)
    assert [(p.key, p.role) for p in people] == [("person:jack ma", "Founder")]


def test_a_possessive_unknown_name_is_not_a_second_person(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    text = "Founder Lin Haoran's plan won support. Lin Haoran, the chief executive, said so."
    assert {p.key for p in _people(text, gazetteer, rates)} == {"person:lin haoran"}


def test_role_from_an_apposition(gazetteer: Gazetteer, rates: RateTable) -> None:
    (person,) = _people(
        "Zhou Wenbo, chief technology officer of Alibaba, said so.", gazetteer, rates
    )
    assert (person.key, person.role, person.org) == ("person:zhou wenbo", "CTO", "Alibaba Group")


def test_role_before_a_name(gazetteer: Gazetteer, rates: RateTable) -> None:
    (person,) = _people("The plan was approved by CEO Lin Haoran on Monday.", gazetteer, rates)
    assert (person.key, person.role) == ("person:lin haoran", "CEO")


def test_role_after_as(gazetteer: Gazetteer, rates: RateTable) -> None:
    (person,) = _people("The unit will be led by Lin Haoran as CEO.", gazetteer, rates)
    assert (person.key, person.role) == ("person:lin haoran", "CEO")


def test_two_people_share_an_apposition(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "Mei Ling and Tom Archer, analysts at Brightwater, said the cut was expected."
    people = {p.key: p.role for p in _people(text, gazetteer, rates)}
    assert people == {"person:mei ling": "Analyst", "person:tom archer": "Analyst"}


def test_a_sentence_opening_as_is_not_part_of_a_name(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    text = "As Tom Archer, chief market analyst at Brightwater, put it, the rally is fragile."
    assert [p.key for p in _people(text, gazetteer, rates)] == ["person:tom archer"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Reporting by Mei Ling and Tom Archer; Editing by Sam Hollis)",
         {"person:mei ling": "Reporter", "person:tom archer": "Reporter",
          "person:sam hollis": "Editor"}),
        ("Author: Tom Archer", {"person:tom archer": "Author"}),
        ("文丨王小川", {"person:王小川": "Author"}),
    ],
)  # fmt: skip
def test_credit_lines_name_people_with_their_credit(
    text: str, expected: dict[str, str], gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert {p.key: p.role for p in _people(text, gazetteer, rates)} == expected


@pytest.mark.parametrize(
    ("text", "key", "role"),
    [
        ("西湖大学校长李文博评价说，这是重大突破。", "person:李文博", "President"),
        ("券商分析师史家明在报告中表示，前景乐观。", "person:史家明", "Analyst"),
        ("阿里巴巴首席技术官张建锋出席了发布会。", "person:jeff zhang", "CTO"),
    ],
)
def test_chinese_titles_before_a_name(
    text: str, key: str, role: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert (key, role) in [(p.key, p.role) for p in _people(text, gazetteer, rates)]


def test_traditional_characters_resolve_like_simplified(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    facts = extract_facts("阿里巴巴達摩院發佈了新晶片。", gazetteer=gazetteer, rates=rates)
    assert "org:damo-academy" in [f.key for f in facts]


def test_one_person_per_story_with_the_most_specific_role(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    first = extract_facts("Lin Haoran said the plan works.", gazetteer=gazetteer, rates=rates)
    second = extract_facts(
        "Lin Haoran, chief executive of Brightfin, spoke.", gazetteer=gazetteer, rates=rates
    )
    people = [f for f in merge_facts([first, second]) if f.kind == "person"]
    assert [(p.key, p.role) for p in people] == [("person:lin haoran", "CEO")]


def test_the_more_specific_role_wins_whatever_the_order(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    vague = extract_facts("President Lin Haoran spoke.", gazetteer=gazetteer, rates=rates)
    exact = extract_facts(
        "Lin Haoran, executive vice president of Brightfin, spoke.",
        gazetteer=gazetteer,
        rates=rates,
    )
    for groups in ([vague, exact], [exact, vague]):
        people = [f for f in merge_facts(groups) if f.kind == "person"]
        assert [p.role for p in people] == ["Executive Vice President"]
