"""The watch flow run in-process against Prefect's ephemeral API and local servers.

This is the test that catches a Prefect/FastAPI mismatch: `import prefect` works with a
FastAPI that the API server then crashes on, so only a real flow run shows it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flows.watch import ARTIFACT_NEW_STORIES, ARTIFACT_RUN_SUMMARY, ARTIFACT_SOURCE_HEALTH, watch
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import Artifact, FlowRun, TaskRun
from prefect.testing.utilities import prefect_test_harness

from rdwatch.config import load_config
from rdwatch.fetch.shards import MAX_SHARDS
from rdwatch.models import RunSummary
from rdwatch.store import sources as source_store
from rdwatch.store.database import Database
from tests.conftest import write_config
from tests.fetch.servers import SMALL_FEED, Server, bad_sources, rss, serve
from tests.flows.prefect_api import (
    read_flow_run_artifacts,
    read_flow_run_logs,
    read_flow_run_task_runs,
)
from tests.servers import Receiver, SiteServer

RUN_NAME = re.compile(r"watch-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z")
# Feeds here link to example.com: links are not followed, so no name is ever resolved.
FAST = {
    "allow_private_addresses": True,
    "max_age_days": None,
    "timeout_s": 5,
    "follow_links": False,
}


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


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
    assert [t.name for t in task_runs if t.name.startswith("fetch-")] == ["fetch-1-of-1"]
    assert "quantum lab" in str(artifacts[ARTIFACT_NEW_STORIES].data).lower(), artifacts
    assert "alerts: 1 sent, 0 failed" in str(artifacts[ARTIFACT_RUN_SUMMARY].data).lower()
    [row] = _table(artifacts[ARTIFACT_SOURCE_HEALTH])
    assert row["source"] == "tech-wire" and row["this run"] == "3 item(s)", row


def test_thirteen_bad_sources_fail_quietly_once_each_within_the_budget(
    prefect_api: None, tmp_path: Path, server: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    """One good feed among 13 bad sources at the default timeout (20 s) and retries (2).

    Nothing is retried by Prefect: a task run per host (three hosts here), each run once, whose
    state says what happened; each failed source is one line, with no traceback in the console
    or the API's logs.
    """
    with serve() as busy:
        cases = bad_sources(server, busy)
        server.route("drip.xml", SMALL_FEED, delay_s=120)  # slow: never answers in time
        sources = [{"name": n, "kind": "feed", "url": url} for n, (url, _) in cases.items()]
        sources.append({"name": "good", "kind": "feed", "url": server.route("good", SMALL_FEED)})
        fetch = {**FAST, "timeout_s": 20, "max_bytes": 50_000}
        config = write_config(tmp_path, sources=sources, fetch=fetch)

        started = time.monotonic()
        state = asyncio.run(watch(config_path=str(config), return_state=True))
        elapsed = time.monotonic() - started

    assert state.is_completed(), state
    summary = state.result()
    assert elapsed < 40, elapsed  # the slow source's one 20 s timeout sets the pace
    assert summary.sources_ok == ("good",), summary
    failed = {name: reason for name, _, reason in summary.sources_failed}
    assert {
        name: expected in failed[name] for name, (_, expected) in cases.items()
    } == dict.fromkeys(cases, True), failed
    assert busy.hit_paths() == ["/busy.xml"]
    assert server.hit_paths().count("/500.xml") == 3  # the fetch stage's retries, and no more

    _, task_runs, _ = asyncio.run(_read_run(state.state_details.flow_run_id))
    fetch_runs = [t for t in task_runs if t.name.startswith("fetch-")]
    assert [t.run_count for t in fetch_runs] == [1, 1, 1], fetch_runs
    states = sorted((t.state.name, t.state.message) for t in fetch_runs if t.state)
    assert states == [
        ("All failed", "1 source(s): 0 with items (0), 0 not modified, 0 skipped, 1 failed"),
        ("All failed", "1 source(s): 0 with items (0), 0 not modified, 0 skipped, 1 failed"),
        ("Partly failed", "12 source(s): 1 with items (1), 0 not modified, 0 skipped, 11 failed"),
    ], states
    assert all(t.state and t.state.is_completed() for t in fetch_runs), fetch_runs

    console = capfd.readouterr()
    for noise in ("Traceback", "NoneType: None", "ERROR"):
        assert noise not in console.out + console.err, console.err[-3000:]
    logs = asyncio.run(_read_logs(state.state_details.flow_run_id, containing="fetch: 14 source"))
    assert not [m for _, m in logs if "Traceback" in m or "NoneType: None" in m], logs
    for name in cases:
        assert sum(m.startswith(f"{name}: failed (") for _, m in logs) == 1, (name, logs)

    health = {h.name: h for h in _health(config)}
    next_poll = health["throttled"].next_poll_at
    assert next_poll is not None and next_poll - datetime.now(UTC) > timedelta(minutes=59)


def test_a_retry_after_is_honoured_in_the_next_runs(
    prefect_api: None, tmp_path: Path, server: Server
) -> None:
    busy = server.route("busy.xml", status=429, headers={"Retry-After": "3600"})
    config = write_config(tmp_path, sources=[{"name": "busy", "url": busy}], fetch=FAST)

    first = asyncio.run(watch(config_path=str(config)))
    second = asyncio.run(watch(config_path=str(config)))

    assert [name for name, _, _ in first.sources_failed] == ["busy"], first
    assert second.sources_failed == () and server.hit_paths() == ["/busy.xml"], second
    [health] = _health(config)
    assert health.consecutive_failures == 1 and health.next_poll_at is not None, health


def test_a_transient_failure_is_retried_by_the_fetch_stage_alone(
    prefect_api: None, tmp_path: Path, site: SiteServer
) -> None:
    """Two 503s, then the feed: the fetch stage's retries get it, in one task run."""
    site.unavailable["/feed.xml"] = 2
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        fetch={**FAST, "retries": 2},
    )

    state = asyncio.run(watch(config_path=str(config), return_state=True))

    summary = state.result()
    assert summary.sources_ok == ("tech-wire",) and summary.items_seen == 3, summary
    assert site.hits.count("/feed.xml") == 3, site.hits
    _, task_runs, _ = asyncio.run(_read_run(state.state_details.flow_run_id))
    [fetch_run] = [t for t in task_runs if t.name.startswith("fetch-")]
    assert fetch_run.run_count == 1 and fetch_run.state and fetch_run.state.name == "Completed"
    [health] = _health(config)
    assert health.consecutive_failures == 0 and health.last_error is None, health


def test_task_runs_do_not_grow_with_the_number_of_sources(
    prefect_api: None, tmp_path: Path
) -> None:
    """24 sources on 6 hosts: at most MAX_SHARDS fetch task runs, every source in the logs."""
    with serve() as a, serve() as b, serve() as c, serve() as d, serve() as e, serve() as f:
        sources = [
            {"name": f"feed-{n}-{host.base[-5:]}", "url": host.route(f"{n}.xml", SMALL_FEED)}
            for host in (a, b, c, d, e, f)
            for n in range(4)
        ]
        config = write_config(tmp_path, sources=sources, fetch=FAST)
        asyncio.run(watch(config_path=str(config)))  # first poll: new items
        state = asyncio.run(watch(config_path=str(config), return_state=True))

    summary = state.result()
    assert len(summary.sources_ok) == 24, summary
    _, task_runs, _ = asyncio.run(_read_run(state.state_details.flow_run_id))
    fetch_runs = [t.name for t in task_runs if t.name.startswith("fetch-")]
    assert sorted(fetch_runs) == [f"fetch-{k}-of-{MAX_SHARDS}" for k in range(1, MAX_SHARDS + 1)]
    assert len(task_runs) == MAX_SHARDS + 2, [t.name for t in task_runs]  # + process, deliver
    logs = asyncio.run(_read_logs(state.state_details.flow_run_id, containing="fetch: 24 source"))
    unchanged = " ".join(m for _, m in logs if m.startswith("not modified ("))
    assert all(s["name"] in unchanged for s in sources), logs


def _table(artifact: Artifact) -> list[dict[str, Any]]:
    import json

    data = artifact.data
    return json.loads(data) if isinstance(data, str) else list(data or [])


async def _read_logs(flow_run_id: UUID, *, containing: str) -> list[tuple[str, str]]:
    async with get_client() as client:
        return await read_flow_run_logs(client, flow_run_id, containing=containing)


def _health(config_path: Path) -> list[source_store.SourceHealth]:
    db = Database(load_config(config_path).database_url)
    try:
        with db.session() as session:
            return source_store.list_source_health(session)
    finally:
        db.dispose()


async def _read_run(flow_run_id: UUID) -> tuple[FlowRun, list[TaskRun], dict[str, Artifact]]:
    """The flow run, its task runs (once final) and its keyed artifacts, as the API has them."""
    async with get_client() as client:
        flow_run = await client.read_flow_run(flow_run_id)
        task_runs = await read_flow_run_task_runs(client, flow_run_id, at_least=3)
        artifacts = await read_flow_run_artifacts(client, flow_run_id)
    return flow_run, task_runs, {a.key: a for a in artifacts if a.key}


def test_a_scheduled_run_polls_only_due_sources_and_with_none_due_fetches_nothing(
    prefect_api: None, tmp_path: Path, server: Server
) -> None:
    sources = [
        {"name": name, "url": server.route(f"{name}.xml", feed), "every": every}
        for name, every, feed in (
            ("fast", "5m", rss(("DAMO Academy fast news", "http://example.com/fast"))),
            ("slow", "6h", rss(("DAMO Academy slow news", "http://example.com/slow"))),
        )
    ]
    config = write_config(tmp_path, sources=sources, fetch=FAST)
    first = asyncio.run(watch(config_path=str(config), due_only=True))  # never polled: due
    state = asyncio.run(watch(config_path=str(config), due_only=True, return_state=True))

    assert first.sources_ok == ("fast", "slow"), first
    summary = state.result()
    assert summary.sources_ok == () and summary.sources_failed == (), summary
    assert sorted(server.hit_paths()) == ["/fast.xml", "/slow.xml"]
    _, task_runs, artifacts = asyncio.run(_read_run(state.state_details.flow_run_id))
    assert not [t for t in task_runs if t.name.startswith("fetch-")], task_runs
    rows = {r["source"]: r for r in _table(artifacts[ARTIFACT_SOURCE_HEALTH])}
    assert rows["fast"]["this run"] == "not polled", rows
    # new items halved each interval: 5m → 2m 30s, 6h → 3h
    assert (rows["fast"]["polled every"], rows["slow"]["polled every"]) == (
        "2m 30s (every 5m)",
        "3h (every 6h)",
    ), rows


def test_shards_need_a_deployment_run_so_a_direct_run_polls_in_process(
    prefect_api: None, tmp_path: Path, site: SiteServer, receiver: Receiver
) -> None:
    """`cluster.shards` fans out only runs started by a worker; `rdwatch run` has no workers."""
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
        cluster={"shards": 3},
    )

    state = asyncio.run(watch(config_path=str(config), return_state=True))

    assert state.is_completed(), state
    assert state.result().sources_ok == ("tech-wire",)
    assert len(receiver.requests) == 1
