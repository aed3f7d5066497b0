"""Job titles compared: one role written two ways is one role; a past role is the role, left."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.intelligence.roles import is_past_role, plain_role, role_id, same_role


@pytest.mark.parametrize(
    ("role", "plain", "past"),
    [
        ("Director", "director", False),
        ("Academy's Director", "director", False),
        ("Lab's Former Director", "director", True),
        ("Former Director", "director", True),
        ("Outgoing Director", "director", True),
        ("ex-CEO", "CEO", True),
        ("Director of the quantum lab", "director", False),
        ("Chief Scientist", "chief scientist", False),
        ("", "", False),
    ],
)
def test_a_role_without_its_owner_place_or_tense(role: str, plain: str, past: bool) -> None:
    assert plain_role(role) == plain
    assert is_past_role(role) is past


def test_roles_written_two_ways_are_one_and_different_roles_are_not() -> None:
    assert same_role("Director", "Director of photonic systems")
    assert same_role("Former Director", "director")
    assert same_role("CTO", "Alibaba Cloud's CTO")
    assert not same_role("CTO", "Chief Scientist")
    assert not same_role("Director", "")


@given(st.text())
def test_role_normalisers_are_total_and_stable(role: str) -> None:
    once = role_id(role)
    assert role_id(once) == once
    assert same_role(role, role)
    assert plain_role(role) == plain_role(" ".join(role.split()))


@given(st.text(), st.text())
def test_same_role_is_symmetric(a: str, b: str) -> None:
    assert same_role(a, b) == same_role(b, a)
