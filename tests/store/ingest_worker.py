"""One ingesting process for the concurrency tests: open the pipeline (which imports the archive),
wait for the start signal, ingest the named dedup cases in order, print one line per article.

    python -m tests.store.ingest_worker CONFIG GO_FILE CASE...
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rdwatch import pipeline
from rdwatch.config import load_config
from tests.store.archive_db import load_cases


def main(config_path: str, go_file: str, names: list[str]) -> None:
    cases = load_cases()
    opened = pipeline.open_pipeline(load_config(Path(config_path)))
    try:
        deadline = time.monotonic() + 60
        while not Path(go_file).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        for name in names:
            result = opened.ingest_article(cases[name].article)
            print(name, result.decision.tier.value, result.story_id, flush=True)
    finally:
        opened.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
