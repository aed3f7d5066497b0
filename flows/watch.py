"""The `watch` flow: a few fetch tasks, one processing task, one delivery task, artifacts.

Only orchestration lives here; every decision is made in `rdwatch.pipeline`, `rdwatch.ingest` and
below, and the tasks are in flows/stages.py. The fetch loop is the pipeline's
(`fetch_sources_async`): the flow only hands it `run_fetch_task`, which turns each shard of
sources (at most `rdwatch.fetch.shards.MAX_SHARDS`, grouped by host) into one `fetch-<k>-of-<n>`
task run. So a run costs Prefect a handful of task runs however many sources there are, and every
source still has its outcome in the task run's logs and a row in the source-health artifact.

With `cluster.shards` above 1 the run fans out instead: one `watch-shard` flow run per shard of
hosts, on whichever workers take them (flows/watch_shard.py), then delivery here.

The flow is async so that its fetch task runs share one event loop and one HTTP client: the fetch
stage's limits (requests in flight overall and per host) hold across tasks, and no thread pool is
involved (bench_prefect_tasks.py measured async task runs at well under half the cost of sync
ones in threads on 2 cores).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.runtime import deployment, flow_run

from flows.stages import deliver_alerts, fetch_and_store, untraversed
from flows.watch_shard import run_shards
from rdwatch import cluster, report
from rdwatch import pipeline as core
from rdwatch.config import load_config
from rdwatch.fetch.shards import describe
from rdwatch.models import RunSummary, SourceFetch
from rdwatch.store import sources as source_store
from rdwatch.store.articles import get_stories

# Prefect hands the `rdwatch` logger (PREFECT_LOGGING_EXTRA_LOGGERS) to its API handler but
# leaves its level to the root's WARNING; INFO lines such as "alert … sent on <channel>"
# belong in the run's logs. Flow files are loaded by path, hence this line in each of them.
logging.getLogger("rdwatch").setLevel(logging.INFO)

ARTIFACT_NEW_STORIES = "rdwatch-new-stories"
ARTIFACT_SOURCE_HEALTH = "rdwatch-source-health"
ARTIFACT_RUN_SUMMARY = "rdwatch-run-summary"


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
    # Opened before any fan-out: the shard runs then find the schema migrated, the archive
    # imported and the sources synced, instead of racing each other to do it.
    pipeline = core.open_pipeline(config)
    try:
        if _fans_out(config.cluster.shards):
            return await _watch_in_shards(pipeline, config_path, started_at, due_only)
        sources = [s for s in config.sources if s.enabled]
        fetches, batch = await fetch_and_store(pipeline, sources, due_only=due_only)
        delivery = await asyncio.to_thread(deliver_alerts, untraversed(pipeline))
        summary = core.summarise(started_at, datetime.now(UTC), fetches, batch, delivery)
        await publish_artifacts(pipeline, summary, fetches)
    finally:
        pipeline.close()
    return summary


def _fans_out(shards: int) -> bool:
    """Shards need the work pool's workers: a run not started from a deployment (`rdwatch run`)
    polls everything itself whatever `cluster.shards` says."""
    if shards <= 1:
        return False
    if deployment.get_id() is None:
        get_run_logger().warning(
            "cluster.shards is %d, but this run was not started from a deployment: "
            "polling every source in this process",
            shards,
        )
        return False
    return True


async def _watch_in_shards(
    pipeline: core.Pipeline, config_path: str, started_at: datetime, due_only: bool
) -> RunSummary:
    """Shard flow runs on the work pool's workers, then delivery of whatever they stored. With
    `due_only`, only the shards holding a due source run (each polls its due sources only): a
    minute with nothing due starts no flow run."""
    shards = cluster.plan_shards(pipeline.config)
    if due_only:
        shards = cluster.shards_with(shards, core.due_source_names(pipeline))
    reports = await run_shards(config_path, pipeline.config.cluster, shards, due_only=due_only)
    outcome = cluster.describe_shards(reports)
    get_run_logger().info("shards: %s", outcome)
    delivery = await asyncio.to_thread(deliver_alerts, untraversed(pipeline))
    summary = core.summarise(started_at, datetime.now(UTC), [], core.BatchResult(), delivery)
    with pipeline.db.session() as session:
        health = source_store.list_source_health(session)
    await acreate_table_artifact(
        key=ARTIFACT_SOURCE_HEALTH,
        table=report.source_health_rows(health),
        description="Health of every configured source after this run",
    )
    await acreate_markdown_artifact(
        key=ARTIFACT_RUN_SUMMARY,
        markdown=f"# Run summary\n\n- Shards: {outcome}\n"
        f"- Alerts: {summary.alerts_sent} sent, {len(summary.alerts_failed)} failed",
        description="Shards run, alerts sent and failed",
    )
    if any(r.end is not cluster.ShardEnd.COMPLETED for r in reports):
        # Delivered what the other shards stored; the run still fails, so that Prefect says so.
        raise RuntimeError(f"not every shard completed: {outcome}")
    return summary


if __name__ == "__main__":
    asyncio.run(watch())
