"""The `watch` flow: one fetch task per source, one processing task, one delivery task, artifacts.

Only orchestration lives here; every decision is made in `rdwatch.pipeline`, `rdwatch.ingest` and
below.

The flow is async so that its 200-odd fetch task runs share one event loop and one HTTP client:
the fetch stage's limits (requests in flight overall and per host) hold across tasks, a task costs
a poll rather than a new client, and no thread pool is involved. On 2 cores, 200 sync task runs
in threads took 2.1 s of Prefect bookkeeping against 1.3 s as async task runs, because every
thread queues for the GIL and for Prefect's event-queue lock (bench_prefect_tasks.py).
A task only polls; the flow records every source's final outcome once, after retries, so a retried
transient failure counts as one failure in the source's health.

Objects handed to tasks go through `untraversed()`: Prefect otherwise walks every field of every
argument, twice per task run, looking for upstream futures that cannot be there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import TypeVar, cast

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import State
from prefect.utilities.annotations import quote

from rdwatch import fetch, progress, report
from rdwatch import pipeline as core
from rdwatch.config import FetchConfig, SourceConfig, load_config
from rdwatch.errors import FetchError
from rdwatch.models import RunSummary, SourceFetch, SourceState
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
# How rdwatch.fetch words transport failures worth another try (its TransientError reasons).
_TRANSIENT_REASONS = ("timed out", "connection refused", "cannot connect", "connection broken")
T = TypeVar("T")


def untraversed(value: T) -> T:
    """`value`, marked so that Prefect hands it to the task as is (its `quote` annotation)."""
    return cast(T, quote(value))


class TransientSourceError(FetchError):
    """A source failure worth retrying (5xx, 429, timeouts, refused or broken connections)."""

    def __init__(self, result: SourceFetch) -> None:
        super().__init__(result.url, result.error or "failed")
        self.result = result


def is_transient(result: SourceFetch) -> bool:
    """5xx/429 answers and transport failures; never 404/410 or a parse/config problem."""
    if result.error is None or result.gone:
        return False
    if result.status_code is not None:
        return result.status_code >= 500 or result.status_code == 429
    return result.error.lower().startswith(_TRANSIENT_REASONS)


async def _retry_transient(task: object, task_run: object, state: State) -> bool:
    outcome = await state.aresult(raise_on_failure=False)
    return isinstance(outcome, TransientSourceError)


@task(
    name="fetch-source",
    task_run_name="fetch-{source.name}",
    retries=2,
    retry_delay_seconds=[5, 20],
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
async def fetch_source(
    client: httpx.AsyncClient,
    settings: FetchConfig,
    source: SourceConfig,
    state: SourceState | None,
    now: datetime,
) -> SourceFetch:
    """Poll one source; a transient failure raises so Prefect retries it (5xx/timeouts only)."""
    # The fetch stage bounds each request; this bounds the task (its retries and queueing).
    budget = settings.timeout_s * (settings.retries + 2) + 30
    states = {source.name: state} if state else {}
    polls = fetch.fetch_sources([source], settings, states, client=client, now=now)
    try:
        [result] = await asyncio.wait_for(polls, budget)
    except TimeoutError:
        result = SourceFetch(source.name, source.url, error=f"timed out after {budget:g}s")
    if is_transient(result):
        raise TransientSourceError(result)
    get_run_logger().info("%s: %s", source.name, _describe(result))
    return result


def _describe(result: SourceFetch) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    if result.warning and not result.items:
        return result.warning
    return "not modified" if result.not_modified else f"{len(result.items)} item(s)"


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


async def fetch_all(pipeline: core.Pipeline, sources: list[SourceConfig]) -> list[SourceFetch]:
    """One fetch task run per source, all in flight at once; health recorded once per source."""
    with pipeline.db.session() as session:
        states = source_store.load_source_states(session)
    now = pipeline.clock()
    settings = pipeline.config.fetch
    async with fetch.build_client(settings) as client:
        polls = (_fetch_outcome(client, settings, s, states.get(s.name), now) for s in sources)
        fetches = list(await asyncio.gather(*polls))
    recorded_at = pipeline.clock()
    with pipeline.db.session() as session:
        for result in fetches:
            source_store.record_fetch(session, result, recorded_at)
    progress.advance("fetch", len(fetches))
    return fetches


async def _fetch_outcome(
    client: httpx.AsyncClient,
    settings: FetchConfig,
    source: SourceConfig,
    state: SourceState | None,
    now: datetime,
) -> SourceFetch:
    """A fetch task's result, or its final failure as a per-source error."""
    try:
        return await fetch_source(
            untraversed(client), untraversed(settings), untraversed(source), untraversed(state), now
        )
    except TransientSourceError as exc:
        return exc.result
    except FetchError as exc:
        return SourceFetch(source=source.name, url=source.url, error=exc.reason)
    except Exception as exc:  # a crashed task must not fail the other sources
        return SourceFetch(source=source.name, url=source.url, error=f"{type(exc).__name__}: {exc}")


def _log_fetch_stage(fetches: list[SourceFetch], seconds: float) -> None:
    failed = [f for f in fetches if not f.ok]
    get_run_logger().info(
        "fetch: %d source(s) in %.1f s, %d ok (%d not modified), %d failed, %d item(s)",
        len(fetches),
        seconds,
        len(fetches) - len(failed),
        sum(f.not_modified for f in fetches),
        len(failed),
        sum(len(f.items) for f in fetches),
    )
    for f in failed:
        get_run_logger().warning("source %s failed: %s", f.source, f.error)


async def publish_artifacts(pipeline: core.Pipeline, summary: RunSummary) -> None:
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
        table=report.source_health_rows(health),
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
async def watch(config_path: str = "config/rdwatch.yaml") -> RunSummary:
    """Poll every source once, store what is new, alert on notable stories."""
    started_at = datetime.now(UTC)
    config = load_config(config_path)
    pipeline = core.open_pipeline(config)
    try:
        sources = [s for s in config.sources if s.enabled]
        clock = time.perf_counter()
        fetches = await fetch_all(pipeline, sources)
        _log_fetch_stage(fetches, time.perf_counter() - clock)
        # Sync tasks, in a worker thread: the pipeline runs its own event loop for article pages.
        batch = await asyncio.to_thread(process_items, untraversed(pipeline), untraversed(fetches))
        delivery = await asyncio.to_thread(deliver_alerts, untraversed(pipeline))
        summary = core.summarise(started_at, datetime.now(UTC), fetches, batch, delivery)
        await publish_artifacts(pipeline, summary)
    finally:
        pipeline.close()
    return summary


if __name__ == "__main__":
    asyncio.run(watch())
