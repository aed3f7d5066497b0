"""What changed in a story since its reader was told: material facts, each said as a change."""

from __future__ import annotations

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.changes import Change, story_changes
from rdwatch.models import Fact

SETTINGS = NotabilityConfig()
ONE_BN = Fact("money", "US$1 billion", "money:usd:1e9", "It invests US$1 billion.",
              value=1e9, currency="USD", usd=1e9)  # fmt: skip
ONE_AND_A_HALF = Fact("money", "US$1.5 billion", "money:usd:1.5e9", "It puts in US$1.5 billion.",
                      value=1.5e9, currency="USD", usd=1.5e9)  # fmt: skip
PART = Fact("money", "US$200 million", "money:usd:2e8", "Phase one costs US$200 million.",
            value=2e8, currency="USD", usd=2e8)  # fmt: skip
ENGINEERS = Fact("count", "300 engineers", "count:engineers:300", value=300, unit="engineers")
MORE_ENGINEERS = Fact("count", "500 engineers", "count:engineers:500", value=500, unit="engineers")
CHIP = Fact("product", "Guangjian-2", "product:guangjian-2")
CHEN = Fact("person", "Chen Hao", "person:chen hao", role="Lab's Director", org="DAMO Academy")
QUOTED = Fact("person", "Ann Lee", "person:ann lee")  # no role: quoted, not news
PLACE = Fact("place", "Singapore", "place:singapore")


def _changes(facts: tuple[Fact, ...], told: set[str], **kwargs: object) -> list[str]:
    return [str(c) for c in story_changes(facts, told, set(), SETTINGS, **kwargs)]  # type: ignore[arg-type]


def test_a_larger_amount_is_a_change_from_the_one_told_with_who_reported_it() -> None:
    facts = (ONE_BN, ENGINEERS, ONE_AND_A_HALF)
    reporters = {ONE_AND_A_HALF.key: "Asia Ledger"}
    assert _changes(facts, {ONE_BN.key, ENGINEERS.key}, reporters=reporters) == [
        "amount: US$1 bn → US$1.5 bn (Asia Ledger)"
    ]


def test_a_smaller_amount_places_and_people_in_no_role_are_not_material() -> None:
    facts = (ONE_BN, PART, PLACE, QUOTED)
    assert _changes(facts, {ONE_BN.key}) == []


def test_headcounts_products_and_people_with_roles_are() -> None:
    facts = (ONE_BN, ENGINEERS, MORE_ENGINEERS, CHIP, CHEN)
    assert _changes(facts, {ONE_BN.key, ENGINEERS.key}) == [
        "engineers: 300 → 500",
        "product: Guangjian-2",
        "person: Chen Hao, director of DAMO Academy",
    ]


def test_what_the_archive_holds_and_what_was_told_are_no_change() -> None:
    facts = (ONE_BN, CHIP)
    assert story_changes(facts, {ONE_BN.key}, {CHIP.key}, SETTINGS) == ()
    assert story_changes(facts, {ONE_BN.key, CHIP.key}, set(), SETTINGS) == ()


def test_a_first_amount_has_nothing_before_it() -> None:
    assert story_changes((ONE_BN,), set(), set(), SETTINGS) == (
        Change("amount", "US$1 bn", keys=(ONE_BN.key,)),
    )
