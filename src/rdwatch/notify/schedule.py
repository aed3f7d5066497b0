"""When a due outbox row goes: now, held until a channel's quiet hours end, or folded into the
channel's next digest by its daily budget.

- An urgent row (score in the `urgency.urgent` band) always goes, quiet hours or not, and counts
  against the day's budget.
- Any other row due inside the channel's quiet hours is held until they end.
- A channel's `daily_budget` caps the alerts (not updates) sent per local day. Due alerts are
  taken highest score first; once the day's budget is spent, the rest are folded. The budget is
  spent as alerts fall due: an alert sent in the morning is not taken back for a higher one at
  night.

Pure: the due rows, the channel rules and what each channel sent today come in; one `Release`
per row comes out. `rdwatch.notify.deliver` applies them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rdwatch.config import QuietHoursConfig, UrgencyConfig
from rdwatch.notify.routing import ChannelRules, Tier, tier_of


class Action(StrEnum):
    SEND = "send"
    HOLD = "hold"
    FOLD = "fold"


@dataclass(frozen=True)
class DueRow:
    id: int
    channel: str
    kind: str
    score: float


@dataclass(frozen=True)
class Release:
    row_id: int
    action: Action
    until: datetime | None = None  # a held row's release time


def plan_releases(
    due: Sequence[DueRow],
    rules: Mapping[str, ChannelRules],
    urgency: UrgencyConfig,
    sent_today: Mapping[str, int],
    now: datetime,
) -> list[Release]:
    """One release per due row, in the order of `due`. A channel without rules (no longer
    configured) gets its rows sent, and delivery records why they failed."""
    decided: dict[int, Release] = {}
    for channel in dict.fromkeys(r.channel for r in due):
        rows = sorted((r for r in due if r.channel == channel), key=lambda r: (-r.score, r.id))
        channel_rules = rules.get(channel)
        if channel_rules is None:
            decided |= {r.id: Release(r.id, Action.SEND) for r in rows}
            continue
        spent = sent_today.get(channel, 0)
        quiet_end = _quiet_end(channel_rules, now)
        for row in rows:
            release = _release(row, channel_rules, urgency, quiet_end, spent)
            if release.action == Action.SEND and row.kind == "alert":
                spent += 1
            decided[row.id] = release
    return [decided[r.id] for r in due]


def _release(
    row: DueRow,
    rules: ChannelRules,
    urgency: UrgencyConfig,
    quiet_end: datetime | None,
    spent: int,
) -> Release:
    if tier_of(row.score, urgency) == Tier.URGENT:
        return Release(row.id, Action.SEND)
    if quiet_end is not None:
        return Release(row.id, Action.HOLD, quiet_end)
    if row.kind == "alert" and rules.daily_budget is not None and spent >= rules.daily_budget:
        return Release(row.id, Action.FOLD)
    return Release(row.id, Action.SEND)


def _quiet_end(rules: ChannelRules, now: datetime) -> datetime | None:
    if rules.quiet_hours is None:
        return None
    return quiet_until(rules.quiet_hours, rules.timezone, now)


def quiet_until(quiet: QuietHoursConfig, timezone: str, now: datetime) -> datetime | None:
    """When the quiet window `now` falls in ends (UTC), or None when `now` is not in one. A
    window whose end is before its start spans midnight."""
    zone = ZoneInfo(quiet.timezone or timezone)
    local = now.astimezone(zone)
    start, end = _clock(quiet.start), _clock(quiet.end)
    at = local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        inside, end_day = start <= at < end, local.date()
    else:
        inside = at >= start or at < end
        end_day = local.date() + timedelta(days=1) if at >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def day_start(timezone: str, now: datetime) -> datetime:
    """The start of the local day `now` is in, in `now`'s zone (UTC)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(now.tzinfo)


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
