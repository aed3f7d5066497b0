"""Spike episodes and the coverage spikes are counted on: rows in, domain objects out; whether a
subject spikes is decided in `rdwatch.spikes`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rdwatch.spikes import Coverage, SpikeFinding
from rdwatch.store.schema import ArticleRow, SpikeRow, StoryRow
from rdwatch.store.sql import execute, insert_for, run


@dataclass(frozen=True)
class Spike:
    id: int
    subject: str
    story_id: int
    started_at: datetime
    publishers: int
    baseline: float


def coverage(session: Session, since: datetime, until: datetime) -> list[Coverage]:
    """Articles fetched in (since, until] on stories other than the archive's."""
    query = (
        select(
            ArticleRow.story_id, StoryRow.title, ArticleRow.publisher, ArticleRow.source,
            ArticleRow.fetched_at, StoryRow.watched_in_title, StoryRow.watched_in_lead,
        )
        .join(StoryRow, StoryRow.id == ArticleRow.story_id)
        .where(ArticleRow.fetched_at > since, ArticleRow.fetched_at <= until, ~StoryRow.is_archive)
    )  # fmt: skip
    return [
        Coverage(
            row.story_id,
            row.title,
            row.publisher or row.source,
            row.fetched_at,
            tuple(dict.fromkeys([*(row.watched_in_title or ()), *(row.watched_in_lead or ())])),
        )
        for row in session.execute(query)
    ]


def open_episodes(session: Session) -> dict[str, int]:
    """Subject → id of its open episode."""
    query = select(SpikeRow.subject, SpikeRow.id).where(SpikeRow.ended_at.is_(None))
    return {subject: spike_id for subject, spike_id in session.execute(query)}


def start_episode(session: Session, finding: SpikeFinding, now: datetime) -> int | None:
    """The new episode's id; None when another run started it at the same time."""
    row = {
        "subject": finding.subject, "story_id": finding.story_id, "started_at": now,
        "last_above_at": now, "publishers": finding.publishers, "baseline": finding.baseline,
    }  # fmt: skip
    statement = insert_for(session, SpikeRow).on_conflict_do_nothing().returning(SpikeRow.id)
    found = run(session, statement, row)
    return int(found[0][0]) if found else None


def extend_episode(session: Session, spike_id: int, now: datetime) -> None:
    execute(session, update(SpikeRow).where(SpikeRow.id == spike_id).values(last_above_at=now))


def end_episodes(session: Session, subjects: Collection[str], now: datetime) -> None:
    if subjects:
        execute(
            session,
            update(SpikeRow)
            .where(SpikeRow.subject.in_(list(subjects)), SpikeRow.ended_at.is_(None))
            .values(ended_at=now),
        )


def get_spike(session: Session, spike_id: int) -> Spike | None:
    row = session.get(SpikeRow, spike_id)
    if row is None:
        return None
    return Spike(row.id, row.subject, row.story_id, row.started_at, row.publishers, row.baseline)
