"""The work-pool path of README "Running on a schedule", command for command.

A real `prefect server start` (free port, own PREFECT_HOME, scheduler off), then from the project
root, as the README says: `prefect work-pool create rdwatch-process --type process`,
`prefect --no-prompt deploy --all --prefect-file deployments/prefect.yaml` and
`prefect worker start --pool rdwatch-process`. The test checks what the deploy registered through
the client, triggers `watch/rdwatch-watch` on a config for the local news site and webhook
receiver of tests/servers.py, and waits for the worker's run to complete with one alert sent.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import arun_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.conftest import ROOT, write_config
from tests.e2e.processes import (
    Background,
    PrefectServer,
    background,
    clean_env,
    venv_script,
    wait_until,
)
from tests.flows.prefect_api import read_deployment_names, read_flow_run_logs
from tests.servers import Receiver, SiteServer

POOL = "rdwatch-process"
WATCH = "watch/rdwatch-watch"
CLI_TIMEOUT = 60  # seconds for each `prefect` command (≈3-6 s here)
RUN_TIMEOUT = 60  # seconds from trigger to a final state (≈5 s here)

# What deployments/prefect.yaml promises, as README's table words it: schedule, tags, limit.
EXPECTED: dict[str, dict[str, Any]] = {
    "watch/rdwatch-watch": {
        "entrypoint": "flows/watch.py:watch",
        "crons": [("* * * * *", "UTC")],
        "parameters": {"config_path": "config/rdwatch.yaml", "due_only": True},
        "tags": {"rdwatch", "watch"},
        "limit": (1, "CANCEL_NEW"),
    },
    "watch-shard/rdwatch-watch-shard": {
        "entrypoint": "flows/watch_shard.py:watch_shard",
        "crons": [],
        "tags": {"rdwatch", "watch"},
        "limit": (None, None),
    },
    "digest/rdwatch-digest": {
        "entrypoint": "flows/digest.py:digest",
        "crons": [("0 7 * * *", "UTC")],
        "tags": {"rdwatch", "digest"},
        "limit": (1, None),  # no collision strategy given: the server queues (ENQUEUE)
    },
    "backfill/rdwatch-backfill": {
        "entrypoint": "flows/backfill.py:backfill",
        "crons": [],
        "tags": {"rdwatch", "backfill"},
        "limit": (None, None),
    },
}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def cli_env(tmp_path: Path, prefect_server: PrefectServer) -> dict[str, str]:
    """A user's terminal pointed at the test server.

    PREFECT_CLI_PROMPT=true stands in for the terminal: the CLI prompts as it would on one, and a
    prompt fails on the closed stdin. In a terminal, a bare `prefect deploy` asks three times
    whether workers should pull the code from remote storage (default yes); the README's
    `--no-prompt` keeps the recorded directory without asking.
    """
    return clean_env(
        PREFECT_API_URL=prefect_server.api,
        PREFECT_HOME=str(tmp_path / "prefect-cli"),
        PREFECT_CLI_PROMPT="true",
    )


@pytest.fixture
def deployed(cli_env: dict[str, str]) -> None:
    """README's first two commands, from the project root."""
    _prefect(["work-pool", "create", POOL, "--type", "process"], cli_env)
    _prefect(
        ["--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"], cli_env
    )


@pytest.fixture
def worker(tmp_path: Path, prefect_server: PrefectServer, deployed: None) -> Iterator[Background]:
    """README's third command. Flow runs inherit this environment, so no RDWATCH_* of the caller's
    (RDWATCH_DATABASE_URL would point the run at another database than the test config's)."""
    env = {
        k: v
        for k, v in clean_env(
            PREFECT_API_URL=prefect_server.api,
            PREFECT_HOME=str(tmp_path / "prefect-worker"),
            PREFECT_WORKER_QUERY_SECONDS="1",  # pick the triggered run up at once (default 15 s)
        ).items()
        if not k.startswith("RDWATCH_")
    }
    args = [venv_script("prefect"), "worker", "start", "--pool", POOL]
    with background("prefect-worker", args, env=env, cwd=ROOT, log_dir=tmp_path) as process:
        wait_until(
            lambda: _pool_status(prefect_server.api) == "READY",  # the worker's first heartbeat
            what=f"work pool {POOL} READY",
            timeout=60,
            process=process,
        )
        yield process


def _prefect(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [venv_script("prefect"), *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"`prefect {' '.join(args)}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )


def _pool_status(api: str) -> str | None:
    try:
        response = httpx.get(f"{api}/work_pools/{POOL}", timeout=5)
    except httpx.HTTPError:
        return None
    return response.json().get("status") if response.status_code == 200 else None


def test_deploy_and_worker_run_watch_as_the_readme_says(
    tmp_path: Path,
    prefect_server: PrefectServer,
    worker: Background,
    site: SiteServer,
    receiver: Receiver,
) -> None:
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
    )
    with temporary_settings({PREFECT_API_URL: prefect_server.api}):
        asyncio.run(_check_deployments())
        flow_run = asyncio.run(_run_watch(str(config), worker))

    assert flow_run.state is not None and flow_run.state.is_completed(), (
        f"{flow_run.name}: {flow_run.state}\n{worker.tail()}"
    )
    assert flow_run.work_pool_name == POOL, flow_run.work_pool_name
    assert flow_run.parameters == {"config_path": str(config), "due_only": True}, (
        flow_run.parameters
    )
    [alert] = receiver.json_bodies()
    assert "quantum lab" in alert["title"].lower(), alert
    # rdwatch's own INFO lines reach the run's logs (PREFECT_LOGGING_EXTRA_LOGGERS + flows/).
    with temporary_settings({PREFECT_API_URL: prefect_server.api}):
        logs = asyncio.run(_logs(flow_run.id, "sent on webhook"))
    delivered = [m for name, m in logs if name == "rdwatch.notify.deliver"]
    assert any(re.fullmatch(r"alert for story \d+ sent on webhook", m) for m in delivered), (
        "\n".join(f"{name}: {message}" for name, message in logs)
    )


async def _check_deployments() -> None:
    async with get_client() as client:
        assert await read_deployment_names(client) == set(EXPECTED)
        for name, expected in EXPECTED.items():
            deployment = await client.read_deployment_by_name(name)
            crons = [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]  # type: ignore[union-attr]
            assert crons == expected["crons"], (name, deployment.schedules)
            assert all(s.active for s in deployment.schedules), (name, deployment.schedules)
            assert set(deployment.tags) == expected["tags"], (name, deployment.tags)
            assert _limit(deployment) == expected["limit"], (
                name,
                deployment.global_concurrency_limit,
                deployment.concurrency_options,
            )
            assert (deployment.work_pool_name, deployment.work_queue_name) == (POOL, "default")
            assert deployment.entrypoint == expected["entrypoint"], (name, deployment.entrypoint)
            parameters = expected.get("parameters", {"config_path": "config/rdwatch.yaml"})
            assert deployment.parameters == parameters, (
                name,
                deployment.parameters,
            )
            # README: `prefect deploy` records the directory it ran in, and workers run from it.
            assert deployment.pull_steps == [
                {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
            ], (name, deployment.pull_steps)
            assert deployment.job_variables["env"]["PREFECT_LOGGING_EXTRA_LOGGERS"] == "rdwatch"


async def _logs(flow_run_id: UUID, containing: str) -> list[tuple[str, str]]:
    async with get_client() as client:
        return await read_flow_run_logs(client, flow_run_id, containing=containing)


def _limit(deployment: Any) -> tuple[int | None, str | None]:
    limit = deployment.global_concurrency_limit
    options = deployment.concurrency_options
    return (
        limit.limit if limit else None,
        options.collision_strategy.value if options else None,
    )


async def _run_watch(config_path: str, worker: Background) -> FlowRun:
    """Trigger the watch deployment on the test config; wait for the worker to finish the run."""
    async with get_client() as client:
        flow_run = await arun_deployment(
            WATCH,
            client=client,
            parameters={"config_path": config_path},
            timeout=0,  # return at once; the loop below fails early if the worker dies
            as_subflow=False,
        )
        deadline = time.monotonic() + RUN_TIMEOUT
        while not (flow_run.state and flow_run.state.is_final()):
            assert worker.alive(), f"the worker exited ({worker.proc.returncode})\n{worker.tail()}"
            assert time.monotonic() < deadline, (
                f"{flow_run.name} still {flow_run.state} after {RUN_TIMEOUT}s\n{worker.tail()}"
            )
            await asyncio.sleep(0.5)
            flow_run = await client.read_flow_run(flow_run.id)
    return flow_run
