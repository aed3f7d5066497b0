"""The scheduled watch as a user meets it: a real Prefect server, `rdwatch serve`, the Prefect UI.

A `prefect server start` on a free port (its own PREFECT_HOME) and `rdwatch serve` in a second
process, both against the local news site and webhook receiver of tests/servers.py. The test
triggers the served `watch` deployment through the Prefect client, checks the run, its task runs
and its artifacts through the API, then looks at the same run in headless Chromium (Debian's
executable driven by Playwright) and leaves screenshots in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import yaml
from flows.watch import ARTIFACT_NEW_STORIES, ARTIFACT_RUN_SUMMARY, ARTIFACT_SOURCE_HEALTH
from playwright.sync_api import Page, expect, sync_playwright
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
from tests.flows.prefect_api import (
    read_deployment_names,
    read_flow_run_artifacts,
    read_flow_run_task_runs,
)
from tests.servers import Receiver, SiteServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root cannot use chromium's sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WATCH = "watch/rdwatch-watch"
RUN_NAME = re.compile(r"watch-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z")
UI_TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no chromium at {CHROMIUM}: `make browser` installs Debian's package "
        "(Playwright cannot download its own browser here)",
    ),
    pytest.mark.timeout(300),
]


@pytest.fixture
def rdwatch_serve(
    tmp_path: Path, prefect_server: PrefectServer, site: SiteServer, receiver: Receiver
) -> Iterator[Background]:
    """`rdwatch serve` from the project root, as a user starts it, on a config for the test site."""
    config = write_config(
        tmp_path,
        sources=[
            {"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")},
            {"name": "gone-wire", "kind": "feed", "url": site.url("gone.xml")},  # 404
        ],
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
    )
    env = clean_env(
        PREFECT_API_URL=prefect_server.api,
        PREFECT_HOME=str(tmp_path / "prefect-serve"),
        PREFECT_RUNNER_POLL_FREQUENCY="1",  # pick the triggered run up at once (default 10 s)
    )
    args = [venv_script("rdwatch"), "serve", "--config", str(config)]
    with background("rdwatch-serve", args, env=env, cwd=ROOT, log_dir=tmp_path) as process:
        wait_until(
            lambda: _deployed(prefect_server.api, WATCH),
            what=f"deployment {WATCH} registered by `rdwatch serve`",
            timeout=90,
            process=process,
        )
        yield process


def _yaml_deployments() -> dict[str, dict[str, Any]]:
    """deployments/prefect.yaml's deployments by `flow/deployment` name."""
    spec = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text(encoding="utf-8"))
    named = {}
    for deployment in spec["deployments"]:
        path, function = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, function)
        named[f"{flow.name}/{deployment['name']}"] = deployment
    return named


def _deployed(api: str, name: str) -> bool:
    try:
        return httpx.get(f"{api}/deployments/name/{name}", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_served_watch_run_shows_in_api_and_ui(
    tmp_path: Path,
    prefect_server: PrefectServer,
    rdwatch_serve: Background,
    receiver: Receiver,
) -> None:
    with temporary_settings({PREFECT_API_URL: prefect_server.api}):
        asyncio.run(_check_served_deployments())
        flow_run, stories_artifact = asyncio.run(_run_watch(rdwatch_serve))
        assert len(receiver.requests) == 1, receiver.requests  # the quantum-lab alert

        _check_ui(prefect_server.url, flow_run, stories_artifact, tmp_path)

        # Stopping `rdwatch serve` (Ctrl-C) must leave the schedules active.
        rdwatch_serve.stop(signal.SIGINT, grace=30)
        asyncio.run(_check_not_paused())


async def _check_served_deployments() -> None:
    """`rdwatch serve` serves what `prefect deploy` would: same names, schedules and limits."""
    expected = _yaml_deployments()
    async with get_client() as client:
        for _ in range(20):  # serve registers its deployments one after the other
            served_names = await read_deployment_names(client)
            if served_names >= set(expected):
                break
            await asyncio.sleep(0.5)
        assert served_names == set(expected), (
            f"served {sorted(served_names)}, deployments/prefect.yaml has {sorted(expected)}"
        )
        for name, spec in expected.items():
            served = await client.read_deployment_by_name(name)
            crons = sorted(
                (getattr(s.schedule, "cron", None), getattr(s.schedule, "timezone", None))
                for s in served.schedules
            )
            assert crons == sorted((s["cron"], s.get("timezone")) for s in spec["schedules"]), (
                name,
                served.schedules,
            )
            assert set(served.parameters) == set(spec["parameters"]), (name, served.parameters)
            assert set(served.tags) == set(spec["tags"]), (name, served.tags)
            assert _limit(served) == _limit_spec(spec), (name, served.global_concurrency_limit)


def _limit(deployment: Any) -> tuple[int | None, str | None]:
    limit = deployment.global_concurrency_limit
    if limit is None:
        return None, None
    options = deployment.concurrency_options
    return limit.limit, options.collision_strategy.value if options else "ENQUEUE"


def _limit_spec(spec: dict[str, Any]) -> tuple[int | None, str | None]:
    value = spec.get("concurrency_limit")
    if isinstance(value, dict):
        return value["limit"], value.get("collision_strategy", "ENQUEUE")
    return value, "ENQUEUE" if value else None


async def _run_watch(serve: Background) -> tuple[FlowRun, UUID]:
    """Trigger the watch deployment, wait for the run, check what it left in the API.

    Returns the flow run and the id of its new-stories artifact.
    """
    async with get_client() as client:
        flow_run = await arun_deployment(
            WATCH, client=client, timeout=150, poll_interval=1, as_subflow=False
        )
        assert flow_run.state is not None and flow_run.state.is_completed(), (
            f"{flow_run.name}: {flow_run.state}\n{serve.tail()}"
        )
        assert RUN_NAME.fullmatch(flow_run.name), flow_run.name

        task_runs = await read_flow_run_task_runs(client, flow_run.id, at_least=3)
        names = [t.name for t in task_runs]
        # Both sources are on the test site's one host: one shard, one task run.
        assert [n for n in names if n.startswith("fetch-")] == ["fetch-1-of-1"], names
        assert {"process-items", "deliver-alerts"} <= {n.rsplit("-", 1)[0] for n in names}, names

        artifacts = {a.key: a for a in await read_flow_run_artifacts(client, flow_run.id) if a.key}
    _check_artifacts(artifacts, flow_run.id)
    return flow_run, artifacts[ARTIFACT_NEW_STORIES].id


def _check_artifacts(artifacts: dict[str, Any], flow_run_id: UUID) -> None:
    assert {ARTIFACT_NEW_STORIES, ARTIFACT_SOURCE_HEALTH, ARTIFACT_RUN_SUMMARY} <= set(artifacts), (
        flow_run_id,
        sorted(artifacts),
    )
    stories = str(artifacts[ARTIFACT_NEW_STORIES].data)
    assert artifacts[ARTIFACT_NEW_STORIES].type == "markdown", artifacts[ARTIFACT_NEW_STORIES]
    assert "| Story | Title |" in stories, stories
    assert "Singapore quantum lab" in stories, stories
    assert "damo-quantum-singapore.html" in stories, stories  # the link to the article

    health = artifacts[ARTIFACT_SOURCE_HEALTH]
    assert health.type == "table", health
    rows = json.loads(health.data) if isinstance(health.data, str) else health.data
    by_source = {row["source"]: row for row in rows}
    assert by_source["tech-wire"]["status"] == "ok", rows
    assert by_source["gone-wire"]["status"] != "ok" and by_source["gone-wire"]["last error"], rows
    assert by_source["gone-wire"]["this run"].startswith("failed (bad): HTTP 404"), rows

    summary = str(artifacts[ARTIFACT_RUN_SUMMARY].data)
    assert "Sources: 1 ok, 1 failed" in summary, summary
    assert "New stories: 2" in summary, summary
    assert "Alerts: 1 sent, 0 failed" in summary, summary
    assert "gone-wire" in summary, summary  # the failed source is named


async def _check_not_paused() -> None:
    async with get_client() as client:
        watch = await client.read_deployment_by_name(WATCH)
    assert not watch.paused and all(s.active for s in watch.schedules), (
        watch.paused,
        watch.schedules,
    )


def _check_ui(url: str, flow_run: FlowRun, stories_artifact: UUID, shots: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))

            page.goto(f"{url}/runs")
            _see(page, flow_run.name, shots / "ui-runs.png", console)

            page.goto(f"{url}/runs/flow-run/{flow_run.id}")
            _see(page, flow_run.name, shots / "ui-flow-run.png", console)
            _see(page, "fetch: 2 source(s)", shots / "ui-flow-run-logs.png", console)  # a log line

            page.goto(f"{url}/artifacts")
            _see(page, ARTIFACT_NEW_STORIES, shots / "ui-artifacts.png", console)

            page.goto(f"{url}/artifacts/key/{ARTIFACT_NEW_STORIES}")  # its versions, by run
            _see(page, flow_run.name, shots / "ui-new-stories-versions.png", console)

            page.goto(f"{url}/artifacts/artifact/{stories_artifact}")  # the rendered table
            _see(page, "Singapore quantum lab", shots / "ui-new-stories.png", console)
        finally:
            browser.close()


def _see(page: Page, text: str, shot: Path, console: list[str]) -> None:
    """Assert `text` is visible on the page, and save a screenshot either way."""
    try:
        expect(page.get_by_text(text).first).to_be_visible(timeout=UI_TIMEOUT_MS)
    except AssertionError as exc:
        page.screenshot(path=shot, full_page=True)
        raise AssertionError(
            f"{text!r} not visible on {page.url} (screenshot {shot}); "
            f"browser console:\n" + "\n".join(console[-30:])
        ) from exc
    page.screenshot(path=shot, full_page=True)
