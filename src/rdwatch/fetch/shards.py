"""Polling many sources in a few shards: the unit an orchestrator runs, bounded in number.

`fetch_in_shards` splits the enabled sources into at most `MAX_SHARDS` shards, keeping each
host's sources together (its per-host limit and any Retry-After are then one shard's story),
hands each shard to `run_shard`, and returns every source's outcome in the order given. By
default a shard is simply polled; the watch flow passes a `run_shard` that wraps the poll in a
Prefect task run, as reader's `update_feeds` takes its `map`. However many sources there are, a
run costs the orchestrator at most `MAX_SHARDS` task runs, while every source's outcome still
gets a log line (`log_outcomes`) and a row in the source-health table.

All shards share one client, so the fetch stage's limits (in flight overall and per host) hold
across shards as they do within one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from rdwatch.config import FetchConfig, SourceConfig
from rdwatch.fetch.sources import fetch_sources
from rdwatch.models import SourceFetch, SourceState
from rdwatch.untrusted import RedactingFilter

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # source and page URLs can hold passwords

# Four task runs are enough to spread a UI's view of a thousand sources and few enough that a
# run with nothing new costs Prefect next to nothing (a task run costs ~20-40 ms of bookkeeping).
MAX_SHARDS = 4


@dataclass(frozen=True)
class Shard:
    """Some sources polled as one unit; `index` counts from 1."""

    index: int
    count: int
    sources: tuple[SourceConfig, ...]

    @property
    def label(self) -> str:
        return f"{self.index}-of-{self.count}"

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_host(s.url) for s in self.sources))


PollShard = Callable[[Shard], Awaitable[list[SourceFetch]]]
ShardRunner = Callable[[Shard, PollShard], Awaitable[list[SourceFetch]]]


async def poll_directly(shard: Shard, poll: PollShard) -> list[SourceFetch]:
    """The default `run_shard`: poll the shard, no orchestration around it."""
    return await poll(shard)


def split_into_shards(sources: Sequence[SourceConfig], max_shards: int = MAX_SHARDS) -> list[Shard]:
    """At most `max_shards` shards of about equal size, each host's sources in one shard."""
    by_host: dict[str, list[SourceConfig]] = {}
    for source in sources:
        by_host.setdefault(_host(source.url), []).append(source)
    count = min(max_shards, len(by_host))
    loads: list[list[SourceConfig]] = [[] for _ in range(count)]
    # Largest hosts first, each to the lightest shard: near-equal shards, deterministic.
    for group in sorted(by_host.values(), key=len, reverse=True):
        min(loads, key=len).extend(group)
    order = {source.name: n for n, source in enumerate(sources)}
    return [
        Shard(n + 1, count, tuple(sorted(load, key=lambda s: order[s.name])))
        for n, load in enumerate(loads)
    ]


async def fetch_in_shards(
    sources: Sequence[SourceConfig],
    settings: FetchConfig,
    states: Mapping[str, SourceState],
    *,
    client: httpx.AsyncClient,
    now: datetime,
    run_shard: ShardRunner = poll_directly,
) -> list[SourceFetch]:
    """Every enabled source's outcome, polled shard by shard through `run_shard`."""
    enabled = [s for s in sources if s.enabled]

    async def poll(shard: Shard) -> list[SourceFetch]:
        results = await fetch_sources(shard.sources, settings, states, client=client, now=now)
        log_outcomes(results)
        return results

    shards = split_into_shards(enabled)
    outcomes = await asyncio.gather(*(_run(run_shard, shard, poll) for shard in shards))
    by_name = {result.source: result for results in outcomes for result in results}
    return [by_name[source.name] for source in enabled]


async def _run(run_shard: ShardRunner, shard: Shard, poll: PollShard) -> list[SourceFetch]:
    """The shard's outcomes; if the runner itself fails, each of its sources fails with why."""
    try:
        results = await run_shard(shard, poll)
    except Exception as exc:  # the orchestration broke, not a source: the other shards go on
        log.error("fetch shard %s failed: %r", shard.label, exc)
        results = []
        reason = f"internal error: {exc!r}"
    else:
        reason = "internal error: no outcome from the fetch shard"
    got = {r.source for r in results}
    missing = [SourceFetch(s.name, s.url, error=reason) for s in shard.sources if s.name not in got]
    return [*results, *missing]


def describe(result: SourceFetch) -> str:
    """One phrase for one source's outcome, as the logs and the health table say it."""
    if result.error is not None:
        return f"failed ({result.failure}): {result.error}"
    if result.skipped:
        return result.warning or "skipped"
    said = "not modified" if result.not_modified else f"{len(result.items)} item(s)"
    return f"{said}; {result.warning}" if result.warning else said


def summarise(results: Sequence[SourceFetch]) -> str:
    """`14 source(s): 1 with items (3), 0 not modified, 0 skipped, 13 failed`."""
    failed = sum(not r.ok for r in results)
    skipped = sum(r.skipped for r in results)
    unchanged = sum(r.ok and r.not_modified for r in results)
    fresh = [r for r in results if r.ok and not r.skipped and not r.not_modified]
    return (
        f"{len(results)} source(s): {len(fresh)} with items ({sum(len(r.items) for r in fresh)}), "
        f"{unchanged} not modified, {skipped} skipped, {failed} failed"
    )


def log_outcomes(results: Sequence[SourceFetch]) -> None:
    """A line per source with something to say (items, failure, skip, warning), and one line
    naming all the unchanged ones, which a thousand-source run has by the hundreds."""
    unchanged = []
    for result in results:
        if result.ok and result.not_modified and not result.warning:
            unchanged.append(result.source)
        elif result.ok:
            log.info("%s: %s", result.source, describe(result))
        else:
            log.warning("%s: %s", result.source, describe(result))
    if unchanged:
        log.info("not modified (%d): %s", len(unchanged), ", ".join(unchanged))


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()
