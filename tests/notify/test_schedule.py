"""notify.schedule: quiet windows in the channel's time zone, urgent rows through them, daily
budgets spent highest score first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rdwatch.config import QuietHoursConfig, UrgencyConfig
from rdwatch.notify.routing import ChannelRules
from rdwatch.notify.schedule import Action, DueRow, day_start, plan_releases, quiet_until

NIGHT = QuietHoursConfig(start="22:00", end="07:00", timezone="Europe/London")
BANDS = UrgencyConfig(urgent=0.85, normal=0.5)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (datetime(2026, 11, 20, 23, 0, tzinfo=UTC), datetime(2026, 11, 21, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), datetime(2026, 11, 21, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 21, 7, 0, tzinfo=UTC), None),
        (datetime(2026, 11, 20, 21, 59, tzinfo=UTC), None),
        # British Summer Time: 22:00 in London is 21:00 UTC, 07:00 is 06:00 UTC.
        (datetime(2026, 7, 1, 21, 30, tzinfo=UTC), datetime(2026, 7, 2, 6, 0, tzinfo=UTC)),
    ],
)
def test_quiet_window_spans_midnight_in_the_channel_zone(
    now: datetime, until: datetime | None
) -> None:
    assert quiet_until(NIGHT, "UTC", now) == until


def test_a_daytime_window_and_the_channel_zone_as_default() -> None:
    lunch = QuietHoursConfig(start="12:00", end="13:30")
    noon_tokyo = datetime(2026, 11, 20, 3, 15, tzinfo=UTC)  # 12:15 in Tokyo
    assert quiet_until(lunch, "Asia/Tokyo", noon_tokyo) == datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    assert quiet_until(lunch, "UTC", noon_tokyo) is None


def test_day_start_is_local_midnight() -> None:
    now = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 01:00 on the 21st in Shanghai
    assert day_start("Asia/Shanghai", now) == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert day_start("UTC", now) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def test_quiet_hours_hold_normal_rows_and_let_urgent_ones_go() -> None:
    rules = {"chat": ChannelRules("chat", quiet_hours=NIGHT)}
    due = [DueRow(1, "chat", "alert", 0.6), DueRow(2, "chat", "alert", 0.9),
           DueRow(3, "chat", "update", 0.7)]  # fmt: skip
    night = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    releases = plan_releases(due, rules, BANDS, {}, night)
    morning = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert [(r.row_id, r.action, r.until) for r in releases] == [
        (1, Action.HOLD, morning), (2, Action.SEND, None), (3, Action.HOLD, morning),
    ]  # fmt: skip
    assert all(r.action == Action.SEND for r in plan_releases(due, rules, BANDS, {}, morning))


def test_a_budget_sends_the_highest_scores_and_folds_the_rest() -> None:
    rules = {"chat": ChannelRules("chat", daily_budget=3), "free": ChannelRules("free")}
    scores = [0.6, 0.8, 0.55, 0.7, 0.75]
    due = [DueRow(i, "chat", "alert", s) for i, s in enumerate(scores, 1)]
    due += [DueRow(10, "chat", "update", 0.5), DueRow(11, "free", "alert", 0.5)]
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    actions = {r.row_id: r.action for r in plan_releases(due, rules, BANDS, {}, now)}
    assert {i for i, a in actions.items() if a == Action.FOLD} == {1, 3}, actions
    assert actions[10] == actions[11] == Action.SEND  # updates and unbudgeted channels go
    spent = plan_releases(due, rules, BANDS, {"chat": 2}, now)
    assert [r.row_id for r in spent if r.action == Action.SEND and r.row_id < 10] == [2]


def test_urgent_rows_go_over_budget_and_count_against_it() -> None:
    rules = {"chat": ChannelRules("chat", daily_budget=1)}
    due = [DueRow(1, "chat", "alert", 0.9), DueRow(2, "chat", "alert", 0.95),
           DueRow(3, "chat", "alert", 0.6)]  # fmt: skip
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    actions = [r.action for r in plan_releases(due, rules, BANDS, {}, now)]
    assert actions == [Action.SEND, Action.SEND, Action.FOLD]
