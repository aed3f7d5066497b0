"""Count facts through the public `extract_facts`."""

from __future__ import annotations

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts


def _counts(text: str, gazetteer: Gazetteer, rates: RateTable) -> list[str]:
    facts = extract_facts(text, gazetteer=gazetteer, rates=rates)
    return [f.key for f in facts if f.kind == "count"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("It will hire 100 researchers.", "count:researchers:100"),
        ("Alibaba has 25,000 engineers.", "count:engineers:25000"),
        ("It presented more than 500 articles at conferences.", "count:papers:500"),
        ("Damo will recruit 30 postdoctoral candidates.", "count:postdocs:30"),
        ("The goal is two billion customers.", "count:customers:2000000000"),
        ("It serves 2 billion customers.", "count:customers:2000000000"),
        ("It partners with 100 universities across 20 countries.", "count:universities:100"),
        ("It has eight research bases.", "count:research bases:8"),
        ("计划引进100名研究人员。", "count:researchers:100"),
        # An em dash between words ends the counted phrase, as a space would.
        (
            "Its model has 32 billion parameters—far fewer than others.",
            "count:parameters:32000000000",
        ),
    ],
)
def test_count_key(text: str, key: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert key in _counts(text, gazetteer, rates)


@pytest.mark.parametrize(
    "text",
    [
        "Alibaba first invested 11 years ago.",
        "Revenue grew 115 percent.",
        "It plans to train 100 such researchers.",
        "It launched in 2024 with partners.",
        "It will invest $15 billion.",
        "It has fewer than the rival's 671 billion—it still delivers.",
    ],
)
def test_not_counts(text: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _counts(text, gazetteer, rates) == []


def test_count_keeps_qualifier_outside_key(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = extract_facts("It hired more than 100 researchers.", gazetteer=gazetteer, rates=rates)
    (fact,) = [f for f in facts if f.kind == "count"]
    assert (fact.key, fact.qualifier, fact.unit) == (
        "count:researchers:100",
        "more than",
        "researchers",
    )
