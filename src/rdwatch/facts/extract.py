"""`extract_facts`: one article → its typed facts; `merge_facts`: many articles → one set.

The article is prepared (typography, boilerplate trailer cut), split into paragraphs and sentences,
and each sentence is scanned once for gazetteer mentions; every fact kind then works on the
sentence and those mentions. Facts with the same key collapse to the first one, completed with
attributes a later mention supplies (a person named first without, then with, a role).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from rdwatch.facts.chinese_people import extract_chinese_people
from rdwatch.facts.counts import extract_counts
from rdwatch.facts.dates import dateline, extract_dates
from rdwatch.facts.entities import extract_entities, extract_pattern_entities
from rdwatch.facts.gazetteer import Entity, Gazetteer
from rdwatch.facts.money import extract_money
from rdwatch.facts.people import extract_people
from rdwatch.facts.quotes import extract_quotes
from rdwatch.facts.rates import RateTable
from rdwatch.facts.sentences import prepare_text, split_paragraphs, split_sentences
from rdwatch.models import Fact

_CJK = re.compile(r"[\u3400-\u9fff]")
# Attributes a later mention may add to the kept fact. Value, currency and qualifier belong to the
# wording of the first mention and are not mixed with another's.
_COMPLETABLE = ("role", "org", "speaker", "usd")


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
    facts: list[Fact] = []
    context_orgs: list[Entity] = []
    for paragraph in split_paragraphs(body):
        for sentence in split_sentences(paragraph):
            facts.extend(_sentence_facts(sentence, gazetteer, rates, published, context_orgs))
        facts.extend(extract_quotes(paragraph, [f for f in facts if f.kind == "person"], gazetteer))
    return merge_facts([facts])


def _sentence_facts(
    sentence: str,
    gazetteer: Gazetteer,
    rates: RateTable,
    published: date | None,
    context_orgs: list[Entity],
) -> list[Fact]:
    mentions = gazetteer.find(sentence)
    context_orgs.extend(m.entity for m in mentions if m.entity.kind == "org")
    money = extract_money(sentence, rates, published)
    # Chinese names and titles follow other rules than the English capitalised-name patterns.
    chinese = _CJK.search(sentence) is not None
    return [
        *extract_entities(sentence, mentions),
        *extract_pattern_entities(sentence, mentions, gazetteer),
        *extract_people(sentence, mentions, gazetteer, context_orgs),
        *(extract_chinese_people(sentence, mentions, gazetteer) if chinese else ()),
        *money,
        *extract_counts(sentence, gazetteer, [f.text for f in money]),
        *extract_dates(sentence, published),
    ]


def merge_facts(groups: Iterable[Iterable[Fact]]) -> tuple[Fact, ...]:
    """Same key → one fact: the first one seen (its text and sentence), with any attribute it
    lacks taken from a later fact of the same key. Order of first appearance is kept."""
    merged: dict[str, Fact] = {}
    for group in groups:
        for fact in group:
            kept = merged.get(fact.key)
            merged[fact.key] = fact if kept is None else _complete(kept, fact)
    return tuple(merged.values())


def _complete(kept: Fact, other: Fact) -> Fact:
    missing = {
        name: getattr(other, name)
        for name in _COMPLETABLE
        if getattr(kept, name) is None and getattr(other, name) is not None
    }
    return replace(kept, **missing) if missing else kept
