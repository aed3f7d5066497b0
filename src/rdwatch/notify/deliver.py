"""Delivering the outbox: claim each due row, render, send, record the outcome.

Each row is claimed and recorded in its own short transaction, so a crash at any point leaves
every row either sent, or claimable again by a later run (see store.outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rdwatch.errors import NotifyError
from rdwatch.notify.channels import Sender, redact
from rdwatch.notify.render import render_alert
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store.articles import get_story

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    sent: tuple[tuple[int, str], ...] = ()  # (story id, channel)
    failed: tuple[tuple[int, str, str], ...] = ()  # (story id, channel, error)
    skipped: int = 0


@dataclass
class _Tally:
    sent: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    skipped: int = 0


def deliver_outbox(
    db: Database,
    senders: Sequence[Sender],
    *,
    now: Callable[[], datetime],
    max_attempts: int,
) -> DeliveryReport:
    by_channel = {sender.channel_id: sender for sender in senders}
    with db.session() as session:
        ids = outbox_store.due_ids(session, now(), max_attempts)
    tally = _Tally()
    for row_id in ids:
        _deliver_one(db, row_id, by_channel, now, max_attempts, tally)
    return DeliveryReport(tuple(tally.sent), tuple(tally.failed), tally.skipped)


def _deliver_one(
    db: Database,
    row_id: int,
    by_channel: dict[str, Sender],
    now: Callable[[], datetime],
    max_attempts: int,
    tally: _Tally,
) -> None:
    with db.session() as session:
        entry = outbox_store.claim(session, row_id, now())
        story = get_story(session, entry.story_id) if entry else None
    if entry is None or story is None:
        tally.skipped += 1
        return
    sender = by_channel.get(entry.channel)
    try:
        if sender is None:
            raise NotifyError(f"channel {entry.channel} is no longer configured")
        sender.send(render_alert(story, sender.body_format, kind=entry.kind))
    except NotifyError as exc:
        error = redact(str(exc))
        log.warning("alert for story %s on %s failed: %s", entry.story_id, entry.channel, error)
        with db.session() as session:
            outbox_store.mark_failed(session, row_id, error, now(), max_attempts)
        tally.failed.append((entry.story_id, entry.channel, error))
        return
    with db.session() as session:
        outbox_store.mark_sent(session, row_id, now())
    log.info("alert for story %s sent on %s", entry.story_id, entry.channel)
    tally.sent.append((entry.story_id, entry.channel))
