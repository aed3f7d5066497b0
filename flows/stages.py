"""The watch run's stages as Prefect tasks, shared by `watch` and `watch-shard`.

A few fetch tasks (one per shard of hosts, at most `rdwatch.fetch.shards.MAX_SHARDS`), one
processing task, one delivery task; each a few lines around `rdwatch.pipeline`.

Fetch tasks have no Prefect retries: the fetch stage retries within each URL's budget
(`rdwatch.fetch.retry`), and a source that still fails is an expected outcome, logged in one
line, never raised. The task run's state says what happened: "Completed" when every source of
the shard answered, "Partly failed" or "All failed" otherwise (all of the COMPLETED type, since
failing sources are expected); its message counts the outcomes.

Objects handed to tasks go through `untraversed()`: Prefect otherwise walks every field of every
argument, twice per task run, looking for upstream futures that cannot be there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TypeVar, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from rdwatch import pipeline as core
from rdwatch.config import SourceConfig
from rdwatch.fetch.shards import PollShard, Shard, summarise
from rdwatch.models import SourceFetch
from rdwatch.notify import DeliveryReport

T = TypeVar("T")


def untraversed(value: T) -> T:
    """`value`, marked so that Prefect hands it to the task as is (its `quote` annotation)."""
    return cast(T, quote(value))


@task(name="fetch-sources", task_run_name="fetch-{shard.label}", cache_policy=NO_CACHE)
async def fetch_shard(shard: Shard, poll: PollShard) -> State:
    """Poll one shard of sources; each source's outcome is a value and a log line, never raised."""
    return shard_state(await poll(shard))


def shard_state(results: list[SourceFetch]) -> State:
    """The fetch task run's final state: what happened to its sources, at a glance.

    Always of the COMPLETED type: the task did its job, and failed sources are expected
    outcomes. A FAILED state would make Prefect log an error with an empty traceback and the
    whole result; it is left for a task that crashed.
    """
    failed = sum(not r.ok for r in results)
    name = "Completed"
    if failed:
        name = "All failed" if failed == len(results) else "Partly failed"
    return Completed(data=results, name=name, message=summarise(results))


async def run_fetch_task(shard: Shard, poll: PollShard) -> list[SourceFetch]:
    """The pipeline's `run_shard`: one task run per shard, its sources' outcomes as its result."""
    state = await fetch_shard(untraversed(shard), untraversed(poll), return_state=True)
    outcome = await state.aresult(raise_on_failure=False)
    if isinstance(outcome, BaseException):
        raise outcome  # the task itself crashed: the fetch stage fails its sources with why
    return cast(list[SourceFetch], outcome)


@task(name="process-items", cache_policy=NO_CACHE)
def process_items(pipeline: core.Pipeline, fetches: list[SourceFetch]) -> core.BatchResult:
    batch = core.process_fetches(pipeline, fetches)
    get_run_logger().info(
        "process: %d item(s) in feeds, %d already known, dedup tiers %s, %d new story(ies), "
        "%d extraction failure(s)",
        batch.items_seen,
        batch.items_skipped_seen,
        batch.by_tier,
        len(batch.new_story_ids),
        len(batch.extract_failures),
    )
    return batch


@task(name="deliver-alerts", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def deliver_alerts(pipeline: core.Pipeline) -> DeliveryReport:
    delivery = core.deliver(pipeline)
    get_run_logger().info(
        "deliver: %d alert(s) sent, %d failed", len(delivery.sent), len(delivery.failed)
    )
    return delivery


def _log_fetch_stage(fetches: list[SourceFetch], seconds: float) -> None:
    get_run_logger().info("fetch: %s in %.1f s", summarise(fetches), seconds)


async def fetch_and_store(
    pipeline: core.Pipeline, sources: Sequence[SourceConfig], *, due_only: bool = False
) -> tuple[list[SourceFetch], core.BatchResult]:
    """Poll `sources` (with `due_only`, those due by their schedule; a fetch task per shard of
    hosts) and store what is new."""
    clock = time.perf_counter()
    fetches = await core.fetch_sources_async(
        pipeline, sources, run_shard=run_fetch_task, due_only=due_only
    )
    _log_fetch_stage(fetches, time.perf_counter() - clock)
    # Sync tasks, in a worker thread: the pipeline runs its own event loop for article pages.
    batch = await asyncio.to_thread(process_items, untraversed(pipeline), untraversed(fetches))
    return fetches, batch
