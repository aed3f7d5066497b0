"""Benchmark: Prefect's overhead on a 200-source watch run, the same pipeline with and without it.

A separate process serves 200 small feeds (3 items each) from memory on 10 local ports ("hosts"),
answering 304 when If-None-Match matches, so the feed server neither shares our GIL nor is the
bottleneck. `follow_links` is off, to keep the comparison about orchestration. Each mode gets a
fresh rdwatch database per round and runs twice:

1. first poll: 600 new items fetched, deduplicated, fact-checked and stored;
2. steady state: every feed answers 304 — nearly all of what is left is orchestration.

Without Prefect: `rdwatch.pipeline.run_once`. With Prefect: the `watch` flow (a fetch task run
per shard of sources — at most four —, one processing task, one delivery task, three artifacts)
called in this process against a local Prefect API server started once beforehand (as under
`rdwatch serve` or a worker, where the server is already up; the ~1 s `import prefect` of a new
flow-run process is reported separately).
Prefect logs at its default level (INFO) to the API; only its console output is silenced.

After each flow run the benchmark waits until the server has recorded every task run as completed:
scheduled runs are minutes apart, so a run never starts while the server still digests the last
one's events. A warm-up run of both modes comes first, so imports and first-use costs count for
neither. Timings on a 2-core machine vary by tens of percent from run to run, so the modes
alternate over several rounds and the verdict is on the medians.

Target: overhead ≤ 10 % or ≤ 3 s, whichever is larger, per run.
Run: `.venv/bin/python tests/benchmarks/bench_prefect.py [--sources N] [--rounds N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import yaml

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# 400 task-run lines per run on the console otherwise; the API still gets them all.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_config_data  # noqa: E402

from rdwatch import pipeline as core  # noqa: E402
from rdwatch.config import load_config  # noqa: E402
from rdwatch.fetch.shards import MAX_SHARDS  # noqa: E402
from rdwatch.models import RunSummary  # noqa: E402

HOSTS, ITEMS = 10, 3
BUDGET_RATIO, BUDGET_SECONDS = 0.10, 3.0
WORDS = [
    "research",
    "laboratory",
    "chip",
    "cloud",
    "quantum",
    "model",
    "robotics",
    "network",
    "university",
    "campus",
    "investment",
    "engineers",
    "postdoc",
    "semiconductor",
    "compiler",
    "dataset",
    "benchmark",
    "satellite",
    "battery",
    "vaccine",
    "climate",
    "council",
    "railway",
    "harbour",
    "festival",
    "museum",
    "orchestra",
    "library",
    "stadium",
    "market",
    "bakery",
    "garden",
    "bridge",
    "tunnel",
    "airport",
    "bicycle",
    "tram",
    "ferry",
    "mountain",
    "river",
    "forest",
    "island",
    "desert",
    "glacier",
]


# --- feed server (separate process) ---


def make_feed(number: int) -> bytes:
    rng = random.Random(number)
    stamp = datetime.now(UTC) - timedelta(hours=1)
    items = []
    for i in range(ITEMS):
        words = " ".join(rng.choice(WORDS) for _ in range(60))
        items.append(
            f"<item><title>Outlet {number} report {i}: {' '.join(rng.sample(WORDS, 6))}</title>"
            f"<link>http://outlet{number}.test/news/{i}.html</link>"
            f'<guid isPermaLink="false">bench-{number}-{i}</guid>'
            f"<pubDate>{format_datetime(stamp)}</pubDate>"
            f"<description>Story {i} of outlet {number}. {words}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {number}</title><link>http://outlet{number}.test/</link>"
        f"<description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()


class _FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    feeds: ClassVar[dict[int, bytes]] = {}

    def do_GET(self) -> None:
        number = int(self.path.rsplit("/", 1)[1].split(".")[0])
        etag = f'"feed-{number}-v1"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.feeds.setdefault(number, make_feed(number))
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def _serve(ports: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import threading

    for _ in range(HOSTS):
        server = _Server(("127.0.0.1", 0), _FeedHandler)
        ports.put(server.server_address[1])
        threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


def start_feed_server() -> tuple[multiprocessing.Process, list[int]]:
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    process.start()
    return process, [ports.get(timeout=10) for _ in range(HOSTS)]


# --- runs ---


def write_config(folder: Path, ports: list[int], sources: int) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    data = make_config_data(
        folder,
        sources=[
            {
                "name": f"outlet-{n:03d}",
                "kind": "feed",
                "url": f"http://127.0.0.1:{ports[n % len(ports)]}/feed/{n}.xml",
            }
            for n in range(sources)
        ],
    )
    data["fetch"]["follow_links"] = False
    data["data_dir"] = str(folder / "data")
    path = folder / "rdwatch.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def without_prefect(config_path: str) -> RunSummary:
    return core.run_once(load_config(config_path))


def with_prefect(config_path: str) -> RunSummary:
    from flows.watch import watch

    return asyncio.run(watch(config_path=config_path))


def wait_until_recorded(completed_task_runs: int, timeout: float = 120.0) -> float:
    """Seconds until the server holds `completed_task_runs` completed task runs in all."""
    from prefect.settings import PREFECT_API_URL

    body = {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        response = httpx.post(f"{PREFECT_API_URL.value()}/task_runs/count", json=body, timeout=30)
        response.raise_for_status()
        if response.json() >= completed_task_runs:
            return time.perf_counter() - start
        time.sleep(0.25)
    raise TimeoutError(f"the server recorded fewer than {completed_task_runs} task runs")


def import_prefect_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); import flows.watch; print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def verdict(plain: float, prefect: float) -> str:
    budget = max(BUDGET_RATIO * plain, BUDGET_SECONDS)
    overhead = prefect - plain
    ok = "OK" if overhead <= budget else "OVER BUDGET"
    return f"overhead {overhead:+.2f} s ({prefect / plain:.2f}×), budget {budget:.2f} s → {ok}"


class Rounds:
    """Runs both modes `rounds` times, alternating which goes first, and keeps every timing."""

    def __init__(self, base: Path, ports: list[int], sources: int) -> None:
        self.base, self.ports, self.sources = base, ports, sources
        self.times: dict[str, list[tuple[float, float]]] = {"plain": [], "prefect": []}
        self.task_runs_recorded = 0

    def warm_up(self) -> None:
        for mode in ("plain", "prefect"):
            self.run_twice(mode, f"warmup-{mode}", sources=2, keep=False)

    def run_round(self, number: int) -> None:
        modes = ("plain", "prefect") if number % 2 == 0 else ("prefect", "plain")
        for mode in modes:
            self.run_twice(mode, f"{mode}-{number}", sources=self.sources, keep=True)
        plain, prefect = self.times["plain"][-1], self.times["prefect"][-1]
        print(
            f"round {number + 1}: first poll {plain[0]:.2f} / {prefect[0]:.2f} s, "
            f"steady {plain[1]:.2f} / {prefect[1]:.2f} s (without / with Prefect)",
            flush=True,
        )

    def run_twice(self, mode: str, folder: str, *, sources: int, keep: bool) -> None:
        run = with_prefect if mode == "prefect" else without_prefect
        config = write_config(self.base / folder, self.ports, sources)
        first, summary = self.timed(mode, run, config, sources)
        steady, again = self.timed(mode, run, config, sources)
        assert len(summary.sources_ok) == sources, summary.sources_failed[:3]
        assert summary.items_seen == sources * ITEMS, summary
        # 304s with the full fetcher; at worst, every item already known
        assert again.items_seen == again.items_skipped_seen and not again.new_story_ids
        if keep:
            self.times[mode].append((first, steady))

    def timed(
        self, mode: str, run: Callable[[str], RunSummary], config: str, sources: int
    ) -> tuple[float, RunSummary]:
        start = time.perf_counter()
        summary = run(config)
        seconds = time.perf_counter() - start
        if mode == "prefect":  # a fetch task per shard (hosts), process-items, deliver-alerts
            self.task_runs_recorded += min(MAX_SHARDS, HOSTS, sources) + 2
            wait_until_recorded(self.task_runs_recorded)
        return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("rdwatch").setLevel(logging.ERROR)

    from prefect.testing.utilities import prefect_test_harness

    server, ports = start_feed_server()
    try:
        with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=90):
            rounds = Rounds(Path(tmp), ports, args.sources)
            rounds.warm_up()
            for number in range(args.rounds):
                rounds.run_round(number)
        startup = import_prefect_seconds()
    finally:
        server.terminate()

    print(
        f"{args.sources} sources × {ITEMS} items, {HOSTS} local hosts, follow_links off; "
        f"medians of {args.rounds} round(s)"
    )
    for label, index in (("first poll", 0), ("steady state", 1)):
        plain = statistics.median(t[index] for t in rounds.times["plain"])
        prefect = statistics.median(t[index] for t in rounds.times["prefect"])
        print(
            f"{label:>24}: without Prefect {plain:6.2f} s, with Prefect {prefect:6.2f} s; ", end=""
        )
        print(verdict(plain, prefect))
    print(
        f"{'new flow-run process':>24}: import prefect + flows.watch {startup:.2f} s (once per run)"
    )


if __name__ == "__main__":
    main()
