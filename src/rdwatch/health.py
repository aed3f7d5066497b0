"""Source silence: has a source published nothing for longer than its usual rhythm?

A feed that still answers 200 but has stopped carrying new items is broken in the way users notice
last (Huginn's "expected update period"). The expected gap is the configured
`expected_update_hours` when set, else learned from the source's own history: a multiple of the
median gap between the runs that brought it new articles, once there are enough of them.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# A source is silent when its quiet spell exceeds this many typical gaps: news arrives in bursts,
# so one or two missed rhythms are normal.
SILENCE_FACTOR = 3.0
MIN_ARRIVALS_TO_LEARN = 4
MIN_LEARNED_GAP = timedelta(hours=1)


@dataclass(frozen=True)
class SilenceAlarm:
    source: str
    silent_for: timedelta
    expected: timedelta
    learned: bool

    def __str__(self) -> str:
        origin = "its usual rhythm" if self.learned else "expected_update_hours"
        return (
            f"{self.source}: no new items for {_human(self.silent_for)} "
            f"(expected within {_human(self.expected)}, from {origin})"
        )


def expected_gap(
    arrivals: Sequence[datetime], configured_hours: float | None
) -> tuple[timedelta | None, bool]:
    """The longest quiet spell that is still normal, and whether it was learned."""
    if configured_hours is not None:
        return timedelta(hours=configured_hours), False
    times = sorted(set(arrivals))
    if len(times) < MIN_ARRIVALS_TO_LEARN:
        return None, True
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    typical = max(
        timedelta(seconds=statistics.median(g.total_seconds() for g in gaps)), MIN_LEARNED_GAP
    )
    return typical * SILENCE_FACTOR, True


def find_silent_sources(
    arrivals: Mapping[str, Sequence[datetime]],
    expected_hours: Mapping[str, float | None],
    now: datetime,
) -> list[SilenceAlarm]:
    """An alarm for every source whose last new item is older than its expected gap."""
    alarms = []
    for source, configured in expected_hours.items():
        times = arrivals.get(source, ())
        expected, learned = expected_gap(times, configured)
        if expected is None or not times:
            continue
        silent_for = now - max(times)
        if silent_for > expected:
            alarms.append(SilenceAlarm(source, silent_for, expected, learned))
    return alarms


def _human(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
