"""Story aggregates: what a story's articles add up to, written as each article joins.

Ingest reads one story's aggregate (`load_aggregate`: a few indexed reads, none over its member
articles), decides what changes in pure code, and writes it back here (`record_member`). Merging
two stories (`merge_stories`) moves every member, aggregate and outbox row of one into the other.
The rules (how facts merge, who counts as an outlet) are the callers'; this module stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rdwatch.models import Fact, StoryAggregate
from rdwatch.store.articles import FACT_ATTRIBUTES, fact_from_row
from rdwatch.store.outbox import CANCELLED, PENDING
from rdwatch.store.schema import (
    ArticleRow,
    OutboxRow,
    StoryFactRow,
    StoryPublisherRow,
    StoryRow,
)
from rdwatch.store.story_index import index_terms, move_terms


@dataclass(frozen=True)
class NewMember:
    """An article joining a story (copies excepted): what it adds to the story's aggregates."""

    article_id: int
    published: date | None
    publisher: str
    source: str
    terms: Sequence[str]
    lead_terms: Sequence[str]
    facts: Sequence[Fact]  # the story's facts after merging the article's in, in order
    watched_in_title: Sequence[str]
    watched_in_lead: Sequence[str]


def add_story(
    session: Session, title: str, now: datetime, *, lead: str = "", is_archive: bool = False
) -> int:
    story = StoryRow(
        title=title,
        first_seen_at=now,
        is_archive=is_archive,
        reasons=[],
        lead=lead,
        watched_in_title=[],
        watched_in_lead=[],
        source_names=[],
    )
    session.add(story)
    session.flush()
    return story.id


def load_aggregate(session: Session, story_id: int) -> StoryAggregate:
    story = session.get_one(StoryRow, story_id)
    facts = session.scalars(
        select(StoryFactRow)
        .where(StoryFactRow.story_id == story_id)
        .order_by(StoryFactRow.position)
    )
    publishers = session.scalars(
        select(StoryPublisherRow.publisher).where(StoryPublisherRow.story_id == story_id)
    )
    return StoryAggregate(
        id=story.id,
        title=story.title,
        is_archive=story.is_archive,
        indexed_articles=story.indexed_articles,
        lead=story.lead,
        facts=tuple(fact_from_row(row) for row in facts),
        publishers=tuple(sorted(publishers)),
        source_names=tuple(story.source_names or ()),
        watched_in_title=_tuple_or_none(story.watched_in_title),
        watched_in_lead=_tuple_or_none(story.watched_in_lead),
        first_published=story.first_published,
        last_published=story.last_published,
    )


def member_titles(session: Session, story_id: int) -> list[str]:
    """Every member's headline: only for filling in aggregates a migration could not compute."""
    return list(session.scalars(select(ArticleRow.title).where(ArticleRow.story_id == story_id)))


def record_member(session: Session, story: StoryAggregate, member: NewMember) -> None:
    """Add one article's contribution to the story's aggregates."""
    dates = [d for d in (story.first_published, story.last_published, member.published) if d]
    session.execute(
        update(StoryRow)
        .where(StoryRow.id == story.id)
        .values(
            indexed_articles=StoryRow.indexed_articles + 1,
            first_published=min(dates, default=None),
            last_published=max(dates, default=None),
            source_names=sorted({*story.source_names, member.source}),
            watched_in_title=list(member.watched_in_title),
            watched_in_lead=list(member.watched_in_lead),
        )
    )
    index_terms(session, story.id, member.terms, member.lead_terms)
    _write_facts(session, story, member.facts)
    if member.publisher not in story.publishers:
        session.add(
            StoryPublisherRow(
                story_id=story.id, publisher=member.publisher, article_id=member.article_id
            )
        )


def record_facts(session: Session, story: StoryAggregate, facts: Sequence[Fact]) -> None:
    """The story's facts after a copy joined it (a copy adds no outlet and no terms, but an
    updated copy can add facts)."""
    _write_facts(session, story, facts)


def _write_facts(session: Session, story: StoryAggregate, facts: Sequence[Fact]) -> None:
    before = {fact.key: fact for fact in story.facts}
    for position, fact in enumerate(facts):
        old = before.get(fact.key)
        if old == fact:
            continue
        values = _fact_values(fact)
        if old is None:
            session.add(StoryFactRow(story_id=story.id, key=fact.key, position=position, **values))
        else:
            session.execute(
                update(StoryFactRow)
                .where(StoryFactRow.story_id == story.id, StoryFactRow.key == fact.key)
                .values(**values)
            )


def _fact_values(fact: Fact) -> dict[str, Any]:
    attributes = {n: getattr(fact, n) for n in FACT_ATTRIBUTES if getattr(fact, n) is not None}
    return {
        "kind": fact.kind,
        "text": fact.text,
        "sentence": fact.sentence,
        "attributes": attributes,
    }


def set_watched(
    session: Session, story_id: int, in_title: Iterable[str], in_lead: Iterable[str]
) -> None:
    session.execute(
        update(StoryRow)
        .where(StoryRow.id == story_id)
        .values(watched_in_title=sorted(set(in_title)), watched_in_lead=sorted(set(in_lead)))
    )


def merge_stories(
    session: Session, into: StoryAggregate, other: StoryAggregate, facts: Sequence[Fact]
) -> None:
    """Move every member of `other` into `into`; `facts` are the two stories' facts merged.

    Outbox rows move with the story unless `into` already has one for the same channel and kind:
    then an alert not sent yet is cancelled, so the merged story is never alerted twice."""
    move_terms(session, other.id, into.id)
    session.execute(
        update(ArticleRow).where(ArticleRow.story_id == other.id).values(story_id=into.id)
    )
    session.execute(delete(StoryFactRow).where(StoryFactRow.story_id == other.id))
    _write_facts(session, into, facts)
    for publisher in set(other.publishers) - set(into.publishers):
        session.execute(
            update(StoryPublisherRow)
            .where(StoryPublisherRow.story_id == other.id, StoryPublisherRow.publisher == publisher)
            .values(story_id=into.id)
        )
    session.execute(delete(StoryPublisherRow).where(StoryPublisherRow.story_id == other.id))
    _move_outbox(session, other.id, into.id)
    dates = [
        d
        for d in (into.first_published, into.last_published, other.first_published,
                  other.last_published)
        if d
    ]  # fmt: skip
    session.execute(
        update(StoryRow)
        .where(StoryRow.id == into.id)
        .values(
            indexed_articles=into.indexed_articles + other.indexed_articles,
            first_published=min(dates, default=None),
            last_published=max(dates, default=None),
            source_names=sorted({*into.source_names, *other.source_names}),
            watched_in_title=_union(into.watched_in_title, other.watched_in_title),
            watched_in_lead=_union(into.watched_in_lead, other.watched_in_lead),
            is_archive=into.is_archive or other.is_archive,
        )
    )
    session.execute(
        update(StoryRow)
        .where(StoryRow.id == other.id)
        .values(merged_into_id=into.id, indexed_articles=0, notable=False)
    )


def _move_outbox(session: Session, from_story: int, into_story: int) -> None:
    taken = set(
        session.execute(
            select(OutboxRow.channel, OutboxRow.kind).where(OutboxRow.story_id == into_story)
        ).tuples()
    )
    for row in session.scalars(select(OutboxRow).where(OutboxRow.story_id == from_story)):
        if (row.channel, row.kind) not in taken:
            row.story_id = into_story
        elif row.status == PENDING:
            row.status = CANCELLED
            row.last_error = f"story merged into story {into_story}, which has this alert"


def _tuple_or_none(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _union(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> list[str] | None:
    if a is None or b is None:
        return None
    return sorted({*a, *b})
