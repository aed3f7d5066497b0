"""Reading what a flow run left in the Prefect API, shared by the flow and UI tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import Artifact, TaskRun
from prefect.client.schemas.sorting import TaskRunSort


async def read_flow_run_artifacts(client: PrefectClient, flow_run_id: UUID) -> list[Artifact]:
    """Every artifact of one flow run, flow-level ones included.

    Not `client.read_artifacts(flow_run_filter=...)`: with FastAPI 0.154 the server answers 422 to
    the explicit nulls that method sends for the filters left out, and passing an empty
    `TaskRunFilter` instead silently drops artifacts created outside a task. Omitted keys work.
    """
    body: dict[str, Any] = {
        "flow_runs": {"id": {"any_": [str(flow_run_id)]}},
        "sort": "KEY_ASC",
        "limit": 100,
        "offset": 0,
    }
    response = await client._client.post("/artifacts/filter", json=body)
    response.raise_for_status()
    return [Artifact.model_validate(a) for a in response.json()]


async def read_flow_run_task_runs(
    client: PrefectClient, flow_run_id: UUID, *, at_least: int, timeout: float = 15.0
) -> list[TaskRun]:
    """The task runs of one flow run, in start order, once `at_least` of them are final.

    Task runs reach the API as events, so the last ones may land a moment after the flow run
    itself is final; this waits up to `timeout` seconds and then returns what is there.
    """
    in_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    deadline = time.monotonic() + timeout
    while True:
        task_runs = await client.read_task_runs(
            flow_run_filter=in_run, sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200
        )
        done = len(task_runs) >= at_least and all(t.state and t.state.is_final() for t in task_runs)
        if done or time.monotonic() > deadline:
            return task_runs
        await asyncio.sleep(0.3)


async def read_deployment_names(client: PrefectClient) -> set[str]:
    """Every deployment the API knows, as `flow/deployment` (as `prefect deployment run` takes it).

    Raw filter requests with omitted keys, for the reason given in `read_flow_run_artifacts`.
    """
    page = {"limit": 200, "offset": 0}
    deployments = await client._client.post("/deployments/filter", json=page)
    flows = await client._client.post("/flows/filter", json=page)
    deployments.raise_for_status()
    flows.raise_for_status()
    flow_names = {f["id"]: f["name"] for f in flows.json()}
    return {f"{flow_names[d['flow_id']]}/{d['name']}" for d in deployments.json()}


async def read_flow_run_logs(
    client: PrefectClient, flow_run_id: UUID, *, containing: str, timeout: float = 15.0
) -> list[tuple[str, str]]:
    """(logger name, message) of every log line of one flow run, once one contains `containing`.

    Log lines are shipped to the API in batches, so the last ones may arrive after the run is
    final; this waits up to `timeout` seconds and then returns what is there.
    """
    body = {"logs": {"flow_run_id": {"any_": [str(flow_run_id)]}}, "limit": 200, "offset": 0}
    deadline = time.monotonic() + timeout
    while True:
        response = await client._client.post("/logs/filter", json=body)
        response.raise_for_status()
        lines = [(log["name"], log["message"]) for log in response.json()]
        if any(containing in message for _, message in lines) or time.monotonic() > deadline:
            return lines
        await asyncio.sleep(0.3)
