"""The `watch` flow: one fetch task per source, one processing task, one delivery task, artifacts.

Only orchestration lives here; every decision is made in `rdwatch.pipeline` and below.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import State

from rdwatch import pipeline as core
from rdwatch import report
from rdwatch.config import SourceConfig, load_config
from rdwatch.errors import FetchError
from rdwatch.models import RunSummary, SourceFetch
from rdwatch.notify import DeliveryReport
from rdwatch.store.articles import get_story
from rdwatch.store.sources import list_source_health

ARTIFACT_NEW_STORIES = "rdwatch-new-stories"
ARTIFACT_SOURCE_HEALTH = "rdwatch-source-health"
ARTIFACT_RUN_SUMMARY = "rdwatch-run-summary"


class TransientSourceError(FetchError):
    """A source failure worth retrying (5xx, timeouts, connection errors)."""


def _is_transient(result: SourceFetch) -> bool:
    code = result.status_code
    return result.error is not None and not result.gone and (code is None or code >= 500)


def _retry_transient(task: object, task_run: object, state: State) -> bool:
    try:
        state.result()
    except TransientSourceError:
        return True
    except Exception:
        return False
    return False


@task(
    name="fetch-source",
    task_run_name="fetch-{source.name}",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
def fetch_source(pipeline: core.Pipeline, source: SourceConfig) -> SourceFetch:
    result = core.fetch_sources(pipeline, [source])[0]
    if _is_transient(result):
        raise TransientSourceError(source.url, result.error or "failed")
    get_run_logger().info("%s: %d item(s)%s", source.name, len(result.items), _note(result))
    return result


def _note(result: SourceFetch) -> str:
    return " (not modified)" if result.not_modified else ""


@task(name="process-items", cache_policy=NO_CACHE)
def process_items(pipeline: core.Pipeline, fetches: list[SourceFetch]) -> core.BatchResult:
    batch = core.process_fetches(pipeline, fetches)
    get_run_logger().info(
        "%d item(s) in feeds, %d already known, tiers %s, %d new story(ies)",
        batch.items_seen,
        batch.items_skipped_seen,
        batch.by_tier,
        len(batch.new_story_ids),
    )
    return batch


@task(name="deliver-alerts", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def deliver_alerts(pipeline: core.Pipeline) -> DeliveryReport:
    delivery = core.deliver(pipeline)
    get_run_logger().info("alerts: %d sent, %d failed", len(delivery.sent), len(delivery.failed))
    return delivery


def _fetch_outcome(future: PrefectFuture[SourceFetch], source: SourceConfig) -> SourceFetch:
    """A fetch task's result, or its final failure as a per-source error."""
    future.wait()
    try:
        return future.state.result()  # type: ignore[no-any-return]
    except FetchError as exc:
        return SourceFetch(source=source.name, url=source.url, error=exc.reason)
    except Exception as exc:  # a crashed task must not fail the other sources
        return SourceFetch(source=source.name, url=source.url, error=f"{type(exc).__name__}: {exc}")


def _publish_artifacts(pipeline: core.Pipeline, summary: RunSummary) -> None:
    with pipeline.db.session() as session:
        stories = [s for i in summary.new_story_ids if (s := get_story(session, i))]
        health = list_source_health(session)
    create_markdown_artifact(
        key=ARTIFACT_NEW_STORIES,
        markdown=report.new_stories_markdown(stories),
        description="New stories found by this watch run",
    )
    create_table_artifact(
        key=ARTIFACT_SOURCE_HEALTH,
        table=report.source_health_rows(health),
        description="Health of every configured source",
    )
    create_markdown_artifact(
        key=ARTIFACT_RUN_SUMMARY,
        markdown=report.summary_markdown(summary),
        description="Counts per stage of this watch run",
    )


def _run_name() -> str:
    return f"watch-{datetime.now(UTC):%Y-%m-%dT%H-%MZ}"


@flow(name="watch", flow_run_name=_run_name, log_prints=True)
def watch(config_path: str = "config/rdwatch.yaml") -> RunSummary:
    """Poll every source once, store what is new, alert on notable stories."""
    started_at = datetime.now(UTC)
    config = load_config(config_path)
    pipeline = core.open_pipeline(config)
    try:
        sources = [s for s in config.sources if s.enabled]
        futures = [fetch_source.submit(pipeline, s) for s in sources]
        fetches = [_fetch_outcome(f, s) for f, s in zip(futures, sources, strict=True)]
        batch = process_items(pipeline, fetches)
        delivery = deliver_alerts(pipeline)
        summary = core.summarise(started_at, datetime.now(UTC), fetches, batch, delivery)
        _publish_artifacts(pipeline, summary)
    finally:
        pipeline.close()
    return summary


if __name__ == "__main__":
    watch()
