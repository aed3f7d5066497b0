"""Background processes for end-to-end tests: own process group, output in a log file, stopped.

Each process leads a new session, so stopping it reaches everything it started (uvicorn under
`prefect server start`, flow-run subprocesses under `rdwatch serve` or a worker): a polite signal
to the group, a grace period, then SIGKILL for whatever is left. `prefect_server` starts a real
Prefect server on a free port, with its own PREFECT_HOME and no scheduler.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx


def venv_script(name: str) -> str:
    """A console script installed next to the running interpreter (`.venv/bin/prefect`)."""
    return str(Path(sys.executable).with_name(name))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without any PREFECT_* setting of the caller's, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(settings)
    return env


@dataclass
class Background:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 80) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self, sig: signal.Signals = signal.SIGTERM, grace: float = 20.0) -> int | None:
        """Signal the process group, wait up to `grace` seconds, then kill what is left."""
        if self.alive():
            _signal_group(self.proc.pid, sig)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(grace)
        _signal_group(self.proc.pid, signal.SIGKILL)  # children the leader left behind
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            return None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(pgid, sig)


@contextmanager
def background(
    name: str, args: list[str], *, env: Mapping[str, str], cwd: Path, log_dir: Path
) -> Iterator[Background]:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process = Background(name, proc, log)
    try:
        yield process
    finally:
        process.stop()


def wait_until(
    ready: Callable[[], bool], *, what: str, timeout: float, process: Background, step: float = 0.5
) -> None:
    """Poll `ready()` until it holds; fail early, with the log, if `process` dies meanwhile."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not process.alive():
            raise AssertionError(
                f"{process.name} exited ({process.proc.returncode}) before {what}\n{process.tail()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:g}s\n{process.tail()}")
        time.sleep(step)


@dataclass
class PrefectServer:
    url: str  # the UI; the API is under /api
    process: Background

    @property
    def api(self) -> str:
        return f"{self.url}/api"


@contextmanager
def prefect_server(tmp_path: Path) -> Iterator[PrefectServer]:
    """`prefect server start` on a free port, its home and log in `tmp_path`, until healthy."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_UI_API_URL=f"{url}/api",  # else the UI calls the API on port 4200
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Tests trigger the runs they check; a cron run falling due mid-test (watch: every 15
        # minutes) would queue behind one on the concurrency limit, or cancel it, and crowd the
        # Runs page.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    args = [venv_script("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with background("prefect-server", args, env=env, cwd=tmp_path, log_dir=tmp_path) as process:
        wait_until(lambda: _healthy(url), what="/api/health", timeout=120, process=process)
        yield PrefectServer(url, process)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
