"""The `backfill` flow: import a folder of plain-text articles as known (archive) stories."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, get_run_logger

from rdwatch import pipeline as core
from rdwatch.config import load_config

# rdwatch's INFO lines in the run's logs (why: flows/watch.py).
logging.getLogger("rdwatch").setLevel(logging.INFO)


@flow(name="backfill")
def backfill(config_path: str = "config/rdwatch.yaml", folder: str | None = None) -> int:
    """Import `folder` (default: the config's archive) and return how many articles were new."""
    config = load_config(config_path)
    pipeline = core.open_pipeline(config)
    try:
        target = Path(folder) if folder else config.archive
        if target is None:
            get_run_logger().info("no folder given and no archive configured: nothing to import")
            return 0
        results = core.import_archive(pipeline, target)
    finally:
        pipeline.close()
    get_run_logger().info("imported %d new article(s) from %s", len(results), target)
    return len(results)
