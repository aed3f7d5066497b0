"""The `digest` flow: one summary message per channel of every story since its last digest.

Only orchestration lives here; `rdwatch.digest` decides what goes in and remembers each channel's
last digest in the database. Deployment entrypoint: `flows/digest.py:digest`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from rdwatch.config import load_config
from rdwatch.digest import DigestResult, send_digests
from rdwatch.notify import build_senders
from rdwatch.store import Database

# rdwatch's INFO lines in the run's logs (why: flows/watch.py).
logging.getLogger("rdwatch").setLevel(logging.INFO)

ARTIFACT_DIGEST = "rdwatch-digest"


@task(name="send-digests", cache_policy=NO_CACHE)
def send_digest_messages(config_path: str, now: datetime) -> list[DigestResult]:
    config = load_config(config_path)
    db = Database(config.database_url)
    try:
        senders = build_senders(config.alerts, config.data_dir)
        return send_digests(
            db,
            senders,
            now,
            max_stories=config.alerts.digest_max_stories,
            settings=config.notability,
        )
    finally:
        db.dispose()


@flow(name="digest")
def digest(config_path: str = "config/rdwatch.yaml") -> list[DigestResult]:
    """Send each channel the stories first seen since its previous digest."""
    results = send_digest_messages(config_path, datetime.now(UTC))
    logger = get_run_logger()
    for r in results:
        outcome = "sent" if r.sent else ("FAILED: " + r.error if r.error else "nothing new")
        logger.info("digest on %s: %d story(ies), %s", r.channel, r.stories, outcome)
    create_table_artifact(
        key=ARTIFACT_DIGEST,
        table=[
            {"channel": r.channel, "stories": r.stories, "sent": r.sent, "error": r.error}
            for r in results
        ],
        description="Digest messages sent by this run, one row per channel",
    )
    return results


if __name__ == "__main__":
    digest()
