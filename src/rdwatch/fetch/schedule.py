"""When to poll a source: its cadence, whether it is due, and its next poll after an outcome.

Pure decisions over the config, a source's stored state and a clock (`now`); the store keeps
what they decide (`next_poll_at`, `interval_s`, `hold_until`), so the schedule survives restarts
and any process sees the same one. Invariants:

- the interval kept for a source is always within its `[min_every, max_every]`;
- a poll that brought new items shortens it (×`FASTER`), one that brought nothing lengthens it
  (×`SLOWER`); a failure leaves it as it was (a failure says nothing about how often the source
  publishes);
- a failure pushes the next poll out exponentially from the interval, never beyond `max_every`;
- a `Retry-After` is kept exactly: nothing polls the source before it (`hold_until`), not even a
  run asked for by hand, and its next scheduled poll is no sooner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rdwatch.config import MIN_POLL_INTERVAL, SourceConfig, parse_duration
from rdwatch.models import SourceFetch, SourceState

# Default bounds from `every`: adaptive polling may go twice as often and four times as seldom.
# Twice as often is still polite to a host that set its pace; four times as seldom keeps a quiet
# source's silence (and its return) noticed within a few of its usual intervals.
DEFAULT_MIN_DIVISOR = 2
DEFAULT_MAX_FACTOR = 4
# A poll with nothing new lengthens the interval by half; one with new items halves it. Two quiet
# polls undo one busy one, so a source that publishes now and then settles near its own rhythm.
SLOWER = 1.5
FASTER = 0.5
# Runs start a few seconds after their cron minute: a source due within this is polled now,
# else a 5-minute source polled at 00:00:03 would wait for 00:06 instead of 00:05.
DUE_SLACK = timedelta(seconds=30)
# The first failures of a row are often a blip: only after these does backoff also hold runs
# asked for by hand (`rdwatch run`), as a Retry-After always does.
HELD_AFTER_FAILURES = 2
# A Retry-After beyond this is a server's mistake, not a request; it is kept up to this.
MAX_RETRY_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class Cadence:
    """How often a source is polled: `every` to start with, adapted within the bounds."""

    every: timedelta
    min_every: timedelta
    max_every: timedelta

    def clamp(self, interval: timedelta) -> timedelta:
        return min(max(interval, self.min_every), self.max_every)


@dataclass(frozen=True)
class PollOutcome:
    """What a poll of a source came to, as far as its schedule cares."""

    new_items: int = 0
    failed: bool = False
    consecutive_failures: int = 0  # this poll's failure included
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class NextPoll:
    """The decision: the interval to remember, when the source is next due, and the time before
    which nothing may poll it (None: no such limit)."""

    interval: timedelta
    at: datetime
    hold_until: datetime | None = None


def cadence_of(source: SourceConfig, default_every: str) -> Cadence:
    """The source's cadence, its unset bounds derived from `every`."""
    every = parse_duration(source.every or default_every)
    low = (
        parse_duration(source.min_every)
        if source.min_every
        else max(every / DEFAULT_MIN_DIVISOR, MIN_POLL_INTERVAL)
    )
    high = parse_duration(source.max_every) if source.max_every else every * DEFAULT_MAX_FACTOR
    # A bound set on a source that takes the default `every` is not checked against it when the
    # config loads (`min_every: 1h` under `fetch.every: 15m`): `every` then widens the bounds.
    return Cadence(every=every, min_every=min(low, every), max_every=max(high, every))


def current_interval(cadence: Cadence, state: SourceState | None) -> timedelta:
    """The interval the source is at: the one stored, within today's bounds, else `every`."""
    if state is None or state.interval_s is None:
        return cadence.every
    return cadence.clamp(timedelta(seconds=state.interval_s))


def next_interval(cadence: Cadence, current: timedelta, outcome: PollOutcome) -> timedelta:
    """Shorter after new items, longer after nothing new, unchanged after a failure."""
    current = cadence.clamp(current)
    if outcome.failed:
        return current
    factor = FASTER if outcome.new_items > 0 else SLOWER
    return cadence.clamp(current * factor)


def plan_next_poll(
    cadence: Cadence, current: timedelta, outcome: PollOutcome, now: datetime
) -> NextPoll:
    """When to poll again after `outcome`, and what interval to remember."""
    interval = next_interval(cadence, current, outcome)
    if not outcome.failed:
        return NextPoll(interval, now + interval)
    delay = interval
    for _ in range(outcome.consecutive_failures - 1):
        if delay >= cadence.max_every:
            break  # doubling on would only overflow
        delay *= 2
    delay = min(delay, cadence.max_every)
    if outcome.retry_after is not None:
        asked = min(max(outcome.retry_after, timedelta(0)), MAX_RETRY_AFTER)
        return NextPoll(interval, now + max(delay, asked), now + asked)
    held = now + delay if outcome.consecutive_failures > HELD_AFTER_FAILURES else None
    return NextPoll(interval, now + delay, held)


def is_held(state: SourceState | None, now: datetime) -> bool:
    """Asked not to be polled yet (Retry-After, or backoff after repeated failures)."""
    return state is not None and state.hold_until is not None and state.hold_until > now


def is_due(state: SourceState | None, now: datetime) -> bool:
    """Due for its scheduled poll: never polled, or its next poll is (about) now."""
    if state is None:
        return True
    if state.gone or is_held(state, now):
        return False
    return state.next_poll_at is None or state.next_poll_at <= now + DUE_SLACK


def due_sources(
    sources: Sequence[SourceConfig], states: Mapping[str, SourceState], now: datetime
) -> list[SourceConfig]:
    """The enabled sources due now, in the order given."""
    return [s for s in sources if s.enabled and is_due(states.get(s.name), now)]


def cadences_of(sources: Sequence[SourceConfig], default_every: str) -> dict[str, Cadence]:
    return {s.name: cadence_of(s, default_every) for s in sources}


def plan_after_fetches(
    cadences: Mapping[str, Cadence],
    states: Mapping[str, SourceState],
    results: Sequence[SourceFetch],
    now: datetime,
) -> dict[str, NextPoll]:
    """The next poll of each source whose poll settles it: a failure, or nothing changed. A
    source that brought items is planned once they are stored (`plan_after_items`): only then
    is it known whether any of them was new."""
    plans = {}
    for result in results:
        cadence = cadences.get(result.source)
        if result.skipped or cadence is None or (result.ok and not result.not_modified):
            continue
        state = states.get(result.source)
        outcome = PollOutcome()
        if not result.ok:
            failures = (state.consecutive_failures if state else 0) + 1
            retry_after = result.retry_after_s
            outcome = PollOutcome(
                failed=True,
                consecutive_failures=failures,
                retry_after=timedelta(seconds=retry_after) if retry_after is not None else None,
            )
        plans[result.source] = plan_next_poll(
            cadence, current_interval(cadence, state), outcome, now
        )
    return plans


def plan_after_items(
    cadences: Mapping[str, Cadence],
    states: Mapping[str, SourceState],
    new_items: Mapping[str, int],
    now: datetime,
) -> dict[str, NextPoll]:
    """The next poll of each source whose items were just processed (source → new items)."""
    return {
        name: plan_next_poll(
            cadences[name],
            current_interval(cadences[name], states.get(name)),
            PollOutcome(new_items=count),
            now,
        )
        for name, count in new_items.items()
        if name in cadences
    }
