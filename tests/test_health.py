"""Silent-source detection: configured and learned expected update periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rdwatch.health import (
    DEFAULT_EXPECTED,
    OpenSilence,
    SilenceAlarm,
    SilenceChanges,
    find_silent_sources,
    silence_changes,
)

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


def test_too_little_history_waits_the_default_period() -> None:
    recent = {"new": _every(1, 3, NOW - timedelta(days=6))}
    assert find_silent_sources(recent, {"new": None}, NOW) == []
    old = {"new": _every(1, 3, NOW - timedelta(days=8))}
    [alarm] = find_silent_sources(old, {"new": None}, NOW)
    assert alarm.basis == "default" and alarm.expected == DEFAULT_EXPECTED


def test_a_source_that_never_brought_an_item_is_silent_since_it_was_added() -> None:
    added = {"never": NOW - timedelta(hours=13), "young": NOW - timedelta(hours=11)}
    expected = {"never": 12.0, "young": 12.0, "unknown": None}
    [alarm] = find_silent_sources({}, expected, NOW, quiet_since={**added, "unknown": None})
    assert alarm.source == "never" and alarm.since == added["never"]


def test_a_slowly_polled_source_is_not_expected_more_often_than_it_is_polled() -> None:
    arrivals = {"s": _every(1, 10, NOW - timedelta(hours=5))}  # hourly, quiet for 5 hours
    assert find_silent_sources(arrivals, {"s": None}, NOW)  # 3 × 1h: silent
    floors = {"s": timedelta(hours=12)}
    assert find_silent_sources(arrivals, {"s": None}, NOW, floors=floors) == []


def _alarm(source: str, since: datetime) -> SilenceAlarm:
    return SilenceAlarm(source, NOW - since, timedelta(hours=1), "learned", since)


def test_an_episode_opens_once_and_ends_when_items_return() -> None:
    t1 = NOW - timedelta(days=2)
    first = silence_changes([_alarm("s", t1)], [])
    assert [a.source for a in first.opened] == ["s"] and first.cleared == ()
    stored = [OpenSilence(7, "s", t1)]
    assert silence_changes([_alarm("s", t1)], stored) == SilenceChanges()  # no second alarm
    assert silence_changes([], stored) == SilenceChanges(cleared=(7,))  # items came back
    # silent again from a later item: the old episode ends, a new one begins
    t2 = NOW - timedelta(hours=5)
    again = silence_changes([_alarm("s", t2)], stored)
    assert again.cleared == (7,) and [a.since for a in again.opened] == [t2]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=0, max_size=30))
def test_never_alarms_when_the_last_item_just_arrived(offsets_hours: list[int]) -> None:
    arrivals = {"s": [NOW, *(NOW - timedelta(hours=h) for h in offsets_hours)]}
    assert find_silent_sources(arrivals, {"s": None}, NOW) == []
