"""Coverage spikes: a watched entity or a story suddenly covered by many more publishers than
usual.

A subject's coverage in a window is the number of distinct publishers whose articles on it were
fetched in that window (an entity's articles are those of the stories naming it in a headline or
lead). Its baseline is the mean of that count over the windows of the previous `baseline_days`,
at least 1; a story's is at least that of the watched entities it names, so that a steady stream
of new stories on one entity is not a spike each. A subject spikes when its coverage in the last
window reaches `min_publishers` and `factor` times its baseline.

A spike opens an episode, which stays open while each check finds the subject still spiking and
ends at the first check that does not: one alert per episode, however long the burst. A burst
about one story often spikes the story and each watched entity it names at once: only one of them
is alerted, an entity first (its alert names the story); the others' episodes are still recorded,
so that they are not alerted on the next check either.

Pure: the coverage and the open episodes come in, findings come out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rdwatch.config import SpikeConfig

ENTITY, STORY = "entity:", "story:"


@dataclass(frozen=True)
class Coverage:
    """One article, as spikes count it."""

    story_id: int
    story_title: str
    publisher: str
    fetched_at: datetime
    entities: tuple[str, ...] = ()  # the watched entities its story names


@dataclass(frozen=True)
class SpikeFinding:
    """A subject spiking now. `new`: it opens an episode (else the open one goes on); `alert`:
    the episode is alerted."""

    subject: str  # `entity:T-Head` or `story:42`
    label: str  # the entity's name or the story's headline
    story_id: int  # the story its alert is sent on: the subject's most covered in the window
    publishers: int
    baseline: float
    new: bool
    alert: bool


@dataclass(frozen=True)
class SpikeCheck:
    findings: tuple[SpikeFinding, ...]
    ended: tuple[str, ...]  # subjects whose open episode ended


def coverage_since(settings: SpikeConfig, now: datetime) -> datetime:
    """The oldest fetch time `find_spikes` reads."""
    return now - settings.window_length * (1 + _windows(settings))


def find_spikes(
    coverage: Sequence[Coverage],
    open_episodes: Collection[str],
    settings: SpikeConfig,
    now: datetime,
) -> SpikeCheck:
    """Which subjects spike now, and which open episodes end."""
    window = settings.window_length
    by_subject = _by_subject(coverage)
    baselines = {s: _baseline(items, settings, now) for s, items in by_subject.items()}
    spiking: dict[str, tuple[int, float, list[Coverage]]] = {}
    for subject, items in by_subject.items():
        recent = [c for c in items if now - window < c.fetched_at <= now]
        count = len({c.publisher for c in recent})
        baseline = baselines[subject]
        if subject.startswith(STORY):
            # A new story has no past of its own: what its entities usually get is its baseline.
            named = {f"{ENTITY}{e}" for c in items for e in c.entities}
            baseline = max([baseline, *(baselines[e] for e in named)])
        if count >= settings.min_publishers and count >= settings.factor * baseline:
            spiking[subject] = (count, baseline, recent)
    alerted = _alerted(spiking, open_episodes)
    findings = []
    for subject, (count, baseline, recent) in sorted(spiking.items()):
        label = subject.removeprefix(ENTITY) if subject.startswith(ENTITY) else _title(recent)
        findings.append(
            SpikeFinding(
                subject, label, _lead_story(recent), count, baseline,
                new=subject not in open_episodes, alert=subject in alerted,
            )
        )  # fmt: skip
    ended = tuple(sorted(s for s in open_episodes if s not in spiking))
    return SpikeCheck(tuple(findings), ended)


def _alerted(
    spiking: dict[str, tuple[int, float, list[Coverage]]], open_episodes: Collection[str]
) -> set[str]:
    """The new spikes to alert: one per story the burst is about. Entities a story names spike
    together with it; the entity with the most publishers (the first named on a tie) is alerted,
    and its alert names the story."""
    best: dict[int, tuple[tuple[int, int, int], str]] = {}
    for subject, (count, _, recent) in spiking.items():
        if subject in open_episodes:
            continue
        story_id = _lead_story(recent)
        if subject.startswith(ENTITY):
            named = next(c.entities for c in recent if c.story_id == story_id)
            entity = subject.removeprefix(ENTITY)
            rank = (1, count, -named.index(entity) if entity in named else -len(named))
        else:
            rank = (0, count, 0)
        if story_id not in best or rank > best[story_id][0]:
            best[story_id] = (rank, subject)
    return {subject for _, subject in best.values()}


def _by_subject(coverage: Sequence[Coverage]) -> dict[str, list[Coverage]]:
    subjects: dict[str, list[Coverage]] = defaultdict(list)
    for item in coverage:
        subjects[f"{STORY}{item.story_id}"].append(item)
        for entity in item.entities:
            subjects[f"{ENTITY}{entity}"].append(item)
    return subjects


def _windows(settings: SpikeConfig) -> int:
    return max(1, int(timedelta(days=settings.baseline_days) / settings.window_length))


def _baseline(items: Sequence[Coverage], settings: SpikeConfig, now: datetime) -> float:
    """Mean distinct publishers per window over the windows before the last one; at least 1."""
    window, windows = settings.window_length, _windows(settings)
    start = now - window * (1 + windows)
    per_window: defaultdict[int, set[str]] = defaultdict(set)
    for item in items:
        if start < item.fetched_at <= now - window:
            index = int((item.fetched_at - start) / window)
            per_window[min(index, windows - 1)].add(item.publisher)
    return max(1.0, sum(len(p) for p in per_window.values()) / windows)


def _lead_story(recent: Sequence[Coverage]) -> int:
    """The story with the most publishers in the window; the newest on a tie."""
    publishers: dict[int, set[str]] = defaultdict(set)
    for item in recent:
        publishers[item.story_id].add(item.publisher)
    return max(publishers, key=lambda s: (len(publishers[s]), s))


def _title(recent: Sequence[Coverage]) -> str:
    story_id = _lead_story(recent)
    return next(c.story_title for c in recent if c.story_id == story_id)
