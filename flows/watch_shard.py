"""A watch run over several workers: the `watch-shard` flow, and how `watch` fans out to it.

With `cluster.shards` above 1, `watch` plans the shards (`rdwatch.cluster.plan_shards`, whole
hosts each), starts one `watch-shard` flow run per shard through the shard deployment, and waits;
every worker of the work pool takes shard runs, so N workers poll N shards at once. A shard run
fetches and stores its sources (the same fetch tasks and processing task as a one-process run);
`watch` delivers the outbox once every shard has ended.

A shard run that ends crashed, failed or cancelled is started again, up to
`cluster.shard_attempts` runs in all. A worker killed outright leaves its run "Running" with no one
to say otherwise; the automation in deployments/automations.yaml marks a run whose heartbeats
stopped as Crashed (the shard deployment sends them), and the re-run follows. Re-running is safe:
see `rdwatch.cluster`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import arun_deployment
from prefect.runtime import flow_run as this_run
from prefect.states import Completed, State

from flows.stages import fetch_and_store
from rdwatch import cluster
from rdwatch import pipeline as core
from rdwatch.config import ClusterConfig, load_config
from rdwatch.fetch.shards import Shard, summarise

logging.getLogger("rdwatch").setLevel(logging.INFO)

POLL_SECONDS = 1.0  # how often the watch run reads its shards' states


@flow(
    name="watch-shard",
    flow_run_name="watch-shard-{shard}-of-{of}",
    log_prints=True,
    retries=1,  # an exception inside the run (the database away a moment): once more, in place
    retry_delay_seconds=10,
)
async def watch_shard(config_path: str, shard: int, of: int, due_only: bool = False) -> State:
    """Poll one shard's sources (`due_only`: those due by their schedule) and store what is new;
    delivery is the watch run's."""
    config = load_config(config_path)
    mine = cluster.shard_of(config, shard, of)
    pipeline = core.open_pipeline(config)
    try:
        fetches, batch = await fetch_and_store(pipeline, list(mine.sources), due_only=due_only)
    finally:
        pipeline.close()
    message = f"{summarise(fetches)}; {len(batch.new_story_ids)} new story(ies)"
    return Completed(message=message, data=len(fetches))


async def run_shards(
    config_path: str, settings: ClusterConfig, shards: list[Shard], *, due_only: bool = False
) -> list[cluster.ShardReport]:
    """Start a flow run per shard, re-run the lost ones, wait for all; how each shard went."""
    async with get_client() as client:
        parent = str(this_run.get_id() or "local")
        fleet = _Fleet(client, config_path, settings, parent, due_only)
        for shard in shards:
            await fleet.start(shard)
        deadline = time.monotonic() + settings.shard_timeout_s
        while fleet.running and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            for run_id, shard in list(fleet.running.items()):
                await fleet.check(run_id, shard)
    return [fleet.report(s) for s in shards]


@dataclass
class _Fleet:
    """The shard runs of one watch run: which are running, and every run each shard had."""

    client: PrefectClient
    config_path: str
    settings: ClusterConfig
    parent: str
    due_only: bool
    running: dict[UUID, Shard] = field(default_factory=dict)
    runs: dict[int, list[str]] = field(default_factory=dict)
    ends: dict[int, cluster.ShardEnd] = field(default_factory=dict)

    async def start(self, shard: Shard) -> None:
        names = self.runs.setdefault(shard.index, [])
        started = await arun_deployment(
            self.settings.shard_deployment,
            client=self.client,
            parameters={
                "config_path": self.config_path,
                "shard": shard.index,
                "of": shard.count,
                "due_only": self.due_only,
            },
            timeout=0,
            # A retried watch run finds the shard runs it started instead of starting more.
            idempotency_key=f"{self.parent}-{shard.index}-{len(names) + 1}",
            as_subflow=True,
        )
        self.running[started.id] = shard
        names.append(started.name)

    async def check(self, run_id: UUID, shard: Shard) -> None:
        flow_run = await self.client.read_flow_run(run_id)
        end = _end(flow_run)
        if end is None:
            return
        del self.running[run_id]
        step = cluster.next_step(end, len(self.runs[shard.index]), self.settings.shard_attempts)
        logger = get_run_logger()
        if step is cluster.Next.RERUN:
            logger.warning(
                "shard %s: run %s ended %s; starting it again",
                shard.label, flow_run.name, flow_run.state_name,
            )  # fmt: skip
            await self.start(shard)
            return
        if step is cluster.Next.GIVE_UP:
            logger.error(
                "shard %s: %d run(s), none completed", shard.label, len(self.runs[shard.index])
            )
        self.ends[shard.index] = end

    def report(self, shard: Shard) -> cluster.ShardReport:
        return cluster.ShardReport(
            shard.index, shard.count, len(shard.hosts), len(shard.sources),
            tuple(self.runs.get(shard.index, ())), self.ends.get(shard.index),
        )  # fmt: skip


def _end(flow_run: FlowRun) -> cluster.ShardEnd | None:
    state = flow_run.state
    if state is None or not state.is_final():
        return None
    return cluster.ShardEnd.COMPLETED if state.is_completed() else cluster.ShardEnd.LOST
