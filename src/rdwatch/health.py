"""Source silence: has a source published nothing for longer than its usual rhythm?

A feed that still answers 200 but has stopped carrying new items is broken in the way users notice
last (Huginn's "expected update period"). The expected gap is the configured
`expected_update_hours` when set, else learned from the source's own history: a multiple of the
median gap between the runs that brought it new articles, once there are enough of them, and
never shorter than a few of its longest poll intervals; with too little history, a default. A
source that never brought an item is silent since it was added.

A silence is an episode: it starts at the source's last new item (or its addition) and ends when
items return. `silence_changes` compares this run's alarms with the episodes stored as open, so
each episode is opened (and alarmed) once, and the next silence is a new episode.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# A source is silent when its quiet spell exceeds this many typical gaps: news arrives in bursts,
# so one or two missed rhythms are normal.
SILENCE_FACTOR = 3.0
MIN_ARRIVALS_TO_LEARN = 4
MIN_LEARNED_GAP = timedelta(hours=1)
# With fewer arrivals than that (a new source, one that never brought anything): a week, long
# enough for a weekly newsroom page not to alarm, short enough for a dead feed to be noticed.
DEFAULT_EXPECTED = timedelta(days=7)

Basis = Literal["configured", "learned", "default"]


@dataclass(frozen=True)
class SilenceAlarm:
    source: str
    silent_for: timedelta
    expected: timedelta
    basis: Basis
    since: datetime | None = None  # the episode's start: last new item, or the source's addition

    @property
    def learned(self) -> bool:
        return self.basis == "learned"

    def __str__(self) -> str:
        origin = {
            "configured": "expected_update_hours",
            "learned": "its usual rhythm",
            "default": "the default for a source with little history",
        }[self.basis]
        return (
            f"{self.source}: no new items for {human_span(self.silent_for)} "
            f"(expected within {human_span(self.expected)}, from {origin})"
        )


@dataclass(frozen=True)
class OpenSilence:
    """A silence episode stored as still going."""

    id: int
    source: str
    started_at: datetime


@dataclass(frozen=True)
class SilenceChanges:
    opened: tuple[SilenceAlarm, ...] = ()  # new episodes: store them and alarm once
    cleared: tuple[int, ...] = ()  # open episodes that are over (items returned, source gone)


def expected_gap(
    arrivals: Sequence[datetime], configured_hours: float | None, floor: timedelta = timedelta(0)
) -> tuple[timedelta, Basis]:
    """The longest quiet spell that is still normal, and where it comes from. `floor` bounds a
    learned or default one from below (a source polled every 4 days cannot show new items more
    often)."""
    if configured_hours is not None:
        return timedelta(hours=configured_hours), "configured"
    times = sorted(set(arrivals))
    if len(times) < MIN_ARRIVALS_TO_LEARN:
        return max(DEFAULT_EXPECTED, floor), "default"
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    typical = max(
        timedelta(seconds=statistics.median(g.total_seconds() for g in gaps)), MIN_LEARNED_GAP
    )
    return max(typical * SILENCE_FACTOR, floor), "learned"


def find_silent_sources(
    arrivals: Mapping[str, Sequence[datetime]],
    expected_hours: Mapping[str, float | None],
    now: datetime,
    *,
    quiet_since: Mapping[str, datetime | None] | None = None,
    floors: Mapping[str, timedelta] | None = None,
) -> list[SilenceAlarm]:
    """An alarm for every source (the keys of `expected_hours`) quiet for longer than its
    expected gap. Quiet since `quiet_since[source]` (its last new item, else its addition) when
    given, else since its last arrival; a source with neither is not judged."""
    alarms = []
    for source, configured in expected_hours.items():
        times = arrivals.get(source, ())
        since = quiet_since.get(source) if quiet_since is not None else max(times, default=None)
        if since is None:
            continue
        floor = (floors or {}).get(source, timedelta(0))
        expected, basis = expected_gap(times, configured, floor)
        silent_for = now - since
        if silent_for > expected:
            alarms.append(SilenceAlarm(source, silent_for, expected, basis, since))
    return alarms


def silence_changes(
    alarms: Sequence[SilenceAlarm], open_episodes: Sequence[OpenSilence]
) -> SilenceChanges:
    """Which episodes begin and which end: an alarm whose start no open episode of its source
    has begins one (a source silent again after items returned begins a new one); an open
    episode no alarm continues is over."""
    open_starts = {(e.source, e.started_at) for e in open_episodes}
    continuing = {(a.source, a.since) for a in alarms}
    return SilenceChanges(
        opened=tuple(a for a in alarms if (a.source, a.since) not in open_starts),
        cleared=tuple(e.id for e in open_episodes if (e.source, e.started_at) not in continuing),
    )


def human_span(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
