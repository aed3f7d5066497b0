"""Stories and their aggregates: what a story's articles add up to.

Ingest reads one story's aggregate (`load_aggregate`: three indexed reads, none over its member
articles), decides what changes in pure code, and the batch writes it back (`store.pending`).
Merging two stories (`merge_stories`) moves every member, aggregate and outbox row of one into the
other. The rules (how facts merge, who counts as an outlet) are the callers'; this module stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from rdwatch.models import Fact, StoryAggregate
from rdwatch.store.articles import fact_from_row, fact_values
from rdwatch.store.outbox import CANCELLED, PENDING
from rdwatch.store.schema import (
    ArticleRow,
    OutboxRow,
    StoryFactRow,
    StoryPublisherRow,
    StoryRow,
)
from rdwatch.store.sql import execute, run
from rdwatch.store.story_index import move_terms


def add_story(
    session: Session, title: str, now: datetime, *, lead: str = "", is_archive: bool = False
) -> int:
    row = {
        "title": title,
        "first_seen_at": now,
        "is_archive": is_archive,
        "notable": False,
        "score": 0.0,
        "reasons": [],
        "indexed_articles": 0,
        "lead": lead,
        "watched_in_title": [],
        "watched_in_lead": [],
        "source_names": [],
    }
    return int(run(session, insert(StoryRow).returning(StoryRow.id), row)[0][0])


_STORY = select(
    StoryRow.id,
    StoryRow.title,
    StoryRow.is_archive,
    StoryRow.indexed_articles,
    StoryRow.lead,
    StoryRow.source_names,
    StoryRow.watched_in_title,
    StoryRow.watched_in_lead,
    StoryRow.first_published,
    StoryRow.last_published,
).where(StoryRow.id == bindparam("story"))
_STORY_FACTS = (
    select(StoryFactRow)
    .where(StoryFactRow.story_id == bindparam("story"))
    .order_by(StoryFactRow.position)
)
_PUBLISHERS = select(StoryPublisherRow.publisher).where(
    StoryPublisherRow.story_id == bindparam("story")
)


def load_aggregate(session: Session, story_id: int) -> StoryAggregate:
    [story] = run(session, _STORY, {"story": story_id})
    facts = run(session, _STORY_FACTS, {"story": story_id})
    publishers = run(session, _PUBLISHERS, {"story": story_id})
    return StoryAggregate(
        id=story.id,
        title=story.title,
        is_archive=story.is_archive,
        indexed_articles=story.indexed_articles,
        lead=story.lead,
        facts=tuple(fact_from_row(row) for row in facts),
        publishers=tuple(sorted(r.publisher for r in publishers)),
        source_names=tuple(story.source_names or ()),
        watched_in_title=_tuple_or_none(story.watched_in_title),
        watched_in_lead=_tuple_or_none(story.watched_in_lead),
        first_published=story.first_published,
        last_published=story.last_published,
    )


def member_titles(session: Session, story_id: int) -> list[str]:
    """Every member's headline: only for filling in aggregates a migration could not compute."""
    return list(session.scalars(select(ArticleRow.title).where(ArticleRow.story_id == story_id)))


def _write_facts(session: Session, story: StoryAggregate, facts: Sequence[Fact]) -> None:
    before = {fact.key: fact for fact in story.facts}
    new = []
    for position, fact in enumerate(facts):
        old = before.get(fact.key)
        if old is None:
            new.append({"story_id": story.id, "position": position, **fact_values(fact)})
        elif old != fact:
            execute(
                session,
                update(StoryFactRow)
                .where(StoryFactRow.story_id == story.id, StoryFactRow.key == fact.key)
                .values(**fact_values(fact)),
            )
    if new:
        execute(session, insert(StoryFactRow), new)


def merge_stories(
    session: Session, into: StoryAggregate, other: StoryAggregate, facts: Sequence[Fact]
) -> None:
    """Move every member of `other` into `into`; `facts` are the two stories' facts merged.

    Outbox rows move with the story unless `into` already has one for the same channel and kind:
    then an alert not sent yet is cancelled, so the merged story is never alerted twice."""
    move_terms(session, other.id, into.id)
    execute(
        session, update(ArticleRow).where(ArticleRow.story_id == other.id).values(story_id=into.id)
    )
    execute(session, delete(StoryFactRow).where(StoryFactRow.story_id == other.id))
    _write_facts(session, into, facts)
    for publisher in set(other.publishers) - set(into.publishers):
        execute(
            session,
            update(StoryPublisherRow)
            .where(StoryPublisherRow.story_id == other.id, StoryPublisherRow.publisher == publisher)
            .values(story_id=into.id),
        )
    execute(session, delete(StoryPublisherRow).where(StoryPublisherRow.story_id == other.id))
    _move_outbox(session, other.id, into.id)
    dates = [
        d
        for d in (into.first_published, into.last_published, other.first_published,
                  other.last_published)
        if d
    ]  # fmt: skip
    execute(
        session,
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
        ),
    )
    execute(
        session,
        update(StoryRow)
        .where(StoryRow.id == other.id)
        .values(merged_into_id=into.id, indexed_articles=0, notable=False),
    )


def _move_outbox(session: Session, from_story: int, into_story: int) -> None:
    slot = (OutboxRow.channel, OutboxRow.kind, OutboxRow.sequence)
    taken = {
        (r.channel, r.kind, r.sequence)
        for r in run(session, select(*slot).where(OutboxRow.story_id == into_story))
    }
    moving = run(
        session,
        select(OutboxRow.id, *slot, OutboxRow.status).where(OutboxRow.story_id == from_story),
    )
    for row in moving:
        values: dict[str, object]
        if (row.channel, row.kind, row.sequence) not in taken:
            values = {"story_id": into_story}
        elif row.status == PENDING:
            reason = f"story merged into story {into_story}, which has this alert"
            values = {"status": CANCELLED, "last_error": reason}
        else:
            continue
        execute(session, update(OutboxRow).where(OutboxRow.id == row.id).values(**values))


def _tuple_or_none(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _union(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> list[str] | None:
    if a is None or b is None:
        return None
    return sorted({*a, *b})
