"""Per-source fetch state and health: validators, last success, failures and backoff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rdwatch.config import SourceConfig
from rdwatch.models import SourceFetch, SourceState
from rdwatch.store.articles import chunks
from rdwatch.store.schema import ArticleRow, SourceRow

# After repeated failures a source is polled less often: 2^(failures-1) minutes, capped at a day,
# so a dead host costs one request a day instead of one per run.
BACKOFF_FREE_FAILURES = 2
MAX_BACKOFF = timedelta(hours=24)


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


def sync_sources(session: Session, sources: Sequence[SourceConfig]) -> None:
    """Make sure every configured source has a row; a changed URL resets its validators."""
    rows = {row.name: row for row in session.scalars(select(SourceRow))}
    for source in sources:
        row = rows.get(source.name)
        if row is None:
            session.add(SourceRow(name=source.name, url=source.url, kind=source.kind))
        elif row.url != source.url or row.kind != source.kind:
            row.url, row.kind = source.url, source.kind
            row.etag = row.last_modified = row.body_hash = None
            row.gone, row.consecutive_failures, row.next_poll_at = False, 0, None


def load_source_states(session: Session) -> dict[str, SourceState]:
    return {
        row.name: SourceState(
            name=row.name,
            etag=row.etag,
            last_modified=row.last_modified,
            body_hash=row.body_hash,
            next_poll_at=row.next_poll_at,
            consecutive_failures=row.consecutive_failures,
            gone=row.gone,
        )
        for row in session.scalars(select(SourceRow))
    }


def record_fetch(session: Session, result: SourceFetch, now: datetime) -> None:
    """Update a source's health from one poll."""
    record_fetches(session, [result], now)


def record_fetches(session: Session, results: Sequence[SourceFetch], now: datetime) -> None:
    """Update the health of every polled source from this run's outcomes, in a few queries.

    A skipped source keeps its health as it was. An unchanged source (304, same body) only gets
    its poll times: its validators stay, and no other column changes unless it was failing.
    """
    polled = {r.source: r for r in results if not r.skipped}
    if not polled:
        return
    for chunk in chunks(list(polled)):
        for row in session.scalars(select(SourceRow).where(SourceRow.name.in_(chunk))):
            _apply(row, polled[row.name], now)


def _apply(row: SourceRow, result: SourceFetch, now: datetime) -> None:
    row.last_attempt_at = now
    if result.ok:
        row.last_success_at = now
        # Assigning an equal value would still be flushed: only touch what changes.
        if row.consecutive_failures or row.last_error is not None or row.next_poll_at is not None:
            row.consecutive_failures, row.last_error, row.next_poll_at = 0, None, None
        if not result.not_modified:
            row.etag, row.last_modified = result.etag, result.last_modified
            row.body_hash = result.body_hash
        return
    row.consecutive_failures += 1
    row.last_error = result.error
    row.gone = row.gone or result.gone
    row.next_poll_at = _next_poll(now, row.consecutive_failures, result.retry_after_s)


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


def _next_poll(now: datetime, failures: int, retry_after_s: float | None) -> datetime | None:
    """A Retry-After is kept to (up to a day); otherwise backoff after a few failures."""
    if retry_after_s:
        return now + min(timedelta(seconds=retry_after_s), MAX_BACKOFF)
    if failures <= BACKOFF_FREE_FAILURES:
        return None
    return now + min(timedelta(minutes=2 ** (failures - BACKOFF_FREE_FAILURES - 1)), MAX_BACKOFF)


def list_source_health(session: Session) -> list[SourceHealth]:
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
