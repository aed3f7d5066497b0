"""Serve every rdwatch deployment from one process (`rdwatch serve`, or run this file).

The same deployments as deployments/prefect.yaml (names, schedules, tags, concurrency limits;
tests/e2e/test_prefect_ui.py checks they agree), without a work pool or worker. Schedules stay
active when this process stops (`pause_on_shutdown=False`), and `watch` never runs twice at once
(concurrency limit 1, a run due while one is going is cancelled); unique constraints make an
overlap harmless anyway.
"""

from __future__ import annotations

import sys

from flows.backfill import backfill
from flows.digest import digest
from flows.watch import watch
from flows.watch_shard import watch_shard
from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

# Every minute: each run polls only the sources due by their own schedule, kept in rdwatch's
# database (rdwatch.fetch.schedule), and a run with none due fetches nothing.
WATCH_CRON = "* * * * *"
DIGEST_CRON = "0 7 * * *"


def build_deployments(config_path: str) -> list:  # type: ignore[type-arg]
    parameters = {"config_path": config_path}
    return [
        watch.to_deployment(
            name="rdwatch-watch",
            schedules=[Cron(WATCH_CRON, timezone="UTC")],
            parameters={**parameters, "due_only": True},
            tags=["rdwatch", "watch"],
            concurrency_limit=ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
            ),
            description="Poll the due sources, store what is new, alert on notable stories.",
        ),
        watch_shard.to_deployment(
            name="rdwatch-watch-shard",
            parameters=parameters,
            tags=["rdwatch", "watch"],
            description="Poll one shard of the sources (whole hosts) and store what is new.",
        ),
        digest.to_deployment(
            name="rdwatch-digest",
            schedules=[Cron(DIGEST_CRON, timezone="UTC")],
            parameters=parameters,
            tags=["rdwatch", "digest"],
            concurrency_limit=1,
            description="Send each channel a summary of the stories since its previous digest.",
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
