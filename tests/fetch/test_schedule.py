"""The poll schedule as pure decisions, on a simulated clock: who is due, and when next."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.config import SourceConfig, parse_config
from rdwatch.errors import ConfigError
from rdwatch.fetch.schedule import (
    DUE_SLACK,
    Cadence,
    NextPoll,
    PollOutcome,
    cadence_of,
    current_interval,
    due_sources,
    is_due,
    next_interval,
    plan_after_fetches,
    plan_next_poll,
)
from rdwatch.models import FetchFailure, SourceFetch, SourceState

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
DAY = 24 * 60


def _source(name: str, **options: str) -> SourceConfig:
    return SourceConfig(name=name, url=f"http://127.0.0.1:9/{name}.xml", **options)


def _simulate(
    sources: list[SourceConfig],
    minutes: int,
    *,
    new_items: Callable[[str, datetime], int] = lambda name, now: 0,
    default_every: str = "15m",
) -> tuple[dict[str, int], dict[str, SourceState]]:
    """A scheduled run every minute (starting 1-20 s late, as cron runs do) for `minutes`:
    how often each source was polled, and its state at the end."""
    jitter = random.Random(7)
    cadences = {s.name: cadence_of(s, default_every) for s in sources}
    states = {s.name: SourceState(s.name) for s in sources}
    polls = dict.fromkeys(states, 0)
    for minute in range(minutes):
        now = START + timedelta(minutes=minute, seconds=jitter.uniform(1, 20))
        for source in due_sources(sources, states, now):
            polls[source.name] += 1
            state = states[source.name]
            outcome = PollOutcome(new_items=new_items(source.name, now))
            plan = plan_next_poll(
                cadences[source.name], current_interval(cadences[source.name], state), outcome, now
            )
            states[source.name] = _stored(state, plan)
    return polls, states


def _stored(state: SourceState, plan: NextPoll) -> SourceState:
    return replace(
        state,
        next_poll_at=plan.at,
        interval_s=plan.interval.total_seconds(),
        hold_until=plan.hold_until,
    )


def test_a_day_polls_5_minute_sources_288_times_and_6_hour_sources_4_times() -> None:
    pinned = [
        _source("fast", every="5m", min_every="5m", max_every="5m"),
        _source("slow", every="6h", min_every="6h", max_every="6h"),
    ]
    polls, _ = _simulate(pinned, DAY)
    assert polls == {"fast": 288, "slow": 4}


def test_a_busy_source_is_polled_at_its_floor_and_a_quiet_one_at_its_ceiling() -> None:
    sources = [_source("busy", every="10m"), _source("quiet", every="10m")]
    polls, states = _simulate(sources, DAY, new_items=lambda name, now: 3 if name == "busy" else 0)
    # Bounds derived from every=10m: 5m and 40m.
    assert states["busy"].interval_s == 5 * 60 and states["quiet"].interval_s == 40 * 60
    assert 280 <= polls["busy"] <= 288, polls  # a few polls at 10m before the floor
    assert 36 <= polls["quiet"] <= 40, polls  # 10m, 15m, 22.5m, 33.75m, then 40m


def test_a_source_settles_between_its_bounds_near_its_own_rhythm() -> None:
    """A source publishing once an hour, polled from every=15m (bounds 7.5m..1h)."""
    source = _source("hourly", every="15m")
    published = [START + timedelta(hours=h, minutes=17) for h in range(24)]
    seen: set[datetime] = set()

    def new_items(name: str, now: datetime) -> int:
        fresh = {p for p in published if p <= now} - seen
        seen.update(fresh)
        return len(fresh)

    polls, state = _simulate([source], DAY, new_items=new_items)
    assert 24 <= polls["hourly"] < 96, polls  # fewer than every 15 minutes, at least hourly
    interval = state["hourly"].interval_s
    assert interval is not None and 7.5 * 60 <= interval <= 3600


def test_derived_bounds_and_configured_ones() -> None:
    assert cadence_of(_source("a"), "15m") == Cadence(
        timedelta(minutes=15), timedelta(minutes=7.5), timedelta(hours=1)
    )
    assert cadence_of(_source("b", every="1d"), "15m") == Cadence(
        timedelta(days=1), timedelta(hours=12), timedelta(days=4)
    )
    # half of 1m would be under the scheduler's minute: the floor is 1m
    assert cadence_of(_source("c", every="1m"), "15m").min_every == timedelta(minutes=1)
    pinned = cadence_of(_source("d", every="2h", min_every="1h", max_every="3h"), "15m")
    assert (pinned.min_every, pinned.max_every) == (timedelta(hours=1), timedelta(hours=3))
    # bounds set against a default every are widened to hold it
    assert cadence_of(_source("e", min_every="1h"), "15m").min_every == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": "30s"}, "at least 1m"),
        ({"every": "often"}, "not a duration"),
        ({"every": "1h", "min_every": "2h"}, "min_every <= every <= max_every"),
        ({"every": "1h", "max_every": "30m"}, "min_every <= every <= max_every"),
    ],
)
def test_bad_intervals_fail_the_config_with_their_key(
    options: dict[str, str], message: str
) -> None:
    data = {"sources": [{"name": "s", "url": "http://127.0.0.1:9/s.xml", **options}]}
    with pytest.raises(ConfigError, match=message):
        parse_config(data)
    with pytest.raises(ConfigError, match=r"fetch\.every: .*at least 1m"):
        parse_config({"fetch": {"every": "10s"}})


def test_retry_after_is_kept_exactly_even_beyond_max_every() -> None:
    cadence = cadence_of(_source("s", every="5m"), "15m")  # max 20m
    now = START
    plan = plan_next_poll(
        cadence,
        cadence.every,
        PollOutcome(failed=True, consecutive_failures=1, retry_after=timedelta(hours=2)),
        now,
    )
    assert plan.hold_until == now + timedelta(hours=2) and plan.at == now + timedelta(hours=2)
    state = _stored(SourceState("s"), plan)
    assert not is_due(state, now + timedelta(hours=2) - timedelta(seconds=1))
    assert is_due(state, now + timedelta(hours=2))
    # the slack that lets a run a few seconds early poll a due source never shortens a hold
    early = now + timedelta(hours=2) - DUE_SLACK / 2
    assert not is_due(state, early)


def test_a_short_retry_after_does_not_poll_sooner_than_the_cadence() -> None:
    cadence = cadence_of(_source("s", every="6h"), "15m")
    outcome = PollOutcome(failed=True, consecutive_failures=1, retry_after=timedelta(seconds=30))
    plan = plan_next_poll(cadence, cadence.every, outcome, START)
    assert plan.hold_until == START + timedelta(seconds=30)
    assert plan.at == START + timedelta(hours=6)


def test_a_429_and_its_retry_after_from_a_fetch_outcome() -> None:
    source = _source("s", every="15m")
    cadences = {"s": cadence_of(source, "15m")}
    throttled = SourceFetch(
        "s",
        source.url,
        error="HTTP 429 Too Many Requests (retry after 3600s)",
        failure=FetchFailure.THROTTLED,
        status_code=429,
        retry_after_s=3600,
    )
    [plan] = plan_after_fetches(cadences, {}, [throttled], START).values()
    assert plan.hold_until == plan.at == START + timedelta(hours=1)
    # without Retry-After a 429 is a failure: backoff from the interval
    bare = replace(throttled, retry_after_s=None)
    state = SourceState("s", consecutive_failures=2)
    [plan] = plan_after_fetches(cadences, {"s": state}, [bare], START).values()
    assert plan.at == START + timedelta(minutes=60)  # 15m × 2² = 60m = max_every
    assert plan.hold_until == plan.at  # a third failure in a row holds hand-run polls too


def test_failures_back_off_exponentially_up_to_max_every() -> None:
    cadence = cadence_of(_source("s", every="10m"), "15m")  # max 40m
    delays = [
        plan_next_poll(
            cadence, cadence.every, PollOutcome(failed=True, consecutive_failures=n), START
        ).at
        - START
        for n in range(1, 8)
    ]
    minutes = [d.total_seconds() / 60 for d in delays]
    assert minutes == [10, 20, 40, 40, 40, 40, 40]


def test_a_not_modified_answer_lengthens_the_interval() -> None:
    source = _source("s", every="10m")
    cadences = {"s": cadence_of(source, "15m")}
    unchanged = SourceFetch("s", source.url, status_code=304, not_modified=True)
    with_items = SourceFetch("s", source.url, status_code=200)
    plans = plan_after_fetches(cadences, {}, [unchanged], START)
    assert plans["s"] == NextPoll(timedelta(minutes=15), START + timedelta(minutes=15))
    # a source that brought items is planned once they are stored
    assert plan_after_fetches(cadences, {}, [with_items], START) == {}


# --- properties ---

durations = st.integers(min_value=60, max_value=30 * 86400).map(lambda s: timedelta(seconds=s))


@st.composite
def cadences(draw: st.DrawFn) -> Cadence:
    low, mid, high = sorted(draw(st.lists(durations, min_size=3, max_size=3)))
    return Cadence(mid, low, high)


outcomes = st.builds(
    PollOutcome,
    new_items=st.integers(min_value=0, max_value=50),
    failed=st.booleans(),
    consecutive_failures=st.integers(min_value=1, max_value=500),
    retry_after=st.none() | durations,
)


@given(cadences(), st.lists(outcomes, max_size=40), durations)
def test_the_interval_always_stays_within_its_bounds(
    cadence: Cadence, history: list[PollOutcome], start: timedelta
) -> None:
    interval = start  # even a stored interval outside today's bounds
    for outcome in history:
        interval = next_interval(cadence, interval, outcome)
        assert cadence.min_every <= interval <= cadence.max_every


@given(cadences(), durations, st.integers(min_value=1, max_value=50))
def test_new_items_never_slow_polling_and_nothing_new_never_speeds_it(
    cadence: Cadence, current: timedelta, new: int
) -> None:
    within = cadence.clamp(current)
    faster = next_interval(cadence, current, PollOutcome(new_items=new))
    slower = next_interval(cadence, current, PollOutcome(new_items=0))
    assert faster <= within <= slower
    assert faster < within or within == cadence.min_every
    assert slower > within or within == cadence.max_every


@given(cadences(), durations, outcomes)
def test_the_next_poll_is_never_sooner_than_asked_nor_later_than_needed(
    cadence: Cadence, current: timedelta, outcome: PollOutcome
) -> None:
    plan = plan_next_poll(cadence, current, outcome, START)
    assert plan.at > START
    if outcome.failed and outcome.retry_after is not None:
        assert plan.hold_until == START + outcome.retry_after  # exactly as asked
        assert plan.at == START + max(outcome.retry_after, plan.at - START)
        assert plan.at - START <= max(outcome.retry_after, cadence.max_every)
    else:
        assert plan.at - START <= cadence.max_every  # backoff bounded by max_every
    if not outcome.failed:
        assert plan.hold_until is None and plan.at == START + plan.interval
