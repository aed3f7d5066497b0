"""Reading what a flow run left in the Prefect API, shared by the flow and UI tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import Artifact


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
