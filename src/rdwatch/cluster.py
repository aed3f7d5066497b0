"""One watch run spread over several workers: which sources each shard polls, and what becomes of
a shard whose flow run ended.

A shard is a set of whole hosts (`split_into_shards`), so each host's politeness limits and
Retry-After stay one process's concern. The watch flow starts one flow run per shard and waits;
a shard's run fetches and stores its sources, and the watch run delivers the outbox once every
shard has ended, so a lost worker can never leave an alert half sent.

Running a shard twice is harmless, which is what makes re-running a crashed one safe: ingest
decides and stores under one lock (`store.locks`), articles and outbox rows are unique, and a
source's validators are stored only with its items, so a shard killed between fetching and
storing leaves nothing that would hide those items from its next run.

Pure: the flow reads the runs' states from Prefect and hands them in as `ShardEnd`s.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum

from rdwatch.config import Config
from rdwatch.errors import ConfigError
from rdwatch.fetch.shards import Shard, split_into_shards


class ShardEnd(Enum):
    """How a shard's flow run ended, as far as the watch run cares."""

    COMPLETED = "completed"
    LOST = "lost"  # crashed, failed or cancelled: its worker died, or the run raised


class Next(Enum):
    DONE = "done"
    RERUN = "rerun"
    GIVE_UP = "give up"


def plan_shards(config: Config) -> list[Shard]:
    """The shards of one watch run: at most `cluster.shards`, each host's sources in one."""
    enabled = [s for s in config.sources if s.enabled]
    return split_into_shards(enabled, max(1, config.cluster.shards)) if enabled else []


def shards_with(shards: Sequence[Shard], source_names: Collection[str]) -> list[Shard]:
    """The shards holding at least one of the named sources, numbered as planned (a shard run
    finds its sources by its number among all of them)."""
    return [s for s in shards if any(source.name in source_names for source in s.sources)]


def shard_of(config: Config, index: int, count: int) -> Shard:
    """Shard `index` of `count`, as `plan_shards` drew it for the watch run that started it."""
    shards = split_into_shards([s for s in config.sources if s.enabled], count)
    if len(shards) != count or not 1 <= index <= count:
        raise ConfigError(
            f"shard {index} of {count} does not exist: the sources make {len(shards)} shard(s)",
            hint="the config changed since the watch run started; the next run plans again",
        )
    return shards[index - 1]


def next_step(end: ShardEnd, attempts: int, max_attempts: int) -> Next:
    """After a shard's `attempts`-th run ended: done, start it again, or stop trying."""
    if end is ShardEnd.COMPLETED:
        return Next.DONE
    return Next.RERUN if attempts < max_attempts else Next.GIVE_UP


@dataclass(frozen=True)
class ShardReport:
    """One shard of a watch run, for its summary: how many runs it took and how it ended."""

    index: int
    count: int
    hosts: int
    sources: int
    runs: tuple[str, ...]  # flow run names, oldest first
    end: ShardEnd | None  # None: still running when the watch run stopped waiting

    @property
    def label(self) -> str:
        return f"{self.index}-of-{self.count}"


def describe_shards(reports: Sequence[ShardReport]) -> str:
    """`6 shard(s): 6 completed, 1 re-run (2-of-6)`."""
    done = sum(r.end is ShardEnd.COMPLETED for r in reports)
    rerun = [r.label for r in reports if len(r.runs) > 1]
    text = f"{len(reports)} shard(s): {done} completed"
    if rerun:
        text += f", {len(rerun)} re-run ({', '.join(rerun)})"
    if done < len(reports):
        text += f", {len(reports) - done} not completed"
    return text
