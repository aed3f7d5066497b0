"""rdwatch on one machine as it would run on several: `make cluster`, `make cluster-down`.

    python -m deployments.cluster up [--workers 3] [--dir data/cluster]
    python -m deployments.cluster down [--dir data/cluster]

`up` starts, each process in a session of its own with its pid in DIR/pids and its log in DIR/logs:
a PostgreSQL cluster (DIR/pg, from the installed server binaries) holding two databases, `prefect`
and `rdwatch`; `prefect server start` on the first; the work pool `rdwatch-process`; the
deployments of deployments/prefect.yaml and the automation of deployments/automations.yaml; and
N process workers, which run flows against the second database with `cluster.shards` = N
(RDWATCH_DATABASE_URL and RDWATCH_SHARDS in their environment). `down` stops what `up` started.

The same steps are what the cluster test and benchmark run, with their own directory and ports;
on real machines each step is a service of its own (deployments/compose.yaml).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("RDWATCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
POOL = "rdwatch-process"
# Each worker runs at most this many flow runs at once: a shard and the watch run waiting for the
# shards (a limit of 1 would leave the worker holding the watch run with no room for a shard).
WORKER_LIMIT = 2


@dataclass(frozen=True)
class Layout:
    """Where a cluster keeps its state, and the loopback ports it listens on."""

    root: Path
    pg_port: int = 55432
    port: int = 4200

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.ui}/api"

    def database_url(self, name: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.pg_port}/{name}"

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)


def prefect_env(layout: Layout, home: str, **settings: str) -> dict[str, str]:
    """This environment without the caller's PREFECT_* and RDWATCH_* settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RDWATCH_"))}
    layout.path("home", home).mkdir(parents=True, exist_ok=True)
    env.update(
        PREFECT_HOME=str(layout.path("home", home)),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_EXTRA_LOGGERS="rdwatch",
        PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW="ignore",
    )
    env.update(settings)
    return env


def spawn(layout: Layout, name: str, args: list[str], env: Mapping[str, str]) -> int:
    """Start `args` in a session of its own, output to logs/NAME.log; its pid in pids/NAME.pid."""
    for folder in ("logs", "pids"):
        layout.path(folder).mkdir(parents=True, exist_ok=True)
    with layout.path("logs", f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(
            args, env=dict(env), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    layout.path("pids", f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def stop(
    layout: Layout, name: str, sig: signal.Signals = signal.SIGTERM, grace: float = 20
) -> None:
    """Signal the process group of NAME, wait up to `grace` seconds, then SIGKILL what is left."""
    pid_file = layout.path("pids", f"{name}.pid")
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    _signal_group(pid, sig)
    deadline = time.monotonic() + grace
    while _group_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    _signal_group(pid, signal.SIGKILL)
    pid_file.unlink()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    with suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)  # reap it if it is our child, so it stops counting
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# --- PostgreSQL ---


def _as_owner() -> list[str]:
    # initdb refuses to run as root: as root the cluster belongs to the `postgres` system user.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_postgres(layout: Layout, databases: tuple[str, ...] = ("prefect", "rdwatch")) -> None:
    """Create the PostgreSQL cluster on first use, start it, create missing databases."""
    data = layout.path("pg")
    layout.root.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        data.mkdir(mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data, user="postgres", group="postgres")
        subprocess.run(
            [*_as_owner(), str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
             "postgres", "-E", "UTF8", "--locale", "C"],
            check=True, capture_output=True,
        )  # fmt: skip
    options = f"-p {layout.pg_port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
    log = data / "server.log"  # inside the cluster's own folder: writable by its owner
    subprocess.run(
        [*_as_owner(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log),
         "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    import psycopg

    dsn = f"host=127.0.0.1 port={layout.pg_port} user=postgres dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        have = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for name in databases:
            if name not in have:
                connection.execute(f'CREATE DATABASE "{name}"')


def stop_postgres(layout: Layout) -> None:
    if (layout.path("pg") / "postmaster.pid").exists():
        subprocess.run(
            [*_as_owner(), str(PG_BIN / "pg_ctl"), "-D", str(layout.path("pg")), "-m", "fast",
             "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip


# --- Prefect ---


def prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


def start_server(layout: Layout, *, scheduler: bool = True, timeout: float = 180) -> None:
    """`prefect server start` on the `prefect` database, until /api/health answers."""
    env = prefect_env(
        layout,
        "server",
        PREFECT_API_DATABASE_CONNECTION_URL=layout.database_url("prefect", driver="asyncpg"),
        PREFECT_UI_API_URL=layout.api,  # else the UI calls the API on port 4200
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=str(scheduler).lower(),
    )
    args = prefect("server", "start", "--host", "127.0.0.1", "--port", str(layout.port))
    spawn(layout, "prefect-server", args, env)
    deadline = time.monotonic() + timeout
    while not _healthy(layout.api):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {layout.api}/health after {timeout:g}s: see logs/")
        time.sleep(0.5)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def run_prefect(layout: Layout, *args: str, check: bool = True) -> str:
    env = prefect_env(layout, "cli", PREFECT_API_URL=layout.api)
    result = subprocess.run(
        prefect(*args), env=env, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=180, check=False,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise RuntimeError(f"`prefect {' '.join(args)}` failed\n{result.stdout}\n{result.stderr}")
    return result.stdout


def deploy(layout: Layout) -> None:
    """The work pool, every deployment, and the automation that marks silent runs Crashed."""
    pools = run_prefect(layout, "work-pool", "ls")
    if POOL not in pools:
        run_prefect(layout, "work-pool", "create", POOL, "--type", "process")
    prefect_file = "deployments/prefect.yaml"
    run_prefect(layout, "--no-prompt", "deploy", "--all", "--prefect-file", prefect_file)
    if "rdwatch-crash-silent-runs" not in run_prefect(layout, "automation", "ls"):
        run_prefect(layout, "automation", "create", "--from-file", "deployments/automations.yaml")


def start_worker(
    layout: Layout, n: int, env: Mapping[str, str], *, limit: int = WORKER_LIMIT
) -> int:
    """Process worker `worker-N` on the pool; its flow runs inherit `env` (rdwatch's settings)."""
    settings = prefect_env(layout, f"worker-{n}", PREFECT_API_URL=layout.api, **env)
    args = prefect(
        "worker", "start", "--pool", POOL, "--name", f"worker-{n}", "--limit", str(limit)
    )
    return spawn(layout, f"worker-{n}", args, settings)


def rdwatch_env(layout: Layout, shards: int) -> dict[str, str]:
    return {
        "RDWATCH_DATABASE_URL": layout.database_url("rdwatch"),
        "RDWATCH_SHARDS": str(shards),
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # shard runs start within 2 s (default 10)
    }


def up(layout: Layout, workers: int, *, scheduler: bool = True) -> None:
    start_postgres(layout)
    start_server(layout, scheduler=scheduler)
    deploy(layout)
    for n in range(1, workers + 1):
        start_worker(layout, n, rdwatch_env(layout, workers))
    print(
        f"Prefect UI: {layout.ui}  ({workers} workers on pool {POOL}; logs in {layout.root}/logs)"
    )
    print("Run a watch now: prefect deployment run watch/rdwatch-watch")
    print(f"  (with PREFECT_API_URL={layout.api}); stop everything: make cluster-down")


def down(layout: Layout) -> None:
    pids = sorted(layout.path("pids").glob("*.pid")) if layout.path("pids").exists() else []
    for pid_file in pids:  # workers and their flow runs first, the server last
        if pid_file.stem != "prefect-server":
            stop(layout, pid_file.stem)
    stop(layout, "prefect-server")
    stop_postgres(layout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments.cluster", description=__doc__)
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "cluster")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=4200, help="Prefect server (UI and API)")
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument(
        "--no-schedules", action="store_true", help="scheduler off: only runs started by hand"
    )
    options = parser.parse_args(argv)
    layout = Layout(options.dir.resolve(), pg_port=options.pg_port, port=options.port)
    if options.command == "up":
        up(layout, options.workers, scheduler=not options.no_schedules)
    else:
        down(layout)


if __name__ == "__main__":
    main()
