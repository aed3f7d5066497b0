"""What an article claims, and where a story's publishers disagree.

An article's claims are the facts two reports of one event can state differently: its main
amount (the largest significant one, in USD), its headcounts (per unit: engineers, researchers…),
the role of each person it names, and the date it gives for an event (an opening, a launch).
Ingest records each claim with the article's publisher; `find_contradictions` then groups one
story's claims by subject and reports a subject whose values differ beyond a tolerance, each value
with its publishers. One outlet stating two values is a revision, not a disagreement: a
contradiction needs two publishers.

Pure. At most `MAX_*` claims per article, so a story's claims grow with its publishers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.roles import plain_role, role_id, same_role
from rdwatch.models import Fact
from rdwatch.notability import is_market_figure

# Two amounts within 10% are one amount told two ways (conversions at yearly average rates
# differ by a few per cent; rounding "nearly US$1 billion" by a few more); headcounts within 5%.
AMOUNT_TOLERANCE = 0.10
COUNT_TOLERANCE = 0.05
# Counted nouns that are people: a headcount.
HEADCOUNT_UNITS = frozenset(
    {"researchers", "scientists", "engineers", "postdocs", "employees", "staff", "people",
     "professors", "experts", "technicians", "workers", "developers", "students"}
)  # fmt: skip
# What a date in a sentence is the date of; the first word found names the event.
EVENT_WORDS = (
    ("open", r"open(?:s|ed|ing)?|opening"), ("launch", r"launch(?:es|ed|ing)?"),
    ("release", r"releas(?:e|es|ed|ing)"), ("complete", r"complet(?:e|es|ed|ion)"),
    ("start", r"start(?:s|ed|ing)?|begin(?:s|ning)?|began"),
    ("ship", r"ship(?:s|ped|ping)?|available|availability"),
)  # fmt: skip
_EVENTS = [(name, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for name, words in EVENT_WORDS]
MAX_HEADCOUNTS = 3
MAX_PEOPLE = 5
MAX_DATES = 2
MAX_CLAIM_CHARS = 300  # store.schema.MAX_CLAIM_CHARS
SHOWN_VALUES = 4
SHOWN_PUBLISHERS = 3


@dataclass(frozen=True)
class Claim:
    """One thing an article states: `subject` names what (`amount`, `count:engineers`,
    `role:person:lin meiqi`, `date:open`), `value` its normalised value, `label` how to show it,
    `number` its USD value or count when it is a figure."""

    subject: str
    value: str
    label: str
    number: float | None = None


@dataclass(frozen=True)
class StoredClaim:
    """A claim as recorded on a story: who made it."""

    subject: str
    value: str
    label: str
    number: float | None
    publisher: str


@dataclass(frozen=True)
class Reported:
    label: str
    publishers: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.publishers[:SHOWN_PUBLISHERS])
        more = len(self.publishers) - SHOWN_PUBLISHERS
        return f"{self.label} ({shown}{f' +{more}' if more > 0 else ''})"


@dataclass(frozen=True)
class Contradiction:
    """Publishers of one story disagree on `what`: each value with who reported it, the value
    most publishers gave first."""

    subject: str
    what: str
    values: tuple[Reported, ...]

    def __str__(self) -> str:
        return f"{self.what}: " + " vs ".join(str(v) for v in self.values[:SHOWN_VALUES])

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "what": self.what,
            "values": [{"value": v.label, "publishers": list(v.publishers)} for v in self.values],
        }


def article_claims(facts: Sequence[Fact], settings: NotabilityConfig) -> tuple[Claim, ...]:
    """The claims of one article's facts, bounded per kind."""
    claims: list[Claim] = []
    amount = _main_amount(facts, settings)
    if amount is not None:
        claims.append(amount)
    claims += _headcounts(facts)[:MAX_HEADCOUNTS]
    claims += [_role(f) for f in facts if f.kind == "person" and f.role and role_id(f.role)][
        :MAX_PEOPLE
    ]
    claims += _event_dates(facts)[:MAX_DATES]
    return tuple(_clipped(c) for c in claims)


def _main_amount(facts: Sequence[Fact], settings: NotabilityConfig) -> Claim | None:
    amounts = [
        f
        for f in facts
        if f.kind == "money"
        and (f.usd or 0) >= settings.money_usd_threshold
        and not is_market_figure(f, settings.market_terms)
    ]
    if not amounts:
        return None
    largest = max(amounts, key=lambda f: f.usd or 0)
    usd = largest.usd or 0.0
    from rdwatch.notify.amounts import format_money  # the notify package loads apprise

    label = format_money(largest.value, largest.currency) or largest.text
    if largest.currency not in (None, "USD"):
        label = f"{label} (≈ {format_money(usd, 'USD', approximate=True)})"
    return Claim("amount", f"usd:{usd:.6g}", label, usd)


def _headcounts(facts: Sequence[Fact]) -> list[Claim]:
    largest: dict[str, Fact] = {}
    for fact in facts:
        if fact.kind == "count" and fact.unit in HEADCOUNT_UNITS and fact.value:
            kept = largest.get(fact.unit)
            if kept is None or (kept.value or 0) < fact.value:
                largest[fact.unit] = fact
    return [
        Claim(f"count:{unit}", f"{f.value:g}", f"{f.value:,.0f} {unit}", f.value)
        for unit, f in largest.items()
    ]


def _role(fact: Fact) -> Claim:
    role = plain_role(fact.role or "")
    label = f"{role} of {fact.org}" if fact.org else role
    return Claim(f"role:{fact.key}", role_id(fact.role or ""), label)


def _event_dates(facts: Sequence[Fact]) -> list[Claim]:
    """A date whose sentence names one event and holds no other date. A date without its year
    ("--09-10") is left out: beside a full date it would look like a disagreement."""
    dates = [f for f in facts if f.kind == "date" and not f.key.startswith("date:--")]
    per_sentence: dict[str, int] = {}
    for fact in dates:
        per_sentence[fact.sentence] = per_sentence.get(fact.sentence, 0) + 1
    claims = []
    for fact in dates:
        if per_sentence[fact.sentence] != 1:
            continue
        event = next((name for name, pattern in _EVENTS if pattern.search(fact.sentence)), None)
        if event is not None:
            day = fact.key.split(":", 1)[1]
            claims.append(Claim(f"date:{event}", day, fact.text.removeprefix("in ").strip()))
    return claims


def _clipped(claim: Claim) -> Claim:
    if len(claim.subject) <= MAX_CLAIM_CHARS and len(claim.value) <= MAX_CLAIM_CHARS:
        return claim
    subject, value = claim.subject[:MAX_CLAIM_CHARS], claim.value[:MAX_CLAIM_CHARS]
    return Claim(subject, value, claim.label, claim.number)


# --- reading a story's claims ---


def find_contradictions(
    claims: Iterable[StoredClaim], names: Mapping[str, str] | None = None
) -> tuple[Contradiction, ...]:
    """The subjects of a story on which two publishers gave values that differ; `names` maps
    fact keys to how to name them (a person's name)."""
    by_subject: dict[str, list[StoredClaim]] = {}
    for claim in claims:
        by_subject.setdefault(claim.subject, []).append(claim)
    found = []
    for subject, group in by_subject.items():
        values = _distinct_values(subject, group)
        publishers = {p for v in values for p in v.publishers}
        if len(values) > 1 and len(publishers) > 1:
            found.append(Contradiction(subject, describe_subject(subject, names or {}), values))
    return tuple(sorted(found, key=lambda c: _SUBJECT_ORDER.get(c.subject.split(":")[0], 9)))


_SUBJECT_ORDER = {"amount": 0, "count": 1, "role": 2, "date": 3}


def _distinct_values(subject: str, claims: Sequence[StoredClaim]) -> tuple[Reported, ...]:
    """Claims grouped into values one apart from another (within the subject's tolerance), the
    value with most publishers first; each value shown as its first report put it."""
    groups: list[list[StoredClaim]] = []
    for claim in claims:
        group = next((g for g in groups if _same_value(subject, g[0], claim)), None)
        if group is None:
            groups.append([claim])
        else:
            group.append(claim)
    reported = [Reported(g[0].label, tuple(dict.fromkeys(c.publisher for c in g))) for g in groups]
    return tuple(sorted(reported, key=lambda r: -len(r.publishers)))


def _same_value(subject: str, a: StoredClaim, b: StoredClaim) -> bool:
    kind = subject.split(":", 1)[0]
    if kind in ("amount", "count") and a.number is not None and b.number is not None:
        tolerance = AMOUNT_TOLERANCE if kind == "amount" else COUNT_TOLERANCE
        larger = max(abs(a.number), abs(b.number))
        return larger == 0 or abs(a.number - b.number) / larger <= tolerance
    if kind == "role":
        return same_role(a.value, b.value)
    if kind == "date":
        return a.value.startswith(b.value) or b.value.startswith(a.value)
    return a.value == b.value


def describe_subject(subject: str, names: Mapping[str, str]) -> str:
    """`amount`, `engineers`, `Lin Meiqi's role`, `opening date`."""
    kind, _, rest = subject.partition(":")
    if kind == "count":
        return rest
    if kind == "role":
        return f"{names.get(rest) or rest.partition(':')[2].title()}'s role"
    if kind == "date":
        return f"{rest} date" if rest != "open" else "opening date"
    return kind
