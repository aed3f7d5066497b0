"""`extract_facts`: one article → its typed facts; `merge_facts`: many articles → one set.

The article is prepared (typography, boilerplate trailer cut), split into paragraphs and sentences,
and each sentence is scanned once for gazetteer mentions; every fact kind then works on the
sentence and those mentions. Facts with the same key collapse to the first one, completed with
attributes a later mention supplies (a person named first without, then with, a role). Facts are
merged as they are found, so a repeated mention of an entity already kept is not made a fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from operator import attrgetter

from rdwatch.facts.bylines import extract_bylines
from rdwatch.facts.chinese_people import extract_chinese_people
from rdwatch.facts.counts import extract_counts
from rdwatch.facts.dates import dateline, extract_dates
from rdwatch.facts.entities import extract_entities, extract_pattern_entities
from rdwatch.facts.figures import as_market, as_price, extract_percents, extract_specs
from rdwatch.facts.gazetteer import Entity, Gazetteer
from rdwatch.facts.money import extract_money
from rdwatch.facts.names import extract_names
from rdwatch.facts.people import extract_people
from rdwatch.facts.quotes import extract_quotes
from rdwatch.facts.rates import RateTable
from rdwatch.facts.sentences import (
    has_chinese,
    prepare_text,
    split_paragraphs,
    split_sentences,
)
from rdwatch.models import Fact

# Attributes a later mention may add to the kept fact. Value, currency and qualifier belong to the
# wording of the first mention and are not mixed with another's.
_COMPLETABLE = ("role", "org", "speaker", "usd")
_completable_of = attrgetter(*_COMPLETABLE)
STORY_FACTS_PER_KIND = 30


def extract_facts(
    text: str,
    *,
    title: str = "",
    gazetteer: Gazetteer,
    rates: RateTable,
    published: date | None = None,
) -> tuple[Fact, ...]:
    """Typed facts of one article, each with the sentence it came from, one per key."""
    body = prepare_text(f"{title}\n{text}" if title else text)
    published = published or dateline(body)
    merged: dict[str, Fact] = {}
    # Every person fact so far, repeats included: the quote speaker search breaks ties by order.
    people: list[Fact] = []
    context_orgs: list[Entity] = []
    for paragraph in split_paragraphs(body):
        for sentence in split_sentences(paragraph):
            facts = _sentence_facts(sentence, gazetteer, rates, published, context_orgs, merged)
            for fact in facts:
                _merge_into(merged, fact)
            people += (fact for fact in facts if fact.kind == "person")
        for fact in extract_quotes(paragraph, people, gazetteer):
            _merge_into(merged, fact)
    return tuple(merged.values())


def _sentence_facts(
    sentence: str,
    gazetteer: Gazetteer,
    rates: RateTable,
    published: date | None,
    context_orgs: list[Entity],
    merged: Mapping[str, Fact],
) -> list[Fact]:
    mentions = gazetteer.find(sentence)
    facts: list[Fact] = []
    if mentions:
        context_orgs.extend(m.entity for m in mentions if m.entity.kind == "org")
        # A repeated mention of an entity already merged adds nothing (entity facts carry no
        # attributes to complete), so its fact is not built; people still are, for quotes.
        new = [m for m in mentions if m.entity.key not in merged or m.entity.kind == "person"]
        facts += extract_entities(sentence, new)
    facts += extract_pattern_entities(sentence, mentions, gazetteer)
    facts += extract_names(sentence, mentions, gazetteer)
    facts += extract_people(sentence, mentions, gazetteer, context_orgs)
    facts += extract_bylines(sentence)
    # Chinese names and titles follow other rules than the English capitalised-name patterns.
    if has_chinese(sentence):
        facts += extract_chinese_people(sentence, mentions, gazetteer)
    money = extract_money(sentence, rates, published)
    facts += (_as_market(f) for f in money)
    facts += extract_counts(sentence, gazetteer, [f.text for f in money])
    facts += extract_percents(sentence)
    facts += extract_specs(sentence)
    facts += extract_dates(sentence, published)
    return facts


def _as_market(fact: Fact) -> Fact:
    """A money fact as a unit price or a market figure when its neighbours say so."""
    start = fact.sentence.find(fact.text)
    if start < 0:
        return fact
    priced = as_price(fact, start + len(fact.text))
    return priced if priced is not fact else as_market(fact, start, start + len(fact.text))


def merge_facts(groups: Iterable[Iterable[Fact]]) -> tuple[Fact, ...]:
    """Same key → one fact: the first one seen (its text and sentence), with any attribute it
    lacks taken from a later fact of the same key. Order of first appearance is kept."""
    merged: dict[str, Fact] = {}
    for group in groups:
        for fact in group:
            _merge_into(merged, fact)
    return tuple(merged.values())


def merge_story_facts(
    story: Iterable[Fact], article: Iterable[Fact], *, per_kind: int = STORY_FACTS_PER_KIND
) -> tuple[Fact, ...]:
    """A story's facts after one more article: merged as `merge_facts` does, and at most
    `per_kind` facts of each kind, the earliest reported kept. A story of thousands of articles
    would otherwise carry every place and figure any of them mentioned, and each join would cost
    more than the last; the facts an alert is about are the early ones."""
    kinds: dict[str, int] = {}
    kept: list[Fact] = []
    for fact in merge_facts([story, article]):
        kinds[fact.kind] = kinds.get(fact.kind, 0) + 1
        if kinds[fact.kind] <= per_kind:
            kept.append(fact)
    return tuple(kept)


def _merge_into(merged: dict[str, Fact], fact: Fact) -> None:
    kept = merged.get(fact.key)
    if kept is None:
        merged[fact.key] = fact
    elif _completable_of(fact).count(None) < len(_COMPLETABLE):
        # Most repeats (entities, dates, counts) carry no completable attribute and change nothing.
        merged[fact.key] = _complete(_with_better_role(kept, fact), fact)


def _with_better_role(kept: Fact, other: Fact) -> Fact:
    """One person per story with the most specific role: "Executive Vice Chairman" over
    "Executive", a role with its organisation over the same without."""
    if kept.role is None or other.role is None or kept.role == other.role:
        return kept
    if _role_detail(other) > _role_detail(kept):
        return replace(kept, role=other.role, org=other.org or kept.org)
    return kept


def _role_detail(fact: Fact) -> tuple[int, int]:
    return len((fact.role or "").split()), int(fact.org is not None)


def _complete(kept: Fact, other: Fact) -> Fact:
    missing = {
        name: getattr(other, name)
        for name in _COMPLETABLE
        if getattr(kept, name) is None and getattr(other, name) is not None
    }
    return replace(kept, **missing) if missing else kept
