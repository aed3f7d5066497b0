"""Every benchmark runs at a tiny size and prints its table, so none can rot unnoticed.

The figures at these sizes mean nothing; what is checked is that each benchmark starts, measures
and reports. Each runs as `make bench` runs it: its own process, from the project root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "tests" / "benchmarks"

# benchmark → (tiny-size arguments, a line its table always prints)
FEEDS = ["--feeds", "6", "--items", "3", "--hosts", "2"]
TINY = {
    "bench_fetch.py": ([*FEEDS, "--repeats", "1"], "steady state (all 304)"),
    "bench_poll.py": ([*FEEDS, "--rounds", "1"], "| same, --no-prefect |"),
    "bench_prefect.py": (["--sources", "4", "--rounds", "1"], "steady state: without Prefect"),
    "bench_prefect_tasks.py": (
        ["--tasks", "4", "--rounds", "1", "--settle", "0.5"],
        "async tasks on the flow's loop",
    ),
    "bench_facts.py": (["--seconds", "0.3"], "full extraction vs naive alias scan alone"),
    "bench_dedup.py": (
        ["--sizes", "200", "--queries", "9", "--real", "30", "--ingest", "20"],
        "growth 1st→last size",
    ),
    "bench_story_size.py": (["--sizes", "2,20", "--joins", "3"], "join time growth"),
    "bench_cluster.py": (
        ["--feeds", "12", "--hosts", "4", "--delay", "0", "--workers", "1,2", "--rounds", "1"],
        "| workers | shards | tick | speed-up vs 1 worker |",
    ),
}
# These start a Prefect server: tens of seconds each, even tiny.
SLOW = {"bench_poll.py", "bench_prefect.py", "bench_prefect_tasks.py"}
# This one starts PostgreSQL, a Prefect server and workers: minutes even tiny (make test-cluster).
CLUSTER = {"bench_cluster.py"}


def _marks(name: str) -> list[pytest.MarkDecorator]:
    if name in CLUSTER:
        return [pytest.mark.slow, pytest.mark.cluster, pytest.mark.timeout(700)]
    return [pytest.mark.slow] if name in SLOW else []


def test_every_benchmark_has_a_tiny_run() -> None:
    assert sorted(TINY) == sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))


@pytest.mark.parametrize("name", [pytest.param(name, marks=_marks(name)) for name in TINY])
def test_benchmark_runs_at_a_tiny_size_and_prints_its_table(name: str) -> None:
    args, table_line = TINY[name]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600 if name in CLUSTER else 240,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    assert table_line in done.stdout, done.stdout[-4000:]
