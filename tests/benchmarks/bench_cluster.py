"""Benchmark: one watch tick over 1, 2 and 3 workers — 1,000 local feeds, each answer 200 ms late.

The cluster is what `make cluster` starts (deployments/cluster.py), in a temporary folder on free
ports: PostgreSQL for Prefect and rdwatch, `prefect server start` (scheduler off), the work pool,
the deployments and the automation. For each worker count k, on a fresh rdwatch database: k
process workers (`--limit 2`), a config with `cluster.shards: k` (k = 1: no shards, the watch run
polls everything itself, as today), one warm-up tick that stores every feed's item and its ETag,
then `--rounds` timed ticks in which every feed answers 304 after `--delay` seconds. A tick is
timed from the watch run's trigger to its final state, as the client sees it; the farm counts
that every feed was polled exactly once per tick.

What sharding buys here: each shard's process polls with its own `fetch.concurrency` (16
requests in flight), so k shards keep 16·k requests in flight; each shard also costs a flow run
(a new process, Prefect's imports, its own task runs). This machine has 2 cores shared by
everything (server, PostgreSQL, workers, the feed farm); separate machines would not share them.

Run: `.venv/bin/python tests/benchmarks/bench_cluster.py [--feeds 1000] [--hosts 30]
[--delay 0.2] [--workers 1,2,3] [--rounds 2]`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deployments import cluster  # noqa: E402
from tests.e2e.feedfarm import FeedFarm, serve_farm  # noqa: E402
from tests.e2e.processes import free_port  # noqa: E402

WATCH = "watch/rdwatch-watch"


def write_config(folder: Path, database_url: str, farm: FeedFarm, shards: int) -> Path:
    config = {
        "database_url": database_url,
        "data_dir": str(folder / "data"),
        "archive": None,
        "sources": farm.sources(),
        "fetch": {"follow_links": False, "max_age_days": None, "allow_private_addresses": True},
        "facts": {
            "gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
            "rates": str(ROOT / "config" / "rates.yaml"),
        },
        "cluster": {"shards": shards},
    }
    path = folder / f"rdwatch-{shards}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def create_database(layout: cluster.Layout, name: str) -> str:
    import psycopg

    dsn = f"host=127.0.0.1 port={layout.pg_port} user=postgres dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return layout.database_url(name)


@dataclass
class Tick:
    seconds: float  # trigger to final state
    shard_lag: float = 0.0  # longest wait of a shard run from its creation to running
    shard_run: float = 0.0  # longest shard run, running to final state


async def tick(parameters: dict[str, Any], timeout: float = 900) -> Tick:
    """A watch run from trigger to final state, and its shard runs; fails unless it completed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.deployments import arun_deployment

    async with get_client() as client:
        started = time.perf_counter()
        run = await arun_deployment(
            WATCH, client=client, parameters=parameters, timeout=0, as_subflow=False
        )
        while not (run.state and run.state.is_final()):
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{run.name} still {run.state} after {timeout:g} s")
            await asyncio.sleep(0.25)
            run = await client.read_flow_run(run.id)
        seconds = time.perf_counter() - started
        if not run.state.is_completed():
            raise RuntimeError(f"{run.name} ended {run.state}")
        shards = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])
            )
        )
    timed = [r for r in shards if r.start_time and r.end_time]
    return Tick(
        seconds,
        max(((r.start_time - r.created).total_seconds() for r in timed), default=0.0),
        max(((r.end_time - r.start_time).total_seconds() for r in timed), default=0.0),
    )


def start_workers(layout: cluster.Layout, count: int, database_url: str) -> None:
    env = {"RDWATCH_DATABASE_URL": database_url, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    for n in range(1, count + 1):
        cluster.start_worker(layout, n, env)
    deadline = time.monotonic() + 120
    while online(layout) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} worker(s) not online after 120 s")
        time.sleep(0.5)


def online(layout: cluster.Layout) -> int:
    import httpx

    try:
        answer = httpx.post(f"{layout.api}/work_pools/{cluster.POOL}/workers/filter", json={})
    except httpx.HTTPError:
        return 0
    return sum(w["status"] == "ONLINE" for w in answer.json())


def stop_workers(layout: cluster.Layout, count: int) -> None:
    for n in range(1, count + 1):
        cluster.stop(layout, f"worker-{n}")
    # The server keeps a stopped worker ONLINE until its heartbeats are overdue; the next
    # measurement counts only the workers it starts, by name, so delete the old ones.
    import httpx

    for n in range(1, count + 1):
        httpx.delete(f"{layout.api}/work_pools/{cluster.POOL}/workers/worker-{n}")


def measure(
    layout: cluster.Layout, farm: FeedFarm, folder: Path, workers: int, rounds: int
) -> list[Tick]:
    shards = workers if workers > 1 else 0
    database_url = create_database(layout, f"rdwatch_{workers}")
    config = write_config(folder, database_url, farm, shards)
    start_workers(layout, workers, database_url)
    try:
        delay, farm.delay = farm.delay, 0.0
        full_poll = {"config_path": str(config), "due_only": False}
        asyncio.run(tick(full_poll))  # warm-up: every item stored once
        farm.delay = delay
        ticks = []
        for _ in range(rounds):
            farm.reset()
            ticks.append(asyncio.run(tick(full_poll)))
            polls = farm.polls()
            if polls != {n: 1 for n in range(farm.feeds)}:
                raise RuntimeError(f"{workers} worker(s): not every feed polled once: {polls}")
        return ticks
    finally:
        stop_workers(layout, workers)


def report(results: dict[int, list[Tick]], args: argparse.Namespace) -> None:
    base = statistics.median(t.seconds for t in results[min(results)])
    print(
        f"\n{args.feeds} local feeds on {args.hosts} hosts, every answer a 304 after "
        f"{args.delay * 1000:.0f} ms; one watch tick, trigger to final state; "
        f"median of {args.rounds} (min–max)\n"
    )
    print("| workers | shards | tick | speed-up vs 1 worker | shard run: waited to start / ran |")
    print("|---|---|---|---|---|")
    for workers, ticks in results.items():
        times = [t.seconds for t in ticks]
        median = statistics.median(times)
        spread = f" ({min(times):.1f}–{max(times):.1f})" if len(times) > 1 else ""
        shards = str(workers) if workers > 1 else "off (one process)"
        lag, ran = max(t.shard_lag for t in ticks), max(t.shard_run for t in ticks)
        parts = f"{lag:.1f} s / {ran:.1f} s" if workers > 1 else "—"
        print(f"| {workers} | {shards} | {median:.1f} s{spread} | {base / median:.2f}× | {parts} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--workers", default="1,2,3", help="worker counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    root.chmod(0o755)  # the PostgreSQL folder inside belongs to the postgres user
    layout = cluster.Layout(root, pg_port=free_port(), port=free_port())
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        with (
            serve_farm(args.feeds, args.hosts) as farm,
            temporary_settings({PREFECT_API_URL: layout.api}),
        ):
            farm.delay = args.delay
            print("starting PostgreSQL, the Prefect server, the deployments …", flush=True)
            cluster.start_postgres(layout, databases=("prefect",))
            cluster.start_server(layout, scheduler=False)
            cluster.deploy(layout)
            results = {}
            for workers in counts:
                print(f"  {workers} worker(s) …", flush=True)
                results[workers] = measure(layout, farm, root, workers, args.rounds)
            report(results, args)
    finally:
        cluster.down(layout)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
