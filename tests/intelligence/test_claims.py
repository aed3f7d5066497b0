"""What an article claims, and where a story's publishers disagree (amounts within a tolerance,
headcounts, people's roles, event dates); one outlet giving two values is no disagreement."""

from __future__ import annotations

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.claims import (
    MAX_PEOPLE,
    Claim,
    StoredClaim,
    article_claims,
    find_contradictions,
)
from rdwatch.models import Fact

SETTINGS = NotabilityConfig()


def _money(text: str, usd: float, currency: str = "USD", value: float | None = None) -> Fact:
    key = f"money:{currency.lower()}:{value or usd:g}"
    return Fact("money", text, key, f"It will invest {text}.", value=value or usd,
                currency=currency, usd=usd)  # fmt: skip


def _claims(*claims: tuple[str, str, str, float | None, str]) -> list[StoredClaim]:
    return [StoredClaim(*c) for c in claims]


def test_an_article_claims_its_largest_amount_its_headcounts_roles_and_event_dates() -> None:
    facts = (
        _money("US$200 million", 2e8),
        _money("RMB 7 billion", 9.7e8, "CNY", 7e9),
        _money("US$1 million", 1e6),  # below the significance threshold
        Fact("count", "300 engineers", "count:engineers:300", value=300, unit="engineers"),
        Fact("count", "12 patents", "count:patents:12", value=12, unit="patents"),
        Fact(
            "person", "Lin Meiqi", "person:lin meiqi", role="Academy's Director", org="DAMO Academy"
        ),
        Fact("date", "in March 2027", "date:2027-03", "The lab opens in March 2027."),
        Fact("date", "2025", "date:2025", "Work began in 2025 and ends in 2026."),
        Fact("date", "2026", "date:2026", "Work began in 2025 and ends in 2026."),
    )
    claims = article_claims(facts, SETTINGS)
    assert claims == (
        Claim("amount", "usd:9.7e+08", "RMB 7 bn (≈ US$970 m)", 9.7e8),
        Claim("count:engineers", "300", "300 engineers", 300),
        Claim("role:person:lin meiqi", "director", "director of DAMO Academy"),
        Claim("date:open", "2027-03", "March 2027"),
    )  # two dates in one sentence say nothing of either


def test_a_date_without_its_year_claims_nothing() -> None:
    """Beside another outlet's full date it would read as a disagreement."""
    facts = (Fact("date", "on Sept. 10", "date:--09-10", "The lab opens on Sept. 10."),)
    assert article_claims(facts, SETTINGS) == ()


def test_market_figures_are_no_amount_claim_and_people_are_bounded() -> None:
    sentence = "Quarterly revenue was US$30 billion."
    revenue = Fact("money", "US$30 billion", "money:usd:3e10", sentence, usd=3e10)
    people = [
        Fact("person", f"Person {i}", f"person:p{i}", role="Director")
        for i in range(MAX_PEOPLE + 3)
    ]
    claims = article_claims((revenue, *people), SETTINGS)
    assert [c.subject for c in claims] == [f"role:person:p{i}" for i in range(MAX_PEOPLE)]


def test_amounts_that_differ_beyond_the_tolerance_contradict() -> None:
    claims = _claims(
        ("amount", "usd:1e+09", "US$1 bn", 1e9, "Harbour Wire"),
        ("amount", "usd:9.7e+08", "RMB 7 bn (≈ US$970 m)", 9.7e8, "Delta Daily"),
        ("amount", "usd:1.5e+09", "US$1.5 bn", 1.5e9, "Asia Ledger"),
    )
    [found] = find_contradictions(claims)
    assert str(found) == "amount: US$1 bn (Harbour Wire, Delta Daily) vs US$1.5 bn (Asia Ledger)"
    assert found.to_dict()["values"] == [
        {"value": "US$1 bn", "publishers": ["Harbour Wire", "Delta Daily"]},
        {"value": "US$1.5 bn", "publishers": ["Asia Ledger"]},
    ]


def test_agreeing_reports_and_one_outlets_revision_are_no_contradiction() -> None:
    agree = _claims(
        ("amount", "usd:1e+09", "US$1 bn", 1e9, "Harbour Wire"),
        ("amount", "usd:9.7e+08", "RMB 7 bn", 9.7e8, "Delta Daily"),  # within 10%
        ("count:engineers", "300", "300 engineers", 300, "Harbour Wire"),
        ("count:engineers", "300", "300 engineers", 300, "Asia Ledger"),
    )
    assert find_contradictions(agree) == ()
    revised = _claims(
        ("amount", "usd:1e+09", "US$1 bn", 1e9, "Harbour Wire"),
        ("amount", "usd:1.5e+09", "US$1.5 bn", 1.5e9, "Harbour Wire"),
    )
    assert find_contradictions(revised) == ()


def test_headcounts_roles_and_dates_contradict_by_their_own_rules() -> None:
    claims = _claims(
        ("count:engineers", "300", "300 engineers", 300, "A"),
        ("count:engineers", "500", "500 engineers", 500, "B"),
        ("role:person:lin meiqi", "director", "director", None, "A"),
        ("role:person:lin meiqi", "lab director", "lab director", None, "C"),  # the same role
        ("role:person:lin meiqi", "chief scientist", "chief scientist", None, "B"),
        ("date:open", "2027", "2027", None, "A"),
        ("date:open", "2027-03", "March 2027", None, "B"),  # within 2027: no contradiction
    )
    found = find_contradictions(claims, {"person:lin meiqi": "Lin Meiqi"})
    assert [str(c) for c in found] == [
        "engineers: 300 engineers (A) vs 500 engineers (B)",
        "Lin Meiqi's role: director (A, C) vs chief scientist (B)",
    ]
    dates = _claims(("date:open", "2027-03", "March 2027", None, "A"),
                    ("date:open", "2027-06", "June 2027", None, "B"))  # fmt: skip
    assert [str(c) for c in find_contradictions(dates)] == [
        "opening date: March 2027 (A) vs June 2027 (B)"
    ]
