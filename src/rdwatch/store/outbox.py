"""The alert outbox: one alert per (story, channel), then numbered updates; each row delivered at
most once when it succeeds.

A run commits the story and its outbox rows together, then delivers. Delivery claims a row
(pending/failed → sending) in its own short transaction, so two concurrent runs never both send it;
a row left in `sending` by a killed process becomes claimable again after `STALE_CLAIM`.
Failures are retried on later runs with exponential backoff up to `max_attempts`. A row may be
queued not to go before a given time (`not_before`: an update waiting out its rate limit), or held
until one (`hold`: an alert waiting out its channel's quiet hours): either way it is a pending row
whose `next_attempt_at` is its release time, so it survives a restart and is claimed once. A row
`folded` by its channel's daily budget is not sent: the channel's next digest lists its story.
A sent row keeps the story's fact keys it was sent with (`told`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from rdwatch.store.schema import OutboxRow
from rdwatch.store.sql import chunks, insert_for, run

PENDING, SENDING, SENT, FAILED, GAVE_UP = "pending", "sending", "sent", "failed", "gave_up"
# An alert not sent because its story was merged into one that has the same alert.
CANCELLED = "cancelled"
FOLDED = "folded"
STALE_CLAIM = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=6)


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    story_id: int
    channel: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    score: float
    sequence: int = 0
    told: tuple[str, ...] | None = None
    next_attempt_at: datetime | None = None
    folded_at: datetime | None = None


def enqueue(
    session: Session,
    story_id: int,
    channel: str,
    now: datetime,
    *,
    kind: str = "alert",
    score: float = 0.0,
    sequence: int = 0,
    not_before: datetime | None = None,
) -> bool:
    """Add the outbox row unless it exists; True when it was added."""
    row = {
        "story_id": story_id,
        "channel": channel,
        "kind": kind,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "score": score,
        "sequence": sequence,
        "next_attempt_at": not_before if not_before is not None and not_before > now else None,
    }
    statement = insert_for(session, OutboxRow).on_conflict_do_nothing().returning(OutboxRow.id)
    return bool(run(session, statement, row))


def due_ids(session: Session, now: datetime, max_attempts: int) -> list[int]:
    """Rows that may be attempted now, oldest first."""
    query = (
        select(OutboxRow.id)
        .where(
            or_(
                OutboxRow.status == PENDING,
                (OutboxRow.status == FAILED) & (OutboxRow.attempts < max_attempts),
                (OutboxRow.status == SENDING) & (OutboxRow.next_attempt_at <= now),
            ),
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        )
        .order_by(OutboxRow.id)
    )
    return list(session.scalars(query))


def claim(session: Session, row_id: int, now: datetime) -> OutboxEntry | None:
    """Atomically take a due row for sending; None when another process got it first."""
    result = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == row_id,
            or_(
                OutboxRow.status.in_((PENDING, FAILED)),
                (OutboxRow.status == SENDING) & (OutboxRow.next_attempt_at <= now),
            ),
        )
        .values(status=SENDING, next_attempt_at=now + STALE_CLAIM)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _entry(session.get_one(OutboxRow, row_id))


def mark_sent(
    session: Session, row_id: int, now: datetime, told: Collection[str] | None = None
) -> None:
    """`told`: the story's fact keys the message was rendered from."""
    row = session.get_one(OutboxRow, row_id)
    row.status, row.sent_at, row.last_error, row.next_attempt_at = SENT, now, None, None
    row.attempts += 1
    if told is not None:
        row.told = sorted(told)


def mark_failed(
    session: Session, row_id: int, error: str, now: datetime, max_attempts: int
) -> None:
    row = session.get_one(OutboxRow, row_id)
    row.attempts += 1
    row.last_error = error
    if row.attempts >= max_attempts:
        row.status, row.next_attempt_at = GAVE_UP, None
        return
    row.status = FAILED
    row.next_attempt_at = now + min(RETRY_BASE * 2 ** (row.attempts - 1), RETRY_MAX)


def reset_for_resend(session: Session, row_id: int) -> bool:
    row = session.get(OutboxRow, row_id)
    if row is None:
        return False
    row.status, row.next_attempt_at, row.last_error = PENDING, None, None
    return True


def hold(session: Session, row_id: int, until: datetime) -> bool:
    """Keep a due row from being attempted before `until`; False when it is no longer due (another
    run claimed it)."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id, OutboxRow.status.in_((PENDING, FAILED)))
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def fold(session: Session, row_id: int, now: datetime) -> bool:
    """Send a due row's story to its channel's next digest instead of alerting on it."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id, OutboxRow.status.in_((PENDING, FAILED)))
        .values(status=FOLDED, folded_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def sent_since(session: Session, channel: str, since: datetime, kind: str = "alert") -> int:
    """Rows of this kind sent on the channel at or after `since`."""
    query = select(func.count()).where(
        OutboxRow.channel == channel,
        OutboxRow.kind == kind,
        OutboxRow.status == SENT,
        OutboxRow.sent_at >= since,
    )
    return int(session.scalar(query) or 0)


def folded_story_ids(session: Session, channel: str, since: datetime, until: datetime) -> set[int]:
    """Stories whose alert on the channel was folded into a digest in (since, until]."""
    query = select(OutboxRow.story_id).where(
        OutboxRow.channel == channel,
        OutboxRow.status == FOLDED,
        OutboxRow.folded_at > since,
        OutboxRow.folded_at <= until,
    )
    return set(session.scalars(query))


def get_entries(session: Session, row_ids: Sequence[int]) -> list[OutboxEntry]:
    found = []
    for chunk in chunks(row_ids):
        found += [
            _entry(r) for r in session.scalars(select(OutboxRow).where(OutboxRow.id.in_(chunk)))
        ]
    return sorted(found, key=lambda e: e.id)


def get_entry(session: Session, row_id: int) -> OutboxEntry | None:
    row = session.get(OutboxRow, row_id)
    return _entry(row) if row is not None else None


def find_entry(
    session: Session, story_id: int, channel: str, kind: str = "alert"
) -> OutboxEntry | None:
    """The story's first row of this kind on the channel (its alert: there is one)."""
    row = session.scalar(
        select(OutboxRow)
        .where(OutboxRow.story_id == story_id, OutboxRow.channel == channel, OutboxRow.kind == kind)
        .order_by(OutboxRow.sequence)
        .limit(1)
    )
    return _entry(row) if row is not None else None


_HISTORY = (
    select(*(getattr(OutboxRow, c) for c in ("id", "story_id", "channel", "kind", "status",
           "attempts", "last_error", "created_at", "sent_at", "score", "sequence", "told",
           "next_attempt_at")))
    .where(OutboxRow.story_id == bindparam("story"))
    .order_by(OutboxRow.channel, OutboxRow.kind, OutboxRow.sequence)
)  # fmt: skip


def story_history(session: Session, story_ids: Collection[int]) -> list[OutboxEntry]:
    """Every outbox row of these stories, by story, channel and sequence: the alert and its
    updates (a handful per channel, whatever the story's size). Ingest asks for one story per
    article: a Core statement compiled once."""
    found = []
    for story_id in story_ids:
        for row in run(session, _HISTORY, {"story": story_id}):
            fields = row._asdict()
            fields["told"] = tuple(fields["told"]) if fields["told"] is not None else None
            found.append(OutboxEntry(**fields))
    return found


def list_entries(session: Session, *, status: str | None = None) -> list[OutboxEntry]:
    query = select(OutboxRow).order_by(OutboxRow.id)
    if status:
        query = query.where(OutboxRow.status == status)
    return [_entry(row) for row in session.scalars(query)]


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        story_id=row.story_id,
        channel=row.channel,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        score=row.score,
        sequence=row.sequence,
        told=tuple(row.told) if row.told is not None else None,
        next_attempt_at=row.next_attempt_at,
        folded_at=row.folded_at,
    )
