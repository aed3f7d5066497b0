"""The watch run's side of a fan-out: one shard run per shard, a lost one started again, a shard
that never completes reported, all without a server (the Prefect client is a fake)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from prefect.states import Completed, Crashed, Running, State

from flows import watch_shard
from rdwatch.cluster import ShardEnd
from rdwatch.config import ClusterConfig, SourceConfig
from rdwatch.fetch.shards import Shard


@dataclass
class FakeRun:
    id: UUID
    name: str
    parameters: dict[str, Any]
    state: State
    state_name: str = ""


@dataclass
class FakeServer:
    """Shard runs by id; `script[shard]` lists the final state of each of its runs in turn."""

    script: dict[int, list[State]]
    runs: dict[UUID, FakeRun] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    async def start(self, name: str, *, parameters: dict[str, Any], **kw: Any) -> FakeRun:
        self.keys.append(kw["idempotency_key"])
        shard = parameters["shard"]
        run = FakeRun(uuid4(), f"watch-shard-{shard}-of-{parameters['of']}", parameters, Running())
        self.runs[run.id] = run
        return run

    async def read_flow_run(self, run_id: UUID) -> FakeRun:
        run = self.runs[run_id]
        script = self.script[run.parameters["shard"]]
        if isinstance(run.state, State) and not run.state.is_final() and script:
            run.state = script.pop(0)
            run.state_name = run.state.name or ""
        return run


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    fake = FakeServer(script={})

    class Client:
        async def __aenter__(self) -> FakeServer:
            return fake

        async def __aexit__(self, *exc: object) -> None:
            return None

    async def start(name: str, *, client: FakeServer, **kw: Any) -> FakeRun:
        return await fake.start(name, **kw)

    monkeypatch.setattr(watch_shard, "get_client", Client)
    monkeypatch.setattr(watch_shard, "arun_deployment", start)
    monkeypatch.setattr(watch_shard, "get_run_logger", lambda: logging.getLogger("test"))
    monkeypatch.setattr(watch_shard, "POLL_SECONDS", 0)
    yield fake


def _shards(count: int) -> list[Shard]:
    return [
        Shard(k, count, (SourceConfig(name=f"s{k}", url=f"http://127.0.0.1:{8000 + k}/f.xml"),))
        for k in range(1, count + 1)
    ]


def test_every_shard_gets_a_run_and_a_lost_one_runs_again(server: FakeServer) -> None:
    server.script = {1: [Completed()], 2: [Crashed(), Completed()], 3: [Completed()]}
    settings = ClusterConfig(shards=3, shard_attempts=3)

    reports = asyncio.run(watch_shard.run_shards("c.yaml", settings, _shards(3)))

    assert [r.end for r in reports] == [ShardEnd.COMPLETED] * 3
    assert [len(r.runs) for r in reports] == [1, 2, 1]
    assert len(set(server.keys)) == 4, server.keys  # a retried watch run finds, never repeats
    assert {run.parameters["config_path"] for run in server.runs.values()} == {"c.yaml"}
    assert not any(run.parameters["due_only"] for run in server.runs.values())


def test_a_scheduled_watch_run_passes_due_only_to_its_shards(server: FakeServer) -> None:
    server.script = {1: [Completed()], 2: [Completed()]}
    settings = ClusterConfig(shards=2)

    asyncio.run(watch_shard.run_shards("c.yaml", settings, _shards(2), due_only=True))

    assert all(run.parameters["due_only"] for run in server.runs.values())


def test_a_shard_lost_on_every_attempt_is_given_up(server: FakeServer) -> None:
    server.script = {1: [Completed()], 2: [Crashed(), Crashed()]}
    settings = ClusterConfig(shards=2, shard_attempts=2)

    reports = asyncio.run(watch_shard.run_shards("c.yaml", settings, _shards(2)))

    assert [(r.end, len(r.runs)) for r in reports] == [
        (ShardEnd.COMPLETED, 1),
        (ShardEnd.LOST, 2),
    ]


def test_a_shard_still_running_at_the_deadline_has_no_end(server: FakeServer) -> None:
    server.script = {1: [Completed()], 2: []}  # shard 2 never ends
    settings = ClusterConfig(shards=2, shard_timeout_s=0.05)

    reports = asyncio.run(watch_shard.run_shards("c.yaml", settings, _shards(2)))

    assert [r.end for r in reports] == [ShardEnd.COMPLETED, None]
