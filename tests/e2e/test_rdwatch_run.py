"""`rdwatch run` as a whole process under Prefect: failing sources, and a run killed mid-way.

Both runs use Prefect's temporary API server (no PREFECT_API_URL), in a PREFECT_HOME of this
module's own, as a cron job would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.e2e.processes import clean_env, venv_script
from tests.fetch.servers import SMALL_FEED, Server, bad_sources, serve

pytestmark = pytest.mark.slow

# Feeds here link to example.com: links are not followed, so no name is ever resolved.
FETCH = {"allow_private_addresses": True, "max_age_days": None, "follow_links": False}


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("prefect-home")
    return clean_env(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


def test_thirteen_bad_sources_cost_a_minute_at_most_and_no_traceback(
    tmp_path: Path, server: Server, prefect_env: dict[str, str]
) -> None:
    """The run the hostile-input probe made: one good feed among 13 bad sources, defaults
    otherwise (20 s timeout, 2 retries), the temporary Prefect server started by the run."""
    with serve() as busy:
        cases = bad_sources(server, busy)
        server.route("drip.xml", SMALL_FEED, delay_s=120)  # slow: never answers in time
        sources = [{"name": n, "kind": "feed", "url": url} for n, (url, _) in cases.items()]
        sources.append({"name": "good", "kind": "feed", "url": server.route("good", SMALL_FEED)})
        config = write_config(tmp_path, sources=sources, fetch={**FETCH, "max_bytes": 50_000})

        started = time.monotonic()
        done = subprocess.run(
            [venv_script("rdwatch"), "run", "--config", str(config)],
            env=prefect_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        elapsed = time.monotonic() - started

    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert elapsed <= 60, (elapsed, output[-4000:])
    for noise in ("Traceback", "NoneType: None", "| ERROR"):
        assert noise not in output, output[-4000:]
    for name in cases:
        summary_lines = [ln for ln in done.stdout.splitlines() if f"source failed {name} (" in ln]
        assert len(summary_lines) == 1, (name, done.stdout)


def test_a_killed_run_takes_its_temporary_prefect_server_with_it(
    tmp_path: Path, server: Server, prefect_env: dict[str, str]
) -> None:
    url = server.route("slow.xml", SMALL_FEED, delay_s=120)
    config = write_config(tmp_path, sources=[{"name": "slow", "url": url}], fetch=FETCH)
    run = subprocess.Popen(
        [venv_script("rdwatch"), "run", "--config", str(config)],
        env=prefect_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api_server = None
    try:
        deadline = time.monotonic() + 120
        while not (server.hits and (api_server := _api_server_child(run.pid))):
            assert run.poll() is None and time.monotonic() < deadline, "the run never got going"
            time.sleep(0.2)

        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)

        deadline = time.monotonic() + 15
        while _alive(api_server) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(api_server), f"temporary Prefect server {api_server} outlived its run"
    finally:
        for pid in (run.pid, api_server):
            if pid is not None and _alive(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _api_server_child(parent: int) -> int | None:
    """The pid of `parent`'s child serving Prefect's API (uvicorn … create_app), if any."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"uvicorn" in cmdline and b"create_app" in cmdline:
            return int(entry.name)
    return None


def _alive(pid: int | None) -> bool:
    """Running, not a zombie waiting for a reaper (a container's init may never reap it)."""
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
