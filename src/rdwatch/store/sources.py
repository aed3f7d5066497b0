"""Per-source fetch state and health: validators, last success, failures, and the schedule
(next poll, adapted interval, hold) that rdwatch.fetch.schedule decides."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from rdwatch.config import SourceConfig
from rdwatch.models import SourceFetch, SourceState
from rdwatch.store.articles import chunks
from rdwatch.store.schema import ArticleRow, SourceRow, SourceSilenceRow

if TYPE_CHECKING:
    from rdwatch.fetch.schedule import NextPoll


@dataclass(frozen=True)
class SourceHealth:
    name: str
    url: str
    kind: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_new_item_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    next_poll_at: datetime | None
    gone: bool
    interval_s: float | None = None
    hold_until: datetime | None = None
    added_at: datetime | None = None
    silent_since: datetime | None = None  # the start of its open silence episode, if any


def sync_sources(
    session: Session, sources: Sequence[SourceConfig], now: datetime | None = None
) -> None:
    """Make sure every configured source has a row (added `now`); a changed URL resets its
    validators and its schedule: the new address is polled at once."""
    rows = {row.name: row for row in session.scalars(select(SourceRow))}
    for source in sources:
        row = rows.get(source.name)
        if row is None:
            added = now or datetime.now(UTC)
            session.add(
                SourceRow(name=source.name, url=source.url, kind=source.kind, added_at=added)
            )
        elif row.url != source.url or row.kind != source.kind:
            row.url, row.kind = source.url, source.kind
            row.etag = row.last_modified = row.body_hash = None
            row.gone, row.consecutive_failures, row.next_poll_at = False, 0, None
            row.hold_until, row.interval_s = None, None


def load_source_states(
    session: Session, names: Collection[str] | None = None
) -> dict[str, SourceState]:
    """Every source's state, or the named ones'."""
    query = select(SourceRow)
    if names is not None:
        query = query.where(SourceRow.name.in_(list(names)))
    return {
        row.name: SourceState(
            name=row.name,
            etag=row.etag,
            last_modified=row.last_modified,
            body_hash=row.body_hash,
            next_poll_at=row.next_poll_at,
            consecutive_failures=row.consecutive_failures,
            gone=row.gone,
            interval_s=row.interval_s,
            hold_until=row.hold_until,
        )
        for row in session.scalars(query)
    }


def record_fetch(
    session: Session, result: SourceFetch, now: datetime, schedule: NextPoll | None = None
) -> None:
    """Update a source's health (and, when given, its schedule) from one poll."""
    record_fetches(session, [result], now, {result.source: schedule} if schedule else {})


def record_fetches(
    session: Session,
    results: Sequence[SourceFetch],
    now: datetime,
    schedules: Mapping[str, NextPoll] | None = None,
) -> None:
    """Update the health of every polled source from this run's outcomes, and the schedule of
    those `schedules` names, in a few queries.

    A skipped source keeps its health as it was. An unchanged source (304, same body) only gets
    its poll times and schedule: its validators stay, and no other column changes unless it was
    failing.
    """
    polled = {r.source: r for r in results if not r.skipped}
    if not polled:
        return
    schedules = schedules or {}
    for chunk in chunks(list(polled)):
        for row in session.scalars(select(SourceRow).where(SourceRow.name.in_(chunk))):
            _apply(row, polled[row.name], now)
            if row.name in schedules:
                _schedule(row, schedules[row.name])


def record_schedules(session: Session, schedules: Mapping[str, NextPoll]) -> None:
    """Store the next poll of each named source."""
    for chunk in chunks(list(schedules)):
        for row in session.scalars(select(SourceRow).where(SourceRow.name.in_(chunk))):
            _schedule(row, schedules[row.name])


def _schedule(row: SourceRow, plan: NextPoll) -> None:
    interval_s = plan.interval.total_seconds()
    # Assigning an equal value would still be flushed: only touch what changes.
    if row.interval_s != interval_s:
        row.interval_s = interval_s
    if row.hold_until != plan.hold_until:
        row.hold_until = plan.hold_until
    row.next_poll_at = plan.at


def _apply(row: SourceRow, result: SourceFetch, now: datetime) -> None:
    row.last_attempt_at = now
    if result.ok:
        row.last_success_at = now
        if row.consecutive_failures or row.last_error is not None:
            row.consecutive_failures, row.last_error = 0, None
        if not result.not_modified:
            row.etag, row.last_modified = result.etag, result.last_modified
            row.body_hash = result.body_hash
        return
    row.consecutive_failures += 1
    row.last_error = result.error
    row.gone = row.gone or result.gone


def record_validators(session: Session, results: Sequence[SourceFetch]) -> None:
    """The ETag, Last-Modified and body hash of sources whose items are now stored."""
    by_name = {r.source: r for r in results}
    for chunk in chunks(list(by_name)):
        for row in session.scalars(select(SourceRow).where(SourceRow.name.in_(chunk))):
            result = by_name[row.name]
            row.etag, row.last_modified = result.etag, result.last_modified
            row.body_hash = result.body_hash


def record_new_items(session: Session, source: str, now: datetime) -> None:
    row = session.scalar(select(SourceRow).where(SourceRow.name == source))
    if row is not None:
        row.last_new_item_at = now


def list_source_health(session: Session) -> list[SourceHealth]:
    open_episodes = select(SourceSilenceRow.source, SourceSilenceRow.started_at).where(
        SourceSilenceRow.cleared_at.is_(None)
    )
    silent = {source: start for source, start in session.execute(open_episodes)}
    return [
        SourceHealth(
            name=row.name,
            url=row.url,
            kind=row.kind,
            last_attempt_at=row.last_attempt_at,
            last_success_at=row.last_success_at,
            last_new_item_at=row.last_new_item_at,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            next_poll_at=row.next_poll_at,
            gone=row.gone,
            interval_s=row.interval_s,
            hold_until=row.hold_until,
            added_at=row.added_at,
            silent_since=silent.get(row.name),
        )
        for row in session.scalars(select(SourceRow).order_by(SourceRow.name))
    ]


def new_item_arrivals(session: Session, since: datetime) -> dict[str, list[datetime]]:
    """When each source's stored articles arrived (one time per run that brought something new)."""
    rows = session.execute(
        select(ArticleRow.source, ArticleRow.fetched_at)
        .where(ArticleRow.fetched_at >= since)
        .distinct()
    )
    arrivals: dict[str, list[datetime]] = {}
    for source, fetched_at in rows:
        arrivals.setdefault(source, []).append(fetched_at)
    return arrivals
