"""The `watch` flow: a few fetch tasks, one processing task, one delivery task, artifacts.

Only orchestration lives here; every decision is made in `rdwatch.pipeline`, `rdwatch.ingest` and
below. The fetch loop is the pipeline's (`fetch_sources_async`): the flow only hands it
`run_fetch_task`, which turns each shard of sources (at most `rdwatch.fetch.shards.MAX_SHARDS`,
grouped by host) into one `fetch-<k>-of-<n>` task run. So a run costs Prefect a handful of task
runs however many sources there are, and every source still has its outcome in the task run's
logs and a row in the source-health artifact.

Fetch tasks have no Prefect retries: the fetch stage retries within each URL's budget
(`rdwatch.fetch.retry`), and a source that still fails is an expected outcome, logged in one
line, never raised. The task run's state says what happened: "Completed" when every source of
the shard answered, "Partly failed" or "All failed" otherwise (all of the COMPLETED type, since
failing sources are expected); its message counts the outcomes.

The flow is async so that its fetch task runs share one event loop and one HTTP client: the fetch
stage's limits (requests in flight overall and per host) hold across tasks, and no thread pool is
involved (bench_prefect_tasks.py measured async task runs at well under half the cost of sync
ones in threads on 2 cores).

Objects handed to tasks go through `untraversed()`: Prefect otherwise walks every field of every
argument, twice per task run, looking for upstream futures that cannot be there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from rdwatch import pipeline as core
from rdwatch import report
from rdwatch.config import load_config
from rdwatch.fetch.shards import PollShard, Shard, describe, summarise
from rdwatch.models import RunSummary, SourceFetch
from rdwatch.notify import DeliveryReport
from rdwatch.store import sources as source_store
from rdwatch.store.articles import get_stories

# Prefect hands the `rdwatch` logger (PREFECT_LOGGING_EXTRA_LOGGERS) to its API handler but
# leaves its level to the root's WARNING; INFO lines such as "alert … sent on <channel>"
# belong in the run's logs. Flow files are loaded by path, hence this line in each of them.
logging.getLogger("rdwatch").setLevel(logging.INFO)

ARTIFACT_NEW_STORIES = "rdwatch-new-stories"
ARTIFACT_SOURCE_HEALTH = "rdwatch-source-health"
ARTIFACT_RUN_SUMMARY = "rdwatch-run-summary"
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


async def publish_artifacts(
    pipeline: core.Pipeline, summary: RunSummary, fetches: list[SourceFetch]
) -> None:
    """The three keyed artifacts; the same keys every run, so each run adds a version."""
    with pipeline.db.session() as session:
        stories = get_stories(session, summary.new_story_ids)
        health = source_store.list_source_health(session)
    await acreate_markdown_artifact(
        key=ARTIFACT_NEW_STORIES,
        markdown=report.new_stories_markdown(stories),
        description=f"{len(stories)} new story(ies) found by this watch run",
    )
    await acreate_table_artifact(
        key=ARTIFACT_SOURCE_HEALTH,
        table=report.source_health_rows(
            health,
            {f.source: describe(f) for f in fetches},
            every={name: c.every for name, c in pipeline.cadences.items()},
        ),
        description="Health of every configured source after this run",
    )
    await acreate_markdown_artifact(
        key=ARTIFACT_RUN_SUMMARY,
        markdown=report.summary_markdown(summary),
        description="Counts per stage: sources, dedup tiers, alerts sent and failed",
    )


def run_name(scheduled: datetime | None = None) -> str:
    """`watch-2026-11-23T10-00Z`: the scheduled start (when there is one), in UTC, to the minute."""
    when = scheduled or _scheduled_start() or datetime.now(UTC)
    return f"watch-{when.astimezone(UTC):%Y-%m-%dT%H-%MZ}"


def _scheduled_start() -> datetime | None:
    value = flow_run.scheduled_start_time
    return value if isinstance(value, datetime) and flow_run.get_id() else None


@flow(name="watch", flow_run_name=run_name, log_prints=True)
async def watch(config_path: str = "config/rdwatch.yaml", due_only: bool = False) -> RunSummary:
    """Poll every source once (`due_only`: those due by their schedule), store what is new,
    alert on notable stories."""
    started_at = datetime.now(UTC)
    config = load_config(config_path)
    pipeline = core.open_pipeline(config)
    try:
        sources = [s for s in config.sources if s.enabled]
        clock = time.perf_counter()
        fetches = await core.fetch_sources_async(
            pipeline, sources, run_shard=run_fetch_task, due_only=due_only
        )
        _log_fetch_stage(fetches, time.perf_counter() - clock)
        # Sync tasks, in a worker thread: the pipeline runs its own event loop for article pages.
        batch = await asyncio.to_thread(process_items, untraversed(pipeline), untraversed(fetches))
        delivery = await asyncio.to_thread(deliver_alerts, untraversed(pipeline))
        summary = core.summarise(started_at, datetime.now(UTC), fetches, batch, delivery)
        await publish_artifacts(pipeline, summary, fetches)
    finally:
        pipeline.close()
    return summary


if __name__ == "__main__":
    asyncio.run(watch())
