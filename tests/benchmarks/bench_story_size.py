"""Time to join a story of 2, 200 and 20,000 articles, against reloading the whole story.

Run: .venv/bin/python tests/benchmarks/bench_story_size.py [--sizes 2,200,20000] [--joins 50]

One SQLite database. A story grows by near-identical write-ups of one event (the same names and
numbers, other words, so each joins the story through the same-story tier rather than as a copy);
at each size, `--joins` more write-ups are ingested one transaction each and timed. The baseline is
what ingest did before story aggregates: reading the whole story back (`get_story`: every member
and every fact) once per joining article, timed at the same sizes.
Target: joining costs the same at 2 articles and 20,000 (growth ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from wordfreq import top_n_list

from rdwatch import ingest
from rdwatch.analysis import analyse
from rdwatch.config import parse_config
from rdwatch.models import Article
from rdwatch.pipeline import open_pipeline
from rdwatch.store.articles import get_story

ROOT = Path(__file__).resolve().parents[2]
WORDS = top_n_list("en", 5_200)[200:]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
EVENT = ["Zorvex", "Qlarion-7", "Hangzhou", "Brightwave", "Norvane", "US$300 million"]


def write_up(rng: random.Random, n: int) -> Article:
    words = rng.choices(WORDS, k=80)
    for i, name in zip(rng.sample(range(80), len(EVENT)), EVENT, strict=True):
        words[i] = name
    return Article(
        url=f"https://outlet{n}.example/story/{n}",
        title=f"Zorvex launches Qlarion-7 chip with Brightwave {rng.choice(WORDS)}",
        text=" ".join(words) + ".",
        source=f"outlet{n % 500}",
        publisher=f"Outlet {n % 500}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,200,20000")
    parser.add_argument("--joins", type=int, default=50)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="rdwatch-bench-"))
    config = parse_config({
        "database_url": f"sqlite:///{workdir / 'bench.db'}", "data_dir": str(workdir / "data"),
        "archive": None,
        "facts": {"gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
                  "rates": str(ROOT / "config" / "rates.yaml")},
    })  # fmt: skip
    pipeline = open_pipeline(config)
    ctx = pipeline.ingest_context
    rng = random.Random(7)
    made = 0

    def add(count: int, *, one_per_transaction: bool = False) -> list[ingest.IngestResult]:
        nonlocal made
        analyses = [analyse(write_up(rng, made + i), ctx.analyser) for i in range(count)]
        made += count
        if not one_per_transaction:
            return ingest.ingest_batch(ctx, pipeline.db, analyses, NOW)
        return [ingest.ingest_batch(ctx, pipeline.db, [a], NOW)[0] for a in analyses]

    story_id = add(1)[0].story_id
    print(f"{'story size':>10} {'ms/join':>8} {'joined':>7} {'reload ms':>10} {'reload/join':>12}")
    base = None
    for size in sizes:
        add(max(size - made, 0))
        start = time.perf_counter()
        results = add(args.joins, one_per_transaction=True)
        per = (time.perf_counter() - start) / args.joins
        joined = sum(r.story_id == story_id for r in results)
        start = time.perf_counter()
        with pipeline.db.session() as session:
            for _ in range(3):
                get_story(session, story_id)
        reload = (time.perf_counter() - start) / 3
        base = base or per
        print(f"{size:>10,} {per * 1000:>8.2f} {joined:>7} {reload * 1000:>10.1f} "
              f"{reload / per:>12.1f}", flush=True)  # fmt: skip
    print(
        f"join time growth {sizes[0]:,} → {sizes[-1]:,} articles: {per / base:.2f}× (target ≤ 1.5×)"
    )
    pipeline.close()


if __name__ == "__main__":
    main()
