"""What changed in a story since its reader was last told: the material facts an update alert
is about, each said as a change ("amount: US$1 bn → US$1.5 bn (Bloomberg)").

Material means what a reader of the last alert would want to hear: a larger amount than any told
(a smaller one is usually a part of it), a headcount (new, or a new number for a unit told
before), a new product, a new person with a role. Facts the archive holds are not news.
Pure: the story's facts, the keys told and who first reported each key come in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.claims import AMOUNT_TOLERANCE, HEADCOUNT_UNITS
from rdwatch.intelligence.roles import plain_role
from rdwatch.models import Fact
from rdwatch.notability import is_market_figure

MAX_CHANGES = 5


@dataclass(frozen=True)
class Change:
    """One material change: `what` changed from `before` (None: nothing told) to `after`,
    first reported by `publisher`."""

    what: str
    after: str
    before: str | None = None
    publisher: str | None = None
    keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        value = f"{self.before} → {self.after}" if self.before else self.after
        return f"{self.what}: {value}" + (f" ({self.publisher})" if self.publisher else "")


def story_changes(
    facts: Sequence[Fact],
    told: Collection[str],
    archive_keys: Collection[str],
    settings: NotabilityConfig,
    reporters: Mapping[str, str] | None = None,
) -> tuple[Change, ...]:
    """The material changes of the story's facts since `told` (fact keys), largest news first."""
    reporters = reporters or {}
    known = [f for f in facts if f.key in told]
    fresh = [f for f in facts if f.key not in told and f.key not in archive_keys]
    changes = [
        *_amount(known, fresh, settings),
        *_headcounts(known, fresh, settings),
        *(Change("product", f.text, keys=(f.key,)) for f in fresh if f.kind == "product"),
        *(_person(f) for f in fresh if f.kind == "person" and f.role),
    ]
    return tuple(_attributed(c, reporters) for c in changes[:MAX_CHANGES])


def _significant_amounts(facts: Sequence[Fact], settings: NotabilityConfig) -> list[Fact]:
    return [
        f
        for f in facts
        if f.kind == "money"
        and (f.usd or 0) >= settings.money_usd_threshold
        and not is_market_figure(f, settings.market_terms)
    ]


def _amount(
    known: Sequence[Fact], fresh: Sequence[Fact], settings: NotabilityConfig
) -> list[Change]:
    new = _significant_amounts(fresh, settings)
    if not new:
        return []
    largest = max(new, key=lambda f: f.usd or 0)
    told = _significant_amounts(known, settings)
    before = max(told, key=lambda f: f.usd or 0) if told else None
    if before is not None and (largest.usd or 0) <= (before.usd or 0) * (1 + AMOUNT_TOLERANCE):
        return []  # not larger than what the reader was told
    return [
        Change(
            "amount",
            _money(largest),
            _money(before) if before else None,
            keys=(largest.key,),
        )
    ]


def _money(fact: Fact) -> str:
    from rdwatch.notify.amounts import format_money  # the notify package loads apprise

    return format_money(fact.value, fact.currency) or fact.text


def _headcounts(
    known: Sequence[Fact], fresh: Sequence[Fact], settings: NotabilityConfig
) -> list[Change]:
    changes = []
    seen: set[str] = set()
    for fact in fresh:
        unit = fact.unit or ""
        if fact.kind != "count" or unit in seen or not _is_headcount(fact, settings):
            continue
        seen.add(unit)
        told = [f for f in known if f.kind == "count" and f.unit == unit]
        before = f"{told[0].value:,.0f}" if told and told[0].value is not None else None
        after = f"{fact.value:,.0f}" if fact.value is not None else fact.text
        changes.append(Change(unit, after, before, keys=(fact.key,)))
    return changes


def _is_headcount(fact: Fact, settings: NotabilityConfig) -> bool:
    return fact.unit in HEADCOUNT_UNITS or (fact.value or 0) >= settings.count_threshold


def _person(fact: Fact) -> Change:
    role = plain_role(fact.role or "")
    where = f" of {fact.org}" if fact.org else ""
    return Change("person", f"{fact.text}, {role}{where}", keys=(fact.key,))


def _attributed(change: Change, reporters: Mapping[str, str]) -> Change:
    publisher = next((reporters[k] for k in change.keys if k in reporters), None)
    if publisher is None:
        return change
    return Change(change.what, change.after, change.before, publisher, change.keys)
