"""rdwatch.spikes: a burst of distinct publishers against the baseline, once per episode; a
steady stream never spikes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rdwatch.config import SpikeConfig
from rdwatch.spikes import Coverage, coverage_since, find_spikes

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SETTINGS = SpikeConfig(factor=4, min_publishers=5, window="1h")


def _burst(count: int, at: datetime = NOW, story: int = 1) -> list[Coverage]:
    return [
        Coverage(story, "T-Head launches XuanTie C930", f"outlet-{i}.example",
                 at - timedelta(minutes=i * 5), ("T-Head",))
        for i in range(count)
    ]  # fmt: skip


def _steady(per_hour: int, hours: int = 7 * 24) -> list[Coverage]:
    items = []
    for hour in range(hours + 1):
        for i in range(per_hour):
            at = NOW - timedelta(hours=hour, minutes=10 + i)
            items.append(
                Coverage(100 + hour, f"story {hour}", f"wire-{i}.example", at, ("T-Head",))
            )
    return items


def test_a_burst_of_eight_publishers_against_a_baseline_of_one_spikes_once() -> None:
    check = find_spikes(_burst(8), (), SETTINGS, NOW)
    [entity] = [f for f in check.findings if f.subject == "entity:T-Head"]
    assert (entity.label, entity.publishers, entity.baseline) == ("T-Head", 8, 1.0)
    assert entity.new and entity.alert and entity.story_id == 1
    [story] = [f for f in check.findings if f.subject == "story:1"]
    assert story.new and not story.alert  # the entity's alert names the story: one alert

    later = NOW + timedelta(minutes=20)
    going_on = find_spikes(
        _burst(8) + _burst(3, later), ("entity:T-Head", "story:1"), SETTINGS, later
    )
    assert all(not f.new and not f.alert for f in going_on.findings), going_on
    assert going_on.ended == ()


def test_an_episode_ends_when_coverage_falls_and_a_new_burst_is_a_new_episode() -> None:
    quiet = NOW + timedelta(hours=3)
    ended = find_spikes(_burst(8), ("entity:T-Head", "story:1"), SETTINGS, quiet)
    assert ended.findings == () and ended.ended == ("entity:T-Head", "story:1")
    again = NOW + timedelta(days=2)
    [entity] = [f for f in find_spikes(_burst(8, again), (), SETTINGS, again).findings
                if f.subject.startswith("entity:")]  # fmt: skip
    assert entity.new and entity.alert


def test_a_steady_stream_never_spikes() -> None:
    assert find_spikes(_steady(6), (), SETTINGS, NOW).findings == ()


def test_the_baseline_is_the_mean_per_window_with_a_floor_of_one() -> None:
    # 2 publishers an hour all week, then 8: 8 >= 4 × 2 spikes; 7 would not.
    history = [c for c in _steady(2) if c.fetched_at <= NOW - timedelta(hours=1)]
    [entity] = [f for f in find_spikes(history + _burst(8), (), SETTINGS, NOW).findings
                if f.subject.startswith("entity:")]  # fmt: skip
    assert entity.baseline == 2.0 and entity.publishers == 8
    assert not any(
        f.subject.startswith("entity:")
        for f in find_spikes(history + _burst(7), (), SETTINGS, NOW).findings
    )
    too_few = SpikeConfig(factor=4, min_publishers=9, window="1h")
    assert find_spikes(_burst(8), (), too_few, NOW).findings == ()
    assert coverage_since(SETTINGS, NOW) == NOW - timedelta(hours=7 * 24 + 1)


def test_one_alert_per_burst_however_many_subjects_it_spikes() -> None:
    both = [
        Coverage(1, "T-Head and Alibaba Group", f"outlet-{i}.example",
                 NOW - timedelta(minutes=i), ("T-Head", "Alibaba Group"))
        for i in range(8)
    ]  # fmt: skip
    findings = find_spikes(both, (), SETTINGS, NOW).findings
    assert {f.subject for f in findings} == {"entity:T-Head", "entity:Alibaba Group", "story:1"}
    assert [f.subject for f in findings if f.alert] == ["entity:T-Head"]  # named first
    unwatched = [
        Coverage(2, "Chip fab opens", f"outlet-{i}.example", NOW - timedelta(minutes=i))
        for i in range(6)
    ]
    [story] = find_spikes(unwatched, (), SETTINGS, NOW).findings
    assert (story.subject, story.label, story.alert) == ("story:2", "Chip fab opens", True)
