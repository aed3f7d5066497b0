"""When an alerted story deserves an update on a channel, and when it may go.

A story gets an update on a channel once its alert went out there and it has gained a material
change (`changes.story_changes`) since the last message on that channel told its reader what it
knew. Updates are rate-limited per story and channel: at most `max_updates_per_story`, and none
sooner than `update_every` after the previous message, so an update waiting out that time is
queued with a `not_before` and, when it goes, tells everything that changed by then. While one
update waits, no other is queued.

Pure: the channel's outbox history and the story's facts come in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.changes import Change, story_changes
from rdwatch.models import Fact
from rdwatch.store.outbox import CANCELLED, SENT, OutboxEntry


@dataclass(frozen=True)
class UpdateRules:
    every: timedelta
    max_per_story: int


@dataclass(frozen=True)
class ChannelHistory:
    """What was sent on one channel about one story."""

    alert_sent_at: datetime | None = None
    last_sent_at: datetime | None = None
    told: frozenset[str] | None = None  # the fact keys of the last message sent
    updates: int = 0  # updates queued so far, sent or not (cancelled ones aside)
    waiting: bool = False  # an update not sent yet
    next_sequence: int = 1


@dataclass(frozen=True)
class UpdatePlan:
    sequence: int
    not_before: datetime
    changes: tuple[Change, ...]


def channel_history(entries: Sequence[OutboxEntry], channel: str) -> ChannelHistory:
    """The channel's alert and updates on one story, as `plan_update` reads them."""
    # A spike alert is about coverage, and its sequence numbers an episode, not an update.
    entries = [e for e in entries if e.kind != "spike"]
    mine = [e for e in entries if e.channel == channel and e.status != CANCELLED]
    alert = next((e for e in mine if e.kind == "alert"), None)
    updates = [e for e in mine if e.kind == "update"]
    sent = [e for e in mine if e.status == SENT and e.sent_at is not None]
    last = max(sent, key=lambda e: (e.sent_at, e.sequence), default=None)
    return ChannelHistory(
        alert_sent_at=alert.sent_at if alert is not None and alert.status == SENT else None,
        last_sent_at=last.sent_at if last is not None else None,
        told=frozenset(last.told) if last is not None and last.told is not None else None,
        updates=len(updates),
        waiting=any(e.status != SENT for e in updates),
        next_sequence=max((e.sequence for e in entries if e.channel == channel), default=0) + 1,
    )


def plan_update(
    history: ChannelHistory,
    facts: Sequence[Fact],
    archive_keys: Collection[str],
    settings: NotabilityConfig,
    rules: UpdateRules,
    now: datetime,
) -> UpdatePlan | None:
    """The update to queue on this channel now, or None (not alerted yet, one already waiting,
    the limit reached, or nothing material changed)."""
    if history.alert_sent_at is None or history.last_sent_at is None:
        return None  # not alerted yet: the alert will carry every fact known by then
    if history.waiting or history.updates >= rules.max_per_story:
        return None
    told = history.told if history.told is not None else frozenset(f.key for f in facts)
    changes = story_changes(facts, told, archive_keys, settings)
    if not changes:
        return None
    not_before = max(now, history.last_sent_at + rules.every)
    return UpdatePlan(history.next_sequence, not_before, changes)
