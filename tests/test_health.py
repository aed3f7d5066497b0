"""Silent-source detection: configured and learned expected update periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rdwatch.health import find_silent_sources

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _every(hours: float, count: int, last: datetime) -> list[datetime]:
    return [last - timedelta(hours=hours * i) for i in range(count)]


def test_learned_rhythm_flags_a_daily_source_quiet_for_five_days() -> None:
    arrivals = {"daily": _every(24, 10, NOW - timedelta(days=5))}
    [alarm] = find_silent_sources(arrivals, {"daily": None}, NOW)
    assert alarm.source == "daily" and alarm.learned
    assert "usual rhythm" in str(alarm) and "5.0 days" in str(alarm)


def test_a_source_within_its_rhythm_is_not_flagged() -> None:
    arrivals = {"daily": _every(24, 10, NOW - timedelta(hours=30))}
    assert find_silent_sources(arrivals, {"daily": None}, NOW) == []


def test_configured_period_wins_and_needs_no_history() -> None:
    arrivals = {"weekly": [NOW - timedelta(hours=13)]}
    [alarm] = find_silent_sources(arrivals, {"weekly": 12.0}, NOW)
    assert not alarm.learned and "expected_update_hours" in str(alarm)


def test_too_little_history_never_alarms() -> None:
    arrivals = {"new": _every(1, 3, NOW - timedelta(days=30))}
    assert find_silent_sources(arrivals, {"new": None}, NOW) == []


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=0, max_size=30))
def test_never_alarms_when_the_last_item_just_arrived(offsets_hours: list[int]) -> None:
    arrivals = {"s": [NOW, *(NOW - timedelta(hours=h) for h in offsets_hours)]}
    assert find_silent_sources(arrivals, {"s": None}, NOW) == []
