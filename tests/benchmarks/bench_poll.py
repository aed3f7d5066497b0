"""Benchmark: whole polls of 1,000 local feeds × 20 items — rdwatch, lemon24/reader, a naive loop.

Every figure is a whole process, timed from start to exit, as a cron job would run it:

- rdwatch: `rdwatch run --no-prefect`, and `rdwatch run` under Prefect, both against a Prefect
  server the benchmark starts once (as under `rdwatch serve` or a worker) and with the temporary
  server `rdwatch run` starts for itself when no PREFECT_API_URL is set;
- lemon24/reader: `make_reader(db)`, `add_feed` for each URL on the first poll, then
  `update_feeds(workers=8, scheduled=False)`, run by the interpreter of its own venv
  (`make bench-env` makes `.bench-venv`; reader is no dependency of rdwatch);
- naive: `feedparser.parse(url)` for each URL in turn (no conditional requests, no storage).

The feeds (tests/benchmarks/feedserver.py) come from a separate process on `--hosts` local ports,
with ETag and Last-Modified, items of distinct text, and 304 for a conditional request that
matches. Links are not followed (`follow_links: false`): the first poll stores every item from
its feed entry. The first poll runs once per contestant on an empty database; the steady state
(every feed answers 304) runs `--rounds` times after a warm-up, contestants alternating, and the
table gives the median with the range. Peak memory (RSS) of each rdwatch first poll is the
kernel's account of that process.

Goals: first poll ≤ 4× reader; steady state with Prefect ≤ the same without + 3 s;
steady state without Prefect ≤ reader. A missed goal is reported, not an error (exit 0), unless
`--strict`.

Run: `make bench-env && .venv/bin/python tests/benchmarks/bench_poll.py [--feeds 1000]
[--items 20] [--hosts 25] [--rounds 3] [--strict]`.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.feedserver import serve_feeds  # noqa: E402
from tests.e2e.processes import clean_env, prefect_server, venv_script  # noqa: E402

READER_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
READER_SCRIPT = """
import sys
from reader import make_reader
db, urls, first = sys.argv[1], sys.argv[2], sys.argv[3] == "first"
reader = make_reader(db)
if first:
    for url in open(urls).read().split():
        reader.add_feed(url)
reader.update_feeds(workers=8, scheduled=False)
print(reader.get_entry_counts().total)
"""
NAIVE_SCRIPT = """
import sys, feedparser
print(sum(len(feedparser.parse(url).entries) for url in open(sys.argv[1]).read().split()))
"""


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    output: str


@dataclass
class Contestant:
    name: str
    command: Callable[[str], list[str]]  # "first" | "steady" → argv
    env: dict[str, str]
    first: Run | None = None
    steady: list[Run] = field(default_factory=list)


def timed(argv: list[str], env: dict[str, str]) -> Run:
    """Run a whole process; its wall time and peak RSS (wait4: this child alone)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed:\n{output[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, output)


def write_config(folder: Path, urls: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "database_url": f"sqlite:///{folder / 'rdwatch.db'}",
        "data_dir": str(folder / "data"),
        "archive": None,
        "sources": [{"name": f"feed-{n:04d}", "url": url} for n, url in enumerate(urls)],
        "fetch": {"follow_links": False, "max_age_days": None, "allow_private_addresses": True},
        "facts": {
            "gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
            "rates": str(ROOT / "config" / "rates.yaml"),
        },
    }
    path = folder / "rdwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def stored_articles(config: Path) -> int:
    with sqlite3.connect(config.parent / "rdwatch.db") as db:
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def contestants(work: Path, urls: list[str], api: str, reader_python: Path) -> list[Contestant]:
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    rdwatch, python = venv_script("rdwatch"), sys.executable
    quiet = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    plain = clean_env(**quiet, PREFECT_HOME=str(work / "prefect-plain"))
    served = clean_env(**quiet, PREFECT_HOME=str(work / "prefect-client"), PREFECT_API_URL=api)
    temporary = clean_env(**quiet, PREFECT_HOME=str(work / "prefect-temporary"))
    bare = write_config(work / "no-prefect", urls)
    under = write_config(work / "prefect", urls)
    run_bare = [rdwatch, "run", "--no-prefect", "--config", str(bare)]
    run_under = [rdwatch, "run", "--config", str(under)]
    naive = [python, "-c", NAIVE_SCRIPT, str(url_file)]
    found = [
        Contestant("rdwatch --no-prefect", lambda _: run_bare, plain),
        Contestant("rdwatch, Prefect server", lambda _: run_under, served),
        # Same database as the line above: it only ever polls in the steady state.
        Contestant("rdwatch, temporary server", lambda _: run_under, temporary),
        Contestant("naive feedparser loop", lambda _: naive, plain),
    ]
    if reader_python.exists():
        db = str(work / "reader.sqlite")
        command: Callable[[str], list[str]] = lambda kind: [  # noqa: E731
            str(reader_python),
            "-c",
            READER_SCRIPT,
            db,
            str(url_file),
            kind,
        ]
        found.insert(1, Contestant("lemon24/reader", command, clean_env()))
    return found


def measure(runners: list[Contestant], *, rounds: int, expected_items: int) -> None:
    for runner in runners:
        if runner.name == "rdwatch, temporary server":
            continue  # shares the served run's database; see `contestants`
        print(f"  first poll: {runner.name} …", flush=True)
        runner.first = timed(runner.command("first"), runner.env)
    for config_runner in runners[:1]:
        _check_stored(config_runner, expected_items)
    for round_number in range(rounds + 1):  # round 0 warms up (imports, Prefect's database)
        for runner in runners:
            run = timed(runner.command("steady"), runner.env)
            if round_number:
                runner.steady.append(run)
        print(f"  steady state: round {round_number or 'warm-up'} done", flush=True)


def _check_stored(runner: Contestant, expected: int) -> None:
    argv = runner.command("first")
    config = Path(argv[argv.index("--config") + 1])
    stored = stored_articles(config)
    if stored != expected:
        raise RuntimeError(f"{runner.name} stored {stored} articles, expected {expected}")


def _median(runs: list[Run]) -> str:
    times = [r.seconds for r in runs]
    if not times:
        return "—"
    spread = f" ({min(times):.1f}–{max(times):.1f})" if len(times) > 1 else ""
    return f"{statistics.median(times):.1f} s{spread}"


def report(runners: list[Contestant], args: argparse.Namespace) -> bool:
    by = {r.name: r for r in runners}
    reader = by.get("lemon24/reader")
    bare, served = by["rdwatch --no-prefect"], by["rdwatch, Prefect server"]
    temporary, naive = by["rdwatch, temporary server"], by["naive feedparser loop"]
    steady = {name: statistics.median(r.seconds for r in c.steady) for name, c in by.items()}
    verdicts = []

    def goal(ok: bool, text: str) -> str:
        verdicts.append(ok)
        return f"{text}: {'ok' if ok else 'MISSED'}"

    first_goal = "reader not measured"
    if reader and reader.first and bare.first:
        ratio = bare.first.seconds / reader.first.seconds
        first_goal = goal(ratio <= 4, f"≤ 4× reader ({ratio:.1f}×)")
    no_prefect_goal = "reader not measured"
    if reader:
        no_prefect_goal = goal(
            steady[bare.name] <= steady[reader.name],
            f"≤ reader ({steady[bare.name] / steady[reader.name]:.2f}×)",
        )
    extra = steady[served.name] - steady[bare.name]
    reader_first = f"{reader.first.seconds:.1f} s" if reader and reader.first else "—"
    reader_steady = _median(reader.steady) if reader else "not measured (make bench-env)"
    items = args.feeds * args.items
    naive_first = _first(naive) + " (parse only)"
    naive_steady = _median(naive.steady) + " (downloads all)"
    prefect_goal = goal(extra <= 3, f"≤ --no-prefect + 3 s (+{extra:.1f} s)")
    rows = [
        ("first poll, --no-prefect", _first(bare), reader_first, naive_first, first_goal),
        ("first poll, Prefect server", _first(served), "", "", ""),
        ("steady state (all 304), Prefect server", _median(served.steady), "", "", prefect_goal),
        (
            "same, temporary Prefect server",
            _median(temporary.steady),
            "",
            "",
            "(its start counted)",
        ),
        ("same, --no-prefect", _median(bare.steady), reader_steady, naive_steady, no_prefect_goal),
    ]
    print(
        f"\n{args.feeds} local feeds × {args.items} items ({items} items) on {args.hosts} hosts; "
        f"whole processes; steady state: median of {args.rounds} (min–max)\n"
    )
    print("| | rdwatch | lemon24/reader | naive `feedparser.parse` loop | goal |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for runner in (bare, served):
        if runner.first:
            print(f"peak RSS of the first poll, {runner.name}: {runner.first.peak_rss_mb:.0f} MB")
    return all(verdicts)


def _first(runner: Contestant) -> str:
    return f"{runner.first.seconds:.1f} s" if runner.first else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reader-python", type=Path, default=READER_PYTHON)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp,
        serve_feeds(args.feeds, args.items, args.hosts) as urls,
        prefect_server(Path(tmp)) as server,
    ):
        runners = contestants(Path(tmp), urls, server.api, args.reader_python)
        measure(runners, rounds=args.rounds, expected_items=args.feeds * args.items)
        met = report(runners, args)
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
