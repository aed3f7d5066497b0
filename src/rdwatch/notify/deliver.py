"""Delivering the outbox: claim each due row, render, send, record the outcome.

Each row is claimed and recorded in its own short transaction, so a crash at any point leaves
every row either sent, or claimable again by a later run (see store.outbox). A crash after the
channel accepted a message but before the row was marked sent is the one case that can repeat a
message; it is as narrow as one HTTP/SMTP round trip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from rdwatch.config import AlertsConfig, NotabilityConfig, SpikeConfig
from rdwatch.errors import NotifyError
from rdwatch.intelligence.views import changes_since
from rdwatch.models import AlertMessage, DeliveryReport, StoryView
from rdwatch.notify.channels import Sender, redact
from rdwatch.notify.context import load_alert_context, told_on
from rdwatch.notify.render import FollowUp, render_alert, render_test_message
from rdwatch.notify.routing import channel_rules
from rdwatch.notify.schedule import Action, DueRow, day_start, plan_releases
from rdwatch.notify.spike_alerts import SPIKE, render_spike
from rdwatch.notify.text import clean_text
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store.articles import archive_fact_keys, get_story

log = logging.getLogger(__name__)


@dataclass
class _Tally:
    sent: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    skipped: int = 0
    settings: NotabilityConfig | None = None  # the money threshold "why" quotes
    spike: SpikeConfig | None = None  # the window and baseline a spike alert quotes


@dataclass(frozen=True)
class ChannelCheck:
    """The outcome of `rdwatch alerts test` on one channel; `error` is already redacted."""

    channel: str
    ok: bool
    error: str = ""


def deliver_outbox(
    db: Database,
    senders: Sequence[Sender],
    *,
    now: Callable[[], datetime],
    max_attempts: int,
    settings: NotabilityConfig | None = None,
    controls: AlertsConfig | None = None,
) -> DeliveryReport:
    """Attempt every due row once: pending rows, failed rows whose backoff is over, stale claims.

    `settings`: the notability config whose thresholds an alert's "why" quotes (default: the
    built-in defaults). `controls`: the alerts config whose urgency bands, quiet hours and daily
    budgets hold or fold due rows first (`notify.schedule`; default: every due row goes)."""
    by_channel = {sender.channel_id: sender for sender in senders}
    with db.session() as session:
        ids = outbox_store.due_ids(session, now(), max_attempts)
        if controls is not None and ids:
            ids = _apply_controls(session, ids, senders, controls, now())
    tally = _Tally(settings=settings, spike=controls.spike if controls is not None else None)
    for row_id in ids:
        _deliver_one(db, row_id, by_channel, now, max_attempts, tally)
    return DeliveryReport(tuple(tally.sent), tuple(tally.failed), tally.skipped)


def resend(
    db: Database,
    senders: Sequence[Sender],
    row_id: int,
    *,
    now: Callable[[], datetime],
    max_attempts: int,
    settings: NotabilityConfig | None = None,
) -> DeliveryReport:
    """Make one outbox row pending again (whatever its status) and deliver it now."""
    with db.session() as session:
        if not outbox_store.reset_for_resend(session, row_id):
            raise NotifyError(f"no alert with id {row_id} (see `rdwatch alerts list`)")
    tally = _Tally(settings=settings)
    by_channel = {sender.channel_id: sender for sender in senders}
    _deliver_one(db, row_id, by_channel, now, max_attempts, tally)
    return DeliveryReport(tuple(tally.sent), tuple(tally.failed), tally.skipped)


def _apply_controls(
    session: Session,
    ids: list[int],
    senders: Sequence[Sender],
    controls: AlertsConfig,
    now: datetime,
) -> list[int]:
    """Hold and fold the due rows `notify.schedule` says to; the ids left to send now."""
    rules = {r.channel: r for r in channel_rules(senders, controls)}
    entries = outbox_store.get_entries(session, ids)
    due = [DueRow(e.id, e.channel, e.kind, e.score) for e in entries]
    sent_today = {
        channel: outbox_store.sent_since(session, channel, day_start(r.timezone, now))
        for channel, r in rules.items()
        if r.daily_budget is not None
    }
    sending = []
    for release in plan_releases(due, rules, controls.urgency, sent_today, now):
        if release.action == Action.SEND:
            sending.append(release.row_id)
        elif release.action == Action.HOLD and release.until is not None:
            outbox_store.hold(session, release.row_id, release.until)
        elif release.action == Action.FOLD and outbox_store.fold(session, release.row_id, now):
            log.info("alert %d folded into the next digest: daily budget spent", release.row_id)
    return sending


def send_test_messages(senders: Sequence[Sender], now: datetime) -> list[ChannelCheck]:
    """Send a test message to every channel; one result per channel, failures included."""
    checks = []
    for sender in senders:
        try:
            sender.send(render_test_message(sender.channel_id, sender.body_format, now))
        except NotifyError as exc:
            checks.append(ChannelCheck(sender.channel_id, False, redact(str(exc))))
            continue
        checks.append(ChannelCheck(sender.channel_id, True))
    return checks


def _deliver_one(
    db: Database,
    row_id: int,
    by_channel: dict[str, Sender],
    now: Callable[[], datetime],
    max_attempts: int,
    tally: _Tally,
) -> None:
    sender, message = None, None
    with db.session() as session:
        entry = outbox_store.claim(session, row_id, now())
        story = get_story(session, entry.story_id) if entry else None
        if entry is not None and story is not None:
            sender = by_channel.get(entry.channel)
            if sender is not None:
                message = _render(session, story, sender, entry, tally)
    # A spike alert tells no facts: the story's next update still owes its reader all of them.
    spiked = entry is not None and entry.kind == SPIKE
    told = [f.key for f in story.facts] if story is not None and not spiked else None
    if entry is None or story is None:
        tally.skipped += 1
        return
    try:
        if sender is None or message is None:
            raise NotifyError(f"channel {entry.channel} is no longer configured")
        sender.send(message)
    except NotifyError as exc:
        error = redact(str(exc))
        log.warning("alert for story %s on %s failed: %s", entry.story_id, entry.channel, error)
        with db.session() as session:
            outbox_store.mark_failed(session, row_id, error, now(), max_attempts)
        tally.failed.append((entry.story_id, entry.channel, error))
        return
    with db.session() as session:
        outbox_store.mark_sent(session, row_id, now(), told)
    log.info("%s for story %s sent on %s", entry.kind, entry.story_id, entry.channel)
    tally.sent.append((entry.story_id, entry.channel))


def _render(
    session: Session,
    story: StoryView,
    sender: Sender,
    entry: outbox_store.OutboxEntry,
    tally: _Tally,
) -> AlertMessage:
    if entry.kind == SPIKE:
        return render_spike(session, entry.sequence, story, sender.body_format, tally.spike)
    settings = tally.settings
    update = entry.kind == "update"
    context = load_alert_context(
        session, story, follow_up_channel=entry.channel if update else None, settings=settings
    )
    follow_up = _follow_up(session, story, entry, settings) if update else None
    return render_alert(
        story, sender.body_format, kind=entry.kind, follow_up=follow_up, context=context
    )


def _follow_up(
    session: Session,
    story: StoryView,
    entry: outbox_store.OutboxEntry,
    settings: NotabilityConfig | None,
) -> FollowUp | None:
    """What the update adds to the last message on the same channel."""
    first = outbox_store.find_entry(session, story.id, entry.channel, "alert")
    if first is None or first.sent_at is None:
        return None
    told = told_on(session, [story.id], entry.channel).get(story.id, set())
    archive = archive_fact_keys(session)
    changes = changes_since(session, story, told, archive, settings or NotabilityConfig())
    return FollowUp(
        first_alert_id=first.id,
        first_sent_at=first.sent_at,
        new_facts=tuple(f for f in story.facts if f.key not in told),
        changes=tuple(clean_text(str(c)) for c in changes),
        number=max(entry.sequence, 1),
    )
