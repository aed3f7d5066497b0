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

import pytest
from flows.watch import ARTIFACT_NEW_STORIES, ARTIFACT_RUN_SUMMARY, watch
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import Artifact, FlowRun, TaskRun
from prefect.client.schemas.sorting import TaskRunSort
from prefect.testing.utilities import prefect_test_harness

from rdwatch.models import RunSummary
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

    state = watch(config_path=str(config), return_state=True)

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
