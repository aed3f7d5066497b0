"""Prefect's cost per task run: 200 sync task runs in a thread pool against 200 async ones.

Why `flows/watch.py` runs its per-source fetch tasks as async tasks on the flow's event loop. Each
task sleeps 2 ms (standing in for a poll that answers 304) and returns; everything else is
Prefect's bookkeeping: the task run's states, events and logs. The sync flow submits them to a
`ThreadPoolTaskRunner` as the watch flow once did; the async flow awaits them all at once. Both run
against one local Prefect server, alternating over a few rounds, with a pause after each run so
the server has digested its events before the next one starts.

Run: `.venv/bin/python tests/benchmarks/bench_prefect_tasks.py [--tasks N] [--rounds N]
[--settle S]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

SETTLE_S = 8.0


@task(cache_policy=NO_CACHE, task_run_name="sync-{number}")
def poll_sync(number: int) -> int:
    time.sleep(0.002)
    return number


@task(cache_policy=NO_CACHE, task_run_name="async-{number}")
async def poll_async(number: int) -> int:
    await asyncio.sleep(0.002)
    return number


@flow(task_runner=ThreadPoolTaskRunner(max_workers=64))
def sync_tasks_in_threads(tasks: int) -> int:
    futures = [poll_sync.submit(n) for n in range(tasks)]
    return sum(f.result() for f in futures)


@flow
async def async_tasks_on_one_loop(tasks: int) -> int:
    return sum(await asyncio.gather(*(poll_async(n) for n in range(tasks))))


def timed_sync(tasks: int) -> float:
    start = time.perf_counter()
    sync_tasks_in_threads(tasks)
    return time.perf_counter() - start


def timed_async(tasks: int) -> float:
    start = time.perf_counter()
    asyncio.run(async_tasks_on_one_loop(tasks))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--settle", type=float, default=SETTLE_S, help="seconds for the server between runs"
    )
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    times: dict[str, list[float]] = {"sync": [], "async": []}
    with prefect_test_harness(server_startup_timeout=90):
        timed_sync(2)  # imports, clients, server warm-up
        timed_async(2)
        for number in range(args.rounds):
            order = ("sync", "async") if number % 2 == 0 else ("async", "sync")
            for mode in order:
                time.sleep(args.settle)
                run = timed_sync if mode == "sync" else timed_async
                times[mode].append(run(args.tasks))
    sync, async_ = statistics.median(times["sync"]), statistics.median(times["async"])
    print(f"{args.tasks} task runs, median of {args.rounds} round(s)")
    each = {mode: median / args.tasks * 1e3 for mode, median in (("sync", sync), ("async", async_))}
    print(f"  sync tasks in a 64-thread pool (baseline): {sync:.2f} s, {each['sync']:.1f} ms each")
    print(
        f"  async tasks on the flow's loop:            {async_:.2f} s, "
        f"{each['async']:.1f} ms each ({sync / async_:.2f}× faster)"
    )


if __name__ == "__main__":
    main()
