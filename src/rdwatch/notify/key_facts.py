"""The few facts an alert shows: ranked, merged, phrased for a reader, each marked new or known.

Ranking follows what an analyst asks first: how much money, how many people, which products,
who (with a role), which organisations. Amounts and counts rank so only when significant (the
thresholds notability uses; the largest amount first): "two models" or a price of RMB 0.8 come
after the organisations. Places, research areas, dates and market figures are shown only when
they are the news, which here means the headline names them. New facts (not in
the archive, nor in an earlier alert on the story) are chosen before known ones; the chosen
facts are then shown in rank order. The full list, with source sentences, stays in
`rdwatch stories show` and the export.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rdwatch.models import Fact
from rdwatch.notify.amounts import merge_amounts
from rdwatch.notify.text import clean_text

MAX_KEY_FACTS = 5
# Rank of each kind; kinds absent here (quotes, media) are never key facts.
RANKS = {"money": 0, "count": 1, "product": 2, "person": 3, "org": 4, "spec": 6, "percent": 6}
HEADLINE_ONLY_KINDS = frozenset({"place", "area", "date", "market", "price"})
HEADLINE_RANK = 5
MINOR_RANK = 6  # amounts and counts below the significance thresholds, specs, percentages
UNTITLED_PERSON_RANK = 7
# Kinds whose novelty counts in "N facts not in the archive" (as notability counts them).
NOVEL_KINDS = frozenset({"money", "count", "product", "person", "org"})
# "Chen Wei, the academy's head of computing technology, who …": the apposition after a name.
_APPOSITION = (
    r",\s+(?:the\s+|a\s+|an\s+)?(?P<role>[^,.;\"“”()]{2,90}?)"
    r"(?=\s*(?:,|\.|;|$|\s+(?:said|says|who)\b))"
)
_OWNER = re.compile(r"^(?:[\w&.-]+\s+){0,3}?[\w&.-]+['’]s\s+")


@dataclass(frozen=True)
class Significance:
    """The amount (in USD) and count from which a figure leads (notability's thresholds)."""

    money_usd: float = 10_000_000
    count: float = 50


@dataclass(frozen=True)
class KeyFact:
    label: str  # as shown: "RMB 2 bn (≈ US$280 m)", "Chen Wei, head of computing technology"
    kind: str
    new: bool
    keys: tuple[str, ...]
    texts: tuple[str, ...]  # the facts' own texts, to find them in article sentences
    rank: int


def candidate_facts(
    facts: Sequence[Fact],
    known_keys: Collection[str],
    headline: str,
    watched: Sequence[str],
    significance: Significance = Significance(),
) -> list[KeyFact]:
    """Every fact that may be shown, one per amount or thing, in rank then story order."""
    found = _amounts(facts, known_keys, significance.money_usd)
    shadowed = _general_products(facts)
    headline_lower = headline.lower()
    watched_lower = {w.lower() for w in watched}
    for fact in facts:
        if fact.kind == "money" or fact.key in shadowed:
            continue
        rank = _rank(fact, headline_lower, watched_lower)
        if rank == RANKS["count"] and (fact.value or 0) < significance.count:
            rank = MINOR_RANK
        if rank is not None:
            label = person_label(fact) if fact.kind == "person" else clean_text(fact.text)
            new = fact.key not in known_keys
            found.append(KeyFact(label, fact.kind, new, (fact.key,), (fact.text,), rank))
    return sorted(found, key=lambda f: f.rank)  # stable: story order within a rank


def choose_key_facts(candidates: Sequence[KeyFact], limit: int = MAX_KEY_FACTS) -> list[KeyFact]:
    """New facts first, then known ones, up to `limit`; shown in rank order."""
    chosen = [f for f in candidates if f.new][:limit]
    chosen += [f for f in candidates if not f.new][: limit - len(chosen)]
    return sorted(chosen, key=lambda f: f.rank)


def count_new(candidates: Sequence[KeyFact]) -> int:
    return sum(1 for f in candidates if f.new and f.kind in NOVEL_KINDS)


def _amounts(facts: Sequence[Fact], known_keys: Collection[str], minimum: float) -> list[KeyFact]:
    amounts = sorted(merge_amounts(facts), key=lambda a: -(a.usd or 0))
    return [
        KeyFact(
            label=clean_text(amount.label),
            kind="money",
            new=not any(key in known_keys for key in amount.keys),
            keys=amount.keys,
            texts=tuple(f.text for f in amount.facts),
            rank=RANKS["money"] if (amount.usd or 0) >= minimum else MINOR_RANK,
        )
        for amount in amounts
    ]


def _rank(fact: Fact, headline: str, watched: Collection[str]) -> int | None:
    if fact.kind in HEADLINE_ONLY_KINDS:
        return HEADLINE_RANK if fact.text.lower() in headline else None
    if fact.kind == "org" and fact.text.lower() in watched:
        return None  # the watched entity is named in "why", not a finding
    if fact.kind == "person" and not fact.role:
        return UNTITLED_PERSON_RANK
    return RANKS.get(fact.kind)


def _general_products(facts: Sequence[Fact]) -> set[str]:
    """Products named inside a more specific one ("XuanTie" beside "XuanTie C990" or
    "Qwen-2")."""
    names = [(f.key, f.text.lower()) for f in facts if f.kind == "product"]
    return {
        key for key, name in names if any(o.startswith((f"{name} ", f"{name}-")) for _, o in names)
    }


def person_label(fact: Fact) -> str:
    """`Chen Wei, head of computing technology`: the role as the article put it after the name
    when it is there, else the stored role; the organisation when the role does not name it."""
    role = _role_as_written(fact) or _lower_role(fact.role or "")
    label = f"{fact.text}, {role}" if role else fact.text
    if fact.org and fact.org.lower() not in label.lower():
        label = f"{label} of {fact.org}" if role else f"{label} ({fact.org})"
    return clean_text(label)


def _role_as_written(fact: Fact) -> str:
    if not fact.role or not fact.sentence:
        return ""
    match = re.search(re.escape(fact.text) + _APPOSITION, fact.sentence)
    if match is None:
        return ""
    phrase = _OWNER.sub("", match.group("role").strip())
    return phrase if _same_role(phrase, fact.role) and len(phrase.split()) <= 10 else ""


def _same_role(phrase: str, role: str) -> bool:
    """The phrase is the stored role written out: it holds the role's last word, or its
    initials spell the role ("chief technology officer" for CTO)."""
    words = phrase.lower().split()
    last = _OWNER.sub("", role).split()[-1].lower() if role.split() else ""
    initials = "".join(w[0] for w in words if w not in ("of", "and", "for", "the"))
    return last in words or (role.isupper() and initials.startswith(role.lower()))


def _lower_role(role: str) -> str:
    """'Academy's Head' → 'head'; 'Chairman and CEO' → 'chairman and CEO' (prose case)."""
    plain = _OWNER.sub("", role.strip())
    return " ".join(w if w.isupper() else w.lower() for w in plain.split())
