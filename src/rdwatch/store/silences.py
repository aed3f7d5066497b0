"""Silence episodes of sources, and their alarms in the outbox.

An episode is stored once per source and start (`uq_source_silences_source_start`), and its alarm
once per channel (`uq_outbox_silence_channel`), both inserted with "on conflict do nothing": two
runs deciding the same episode, or one run deciding it twice, store and alarm it once. Which
episodes begin and end is decided by `rdwatch.health.silence_changes`; which channels are alarmed,
by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rdwatch.health import OpenSilence, SilenceAlarm, SilenceChanges
from rdwatch.store import outbox
from rdwatch.store.schema import SourceSilenceRow
from rdwatch.store.sql import insert_for, run


@dataclass(frozen=True)
class SilenceEpisode:
    id: int
    source: str
    started_at: datetime
    detected_at: datetime
    expected_s: float
    basis: str
    cleared_at: datetime | None


def open_silences(session: Session) -> list[OpenSilence]:
    rows = session.execute(
        select(SourceSilenceRow.id, SourceSilenceRow.source, SourceSilenceRow.started_at).where(
            SourceSilenceRow.cleared_at.is_(None)
        )
    )
    return [OpenSilence(row.id, row.source, row.started_at) for row in rows]


def record_silence_changes(
    session: Session, changes: SilenceChanges, now: datetime, channels: Sequence[str]
) -> list[int]:
    """Close the episodes that ended, store those that began and queue each one's alarm on every
    channel given; returns the ids of the episodes begun (or begun again: an episode closed and
    then found silent from the same start is reopened, and not alarmed twice)."""
    if changes.cleared:
        session.execute(
            update(SourceSilenceRow)
            .where(SourceSilenceRow.id.in_(changes.cleared))
            .values(cleared_at=now)
            .execution_options(synchronize_session=False)
        )
    begun = []
    for alarm in changes.opened:
        if alarm.since is None:
            continue
        episode_id = _store_episode(session, alarm, alarm.since, now)
        begun.append(episode_id)
        for channel in channels:
            outbox.enqueue_silence(session, episode_id, channel, now)
    return begun


def _store_episode(session: Session, alarm: SilenceAlarm, since: datetime, now: datetime) -> int:
    values = {
        "source": alarm.source,
        "started_at": since,
        "detected_at": now,
        "expected_s": alarm.expected.total_seconds(),
        "basis": alarm.basis,
    }
    run(session, insert_for(session, SourceSilenceRow).on_conflict_do_nothing(), values)
    row = session.scalars(
        select(SourceSilenceRow).where(
            SourceSilenceRow.source == alarm.source, SourceSilenceRow.started_at == since
        )
    ).one()
    if row.cleared_at is not None:
        row.cleared_at = None
    return row.id


def get_silence(session: Session, episode_id: int) -> SilenceEpisode | None:
    row = session.get(SourceSilenceRow, episode_id)
    return _episode(row) if row is not None else None


def list_silences(session: Session, *, source: str | None = None) -> list[SilenceEpisode]:
    """Every episode, oldest first (of one source, when given)."""
    query = select(SourceSilenceRow).order_by(SourceSilenceRow.id)
    if source is not None:
        query = query.where(SourceSilenceRow.source == source)
    return [_episode(row) for row in session.scalars(query)]


def _episode(row: SourceSilenceRow) -> SilenceEpisode:
    return SilenceEpisode(
        id=row.id,
        source=row.source,
        started_at=row.started_at,
        detected_at=row.detected_at,
        expected_s=row.expected_s,
        basis=row.basis,
        cleared_at=row.cleared_at,
    )
