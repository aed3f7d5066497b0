"""Serve every rdwatch deployment from one process (`rdwatch serve`, or run this file).

Schedules stay active when this process stops (`pause_on_shutdown=False`), and `watch` never runs
twice at once (concurrency limit 1); unique constraints make an overlap harmless anyway.
"""

from __future__ import annotations

import sys

from flows.backfill import backfill
from flows.watch import watch
from prefect import serve

WATCH_CRON = "*/15 * * * *"


def build_deployments(config_path: str) -> list:  # type: ignore[type-arg]
    parameters = {"config_path": config_path}
    return [
        watch.to_deployment(
            name="rdwatch-watch",
            cron=WATCH_CRON,
            parameters=parameters,
            tags=["rdwatch", "watch"],
            concurrency_limit=1,
            description="Poll every source, store what is new, alert on notable stories.",
        ),
        backfill.to_deployment(
            name="rdwatch-backfill",
            parameters=parameters,
            tags=["rdwatch", "backfill"],
            description="Import a folder of articles as already-known archive stories (manual).",
        ),
    ]


def serve_all(config_path: str = "config/rdwatch.yaml") -> None:
    serve(*build_deployments(config_path), pause_on_shutdown=False)


if __name__ == "__main__":
    serve_all(sys.argv[1] if len(sys.argv) > 1 else "config/rdwatch.yaml")
