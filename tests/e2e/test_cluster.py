"""The watch spread over three workers, as `make cluster` sets it up, and a worker lost mid-shard.

deployments/cluster.py's own steps, in a directory and on ports of the test's: PostgreSQL with a
`prefect` and an `rdwatch` database, `prefect server start` on the first (scheduler off), the work
pool, `prefect deploy --all`, the automation that marks silent runs Crashed, and three process
workers. 300 local feeds on 12 ports (tests/e2e/feedfarm.py) make 6 shards of 2 hosts each; two
stories worth an alert are reprinted by 6 feeds each, one feed in every shard, so every shard
races the others to store them.

Tick 1: every feed is polled exactly once, the first story is alerted exactly once, the six
shard runs show in the Prefect API. Tick 2 (feeds slower, a new item in each, the second story):
once a shard has polled some of its feeds, its worker and the worker's flow runs are SIGKILLed,
as when a machine is lost. The automation marks the run Crashed when its heartbeats stop, the
watch run starts the shard again on a worker that is left, and still: every feed polled (twice
at most, and only the lost shard's), every item stored once, each alert received once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from deployments import cluster
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import arun_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from rdwatch.cluster import plan_shards
from rdwatch.config import load_config
from tests.conftest import write_config
from tests.e2e.feedfarm import QUANTUM_LAB, SERVER_CHIP, FeedFarm, serve_farm
from tests.e2e.processes import free_port
from tests.postgres import PG_BIN
from tests.servers import Receiver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.timeout(900),
]

FEEDS, HOSTS, SHARDS, WORKERS = 300, 12, 6, 3
WATCH = "watch/rdwatch-watch"
TICK_TIMEOUT = 420  # seconds: a lost worker's run is declared Crashed 90 s after its heartbeat


@pytest.fixture
def layout() -> Iterator[cluster.Layout]:
    """PostgreSQL, the Prefect server and the deployments, as `make cluster` starts them."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="rdwatch-cluster-"))
    root.chmod(0o755)  # the cluster's data folder inside belongs to the postgres user
    layout = cluster.Layout(root, pg_port=free_port(), port=free_port())
    try:
        cluster.start_postgres(layout)
        cluster.start_server(layout, scheduler=False)
        cluster.deploy(layout)
        yield layout
    except BaseException:
        _print_logs(layout)
        raise
    finally:
        cluster.down(layout)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def workers(layout: cluster.Layout) -> dict[int, int]:
    """Worker number → pid; flow runs read rdwatch's database from their environment."""
    env = {
        "RDWATCH_DATABASE_URL": layout.database_url("rdwatch"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    pids = {n: cluster.start_worker(layout, n, env) for n in range(1, WORKERS + 1)}
    deadline = time.monotonic() + 90
    while _online(layout.api) < WORKERS:
        assert time.monotonic() < deadline, f"workers not online\n{_logs(layout)}"
        time.sleep(1)
    return pids


@pytest.fixture
def farm() -> Iterator[FeedFarm]:
    with serve_farm(FEEDS, HOSTS) as running:
        # Feed n is on port n % 12, and shard k holds ports k-1 and k+5: feeds 0-5 (and 6-11)
        # are one in each shard.
        running.stories = [
            replace(QUANTUM_LAB, feeds=frozenset(range(0, 6))),
            replace(SERVER_CHIP, feeds=frozenset(range(6, 12))),
        ]
        yield running


def test_watch_fans_out_over_workers_and_survives_a_lost_worker(
    tmp_path: Path,
    layout: cluster.Layout,
    workers: dict[int, int],
    farm: FeedFarm,
    receiver: Receiver,
) -> None:
    config = write_config(
        tmp_path,
        database_url=layout.database_url("rdwatch"),
        sources=farm.sources(),
        fetch={
            "allow_private_addresses": True,
            "max_age_days": None,
            "timeout_s": 20,
            "follow_links": False,
        },
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
        cluster={"shards": SHARDS, "shard_attempts": 3, "shard_timeout_s": TICK_TIMEOUT},
    )
    # Each tick polls every source (the deployment's schedule would poll only those due).
    parameters = {"config_path": str(config), "due_only": False}
    started = time.monotonic()
    with temporary_settings({PREFECT_API_URL: layout.api}):
        # Tick 1: every source once, the first story alerted once, six shard runs.
        watch_run = asyncio.run(_tick(layout, parameters))
        tick_1 = time.monotonic() - started
        _check_completed(watch_run, layout)
        assert farm.polls() == {n: 1 for n in range(FEEDS)}, _unevenly_polled(farm)
        assert _alert_titles(receiver) == [QUANTUM_LAB.title]
        shard_runs = asyncio.run(_shard_runs(watch_run))
        assert sorted(r.name for r in shard_runs) == [
            f"watch-shard-{k}-of-{SHARDS}" for k in range(1, SHARDS + 1)
        ], shard_runs
        assert all(r.state and r.state.is_completed() for r in shard_runs), shard_runs
        _check_stored(layout, farm)

        # Tick 2: slower feeds, new items, the second story; a worker lost mid-shard.
        farm.reset()
        farm.generation, farm.delay = 2, 0.5
        clock = time.monotonic()
        watch_run, lost = asyncio.run(_tick_losing_a_worker(layout, parameters, farm, workers))
        tick_2 = time.monotonic() - clock
        _check_completed(watch_run, layout)
        polls = farm.polls()
        assert set(polls) == set(range(FEEDS)), _unevenly_polled(farm)  # no source skipped
        twice = {n for n, count in polls.items() if count > 1}
        assert twice <= lost["feeds"] and max(polls.values()) <= 2, (twice, lost)
        assert twice, "the lost shard was not polled again"  # it was killed mid-shard
        assert _alert_titles(receiver) == [QUANTUM_LAB.title, SERVER_CHIP.title]
        shard_runs = asyncio.run(_shard_runs(watch_run))
        by_name: dict[str, list[str]] = {}
        for run in shard_runs:
            by_name.setdefault(run.name, []).append(run.state_name or "")
        lost_names = {f"watch-shard-{k}-of-{SHARDS}" for k in lost["shards"]}
        assert all(sorted(by_name[k]) == ["Completed", "Crashed"] for k in lost_names), by_name
        assert all(v == ["Completed"] for k, v in by_name.items() if k not in lost_names), by_name
        _check_stored(layout, farm)
    print(f"cluster test: tick 1 {tick_1:.0f} s, tick 2 {tick_2:.0f} s; lost {lost['shards']}")


async def _tick(layout: cluster.Layout, parameters: dict[str, Any]) -> FlowRun:
    async with get_client() as client:
        run = await arun_deployment(
            WATCH, client=client, parameters=parameters, timeout=0, as_subflow=False
        )
        return await _wait(client, run, layout)


async def _wait(client: PrefectClient, run: FlowRun, layout: cluster.Layout) -> FlowRun:
    deadline = time.monotonic() + TICK_TIMEOUT
    while not (run.state and run.state.is_final()):
        assert time.monotonic() < deadline, f"{run.name}: {run.state}\n{_logs(layout)}"
        await asyncio.sleep(1)
        run = await client.read_flow_run(run.id)
    return run


async def _tick_losing_a_worker(
    layout: cluster.Layout, parameters: dict[str, Any], farm: FeedFarm, workers: dict[int, int]
) -> tuple[FlowRun, dict[str, Any]]:
    """Start a tick; once a shard has polled some but not all of its feeds, kill its worker."""
    shards = plan_shards(load_config(parameters["config_path"]))
    shard_feeds = {
        s.index: {int(source.name.removeprefix("feed-")) for source in s.sources} for s in shards
    }
    async with get_client() as client:
        run = await arun_deployment(
            WATCH, client=client, parameters=parameters, timeout=0, as_subflow=False
        )
        lost: dict[str, Any] | None = None
        deadline = time.monotonic() + 120
        while lost is None:
            assert time.monotonic() < deadline, f"no shard caught mid-way\n{_logs(layout)}"
            await asyncio.sleep(0.2)
            watch_run = await client.read_flow_run(run.id)
            lost = await _kill_a_busy_worker(watch_run, farm, workers, shard_feeds)
        return await _wait(client, run, layout), lost


async def _kill_a_busy_worker(
    watch_run: FlowRun, farm: FeedFarm, workers: dict[int, int], shard_feeds: dict[int, set[int]]
) -> dict[str, Any] | None:
    """SIGKILL a worker and its flow runs if one of its shards is part-way through its feeds and
    it does not hold the watch run itself."""
    keeper = _worker_of(watch_run, workers)
    polls = farm.polls()
    for shard_run in await _shard_runs(watch_run):
        if not (shard_run.state and shard_run.state.is_running()):
            continue
        worker = _worker_of(shard_run, workers)
        feeds = shard_feeds[int(shard_run.parameters["shard"])]
        polled = sum(1 for n in feeds if polls[n])
        if worker is None or worker == keeper or not 0 < polled < len(feeds) // 2:
            continue
        # A machine lost takes the flow runs with it (they lead sessions of their own); the
        # worker may hold two shards (--limit 2). Found before the kill: then they are orphans.
        held = [
            other
            for other in await _shard_runs(watch_run)
            if _worker_of(other, workers) == worker and other.infrastructure_pid
        ]
        os.kill(workers[worker], signal.SIGKILL)
        for other in held:
            _kill_tree(int(other.infrastructure_pid or 0))
        shards = [int(other.parameters["shard"]) for other in held]
        lost_feeds = set().union(*(shard_feeds[k] for k in shards))
        return {"worker": worker, "shards": shards, "feeds": lost_feeds}
    return None


def _worker_of(run: FlowRun, workers: dict[int, int]) -> int | None:
    """The worker whose child the run's process is (a process worker starts one per run)."""
    if not run.infrastructure_pid:
        return None
    try:
        stat = Path(f"/proc/{int(run.infrastructure_pid)}/stat").read_text()
    except (FileNotFoundError, ValueError):
        return None
    parent = int(stat.rsplit(")", 1)[1].split()[1])
    return next((n for n, pid in workers.items() if pid == parent), None)


def _kill_tree(pid: int) -> None:
    """SIGKILL `pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    todo = [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        with contextlib.suppress(ProcessLookupError):
            os.kill(current, signal.SIGKILL)


async def _shard_runs(watch_run: FlowRun) -> list[FlowRun]:
    """The shard deployment's runs started by this watch run (its subflow task runs)."""
    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=["rdwatch-watch-shard"])
            ),
        )
        mine = []
        for run in runs:
            if run.parent_task_run_id is None:
                continue
            task_run = await client.read_task_run(run.parent_task_run_id)
            if task_run.flow_run_id == watch_run.id:
                mine.append(run)
        return mine


def _check_completed(run: FlowRun, layout: cluster.Layout) -> None:
    assert run.state is not None and run.state.is_completed(), (
        f"{run.name}: {run.state}\n{_logs(layout)}"
    )


def _check_stored(layout: cluster.Layout, farm: FeedFarm) -> None:
    """Every item the feeds hold is stored, each once; one story per alerted story, sent once."""
    engine = sa.create_engine(layout.database_url("rdwatch"))
    try:
        with engine.connect() as connection:
            urls = [row[0] for row in connection.execute(sa.text("SELECT url FROM articles"))]
            sent = connection.execute(
                sa.text("SELECT story_id, status FROM outbox ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    ours = [u for u in urls if u.startswith("http://127.0.0.1:9/")]
    assert len(ours) == len(set(ours)), "an article stored twice"
    assert set(ours) == farm.item_urls(), sorted(farm.item_urls() - set(ours))[:10]
    assert [status for _, status in sent] == ["sent"] * farm.generation, sent
    assert len({story for story, _ in sent}) == farm.generation, sent


def _alert_titles(receiver: Receiver) -> list[str]:
    return [body["title"].removeprefix("rdwatch: ") for body in receiver.json_bodies()]


def _unevenly_polled(farm: FeedFarm) -> str:
    polls = farm.polls()
    odd = {n: polls.get(n, 0) for n in range(FEEDS) if polls.get(n, 0) != 1}
    return f"{len(odd)} feed(s) not polled exactly once: {dict(list(odd.items())[:20])}"


def _online(api: str) -> int:
    try:
        response = httpx.post(f"{api}/work_pools/{cluster.POOL}/workers/filter", json={}, timeout=5)
    except httpx.HTTPError:
        return 0
    return sum(w["status"] == "ONLINE" for w in response.json())


def _logs(layout: cluster.Layout, lines: int = 40) -> str:
    out = []
    for log in sorted(layout.path("logs").glob("*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
        out.append(f"--- {log.name} ---\n" + "\n".join(text[-lines:]))
    return "\n".join(out)


def _print_logs(layout: cluster.Layout) -> None:
    if layout.path("logs").exists():
        print(_logs(layout))
