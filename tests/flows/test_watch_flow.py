"""The watch flow run once in-process against Prefect's ephemeral API and the local news site.

This is the test that catches a Prefect/FastAPI mismatch (design §5): `import prefect` works with a
FastAPI that the API server then crashes on, so only a real flow run shows it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import flows.watch
import pytest
from flows.watch import ARTIFACT_NEW_STORIES, ARTIFACT_RUN_SUMMARY, is_transient, watch
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterTaskRunId,
)
from prefect.client.schemas.objects import Artifact, FlowRun, TaskRun
from prefect.client.schemas.sorting import TaskRunSort
from prefect.testing.utilities import prefect_test_harness

from rdwatch.config import load_config
from rdwatch.models import RunSummary, SourceFetch
from rdwatch.store import sources as source_store
from rdwatch.store.database import Database
from tests.conftest import write_config
from tests.flows.prefect_api import read_flow_run_artifacts
from tests.servers import Receiver, SiteServer

RUN_NAME = re.compile(r"watch-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z")


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=90):
        yield


def test_watch_flow_stores_alerts_and_publishes(
    prefect_api: None, tmp_path: Path, site: SiteServer, receiver: Receiver
) -> None:
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
    )

    state = asyncio.run(watch(config_path=str(config), return_state=True))

    assert state.is_completed(), state
    summary = state.result()
    assert isinstance(summary, RunSummary)
    assert summary.sources_ok == ("tech-wire",) and summary.sources_failed == (), summary
    assert summary.items_seen == 3, summary
    assert len(summary.new_story_ids) == 2, summary  # the quantum lab and the cycle lanes
    assert summary.alerts_sent == 1 and len(receiver.requests) == 1, summary

    flow_run, task_runs, artifacts = asyncio.run(_read_run(state.state_details.flow_run_id))
    assert RUN_NAME.fullmatch(flow_run.name), flow_run.name
    assert [t.name for t in task_runs if t.name.startswith("fetch-")] == ["fetch-tech-wire"], [
        t.name for t in task_runs
    ]
    assert "quantum lab" in str(artifacts[ARTIFACT_NEW_STORIES].data).lower(), artifacts
    assert "alerts: 1 sent, 0 failed" in str(artifacts[ARTIFACT_RUN_SUMMARY].data).lower()


def test_transient_source_failure_is_retried_by_prefect(
    prefect_api: None, tmp_path: Path, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five 503s against one retry in the fetch stage: Prefect's third attempt gets the feed.

    The fetch stage's own "retrying" lines land in the task run's logs in the API.
    """
    fast = flows.watch.fetch_source.with_options(retry_delay_seconds=0)
    monkeypatch.setattr(flows.watch, "fetch_source", fast)
    site.unavailable["/feed.xml"] = 5
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        fetch={"allow_private_addresses": True, "max_age_days": None, "retries": 1},
    )

    state = asyncio.run(watch(config_path=str(config), return_state=True))

    summary = state.result()
    assert summary.sources_ok == ("tech-wire",) and summary.items_seen == 3, summary
    assert site.hits.count("/feed.xml") == 6, site.hits
    _, task_runs, _ = asyncio.run(_read_run(state.state_details.flow_run_id))
    [fetch_run] = [t for t in task_runs if t.name == "fetch-tech-wire"]
    assert fetch_run.run_count == 3 and fetch_run.state and fetch_run.state.is_completed()
    [health] = _health(config)
    assert health.consecutive_failures == 0 and health.last_error is None, health
    logs = asyncio.run(_read_task_run_logs(fetch_run.id, containing="retrying", at_least=3))
    assert sum("retrying" in line and "HTTP 503" in line for line in logs) == 3, logs


def test_permanent_source_failure_is_not_retried(
    prefect_api: None, tmp_path: Path, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 404 fails its source at once, counts once in its health, and the run carries on."""
    fast = flows.watch.fetch_source.with_options(retry_delay_seconds=0)
    monkeypatch.setattr(flows.watch, "fetch_source", fast)
    config = write_config(
        tmp_path,
        sources=[
            {"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")},
            {"name": "gone-wire", "kind": "feed", "url": site.url("missing.xml")},
        ],
    )

    state = asyncio.run(watch(config_path=str(config), return_state=True))

    assert state.is_completed(), state
    summary = state.result()
    assert summary.sources_ok == ("tech-wire",), summary
    assert [name for name, _, _ in summary.sources_failed] == ["gone-wire"], summary
    assert site.hits.count("/missing.xml") == 1, site.hits
    health = {h.name: h for h in _health(config)}
    assert health["gone-wire"].consecutive_failures == 1, health["gone-wire"]
    assert health["tech-wire"].consecutive_failures == 0, health["tech-wire"]


@pytest.mark.parametrize(
    ("result", "transient"),
    [
        (SourceFetch("s", "u", error="HTTP 503", status_code=503), True),
        (SourceFetch("s", "u", error="HTTP 429", status_code=429), True),
        (SourceFetch("s", "u", error="timed out after 5s"), True),
        (SourceFetch("s", "u", error="connection refused"), True),
        (SourceFetch("s", "u", error="HTTP 404", status_code=404), False),
        (SourceFetch("s", "u", error="HTTP 410", status_code=410, gone=True), False),
        (SourceFetch("s", "u", error="not a feed: text/html"), False),
        (SourceFetch("s", "u"), False),
    ],
)
def test_only_transient_failures_are_retried(result: SourceFetch, transient: bool) -> None:
    assert is_transient(result) is transient


async def _read_task_run_logs(task_run_id: UUID, *, containing: str, at_least: int) -> list[str]:
    """The task run's log messages, once `at_least` contain `containing` (they come in batches)."""
    only_this_run = LogFilter(task_run_id=LogFilterTaskRunId(any_=[task_run_id]))
    async with get_client() as client:
        for _ in range(50):
            messages = [log.message for log in await client.read_logs(log_filter=only_this_run)]
            if sum(containing in m for m in messages) >= at_least:
                break
            await asyncio.sleep(0.2)
    return messages


def _health(config_path: Path) -> list[source_store.SourceHealth]:
    db = Database(load_config(config_path).database_url)
    try:
        with db.session() as session:
            return source_store.list_source_health(session)
    finally:
        db.dispose()


async def _read_run(flow_run_id: UUID) -> tuple[FlowRun, list[TaskRun], dict[str, Artifact]]:
    """The flow run, its task runs and its keyed artifacts, as the API has them.

    Task runs reach the API as events, so the last ones may land a moment after the flow returns.
    """
    in_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    async with get_client() as client:
        flow_run = await client.read_flow_run(flow_run_id)
        for _ in range(50):
            task_runs = await client.read_task_runs(
                flow_run_filter=in_run, sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=50
            )
            if len(task_runs) >= 3 and all(t.state and t.state.is_final() for t in task_runs):
                break
            await asyncio.sleep(0.2)
        artifacts = await read_flow_run_artifacts(client, flow_run_id)
    return flow_run, task_runs, {a.key: a for a in artifacts if a.key}
