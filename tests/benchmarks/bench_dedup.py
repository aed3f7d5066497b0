"""Time per dedup decision with 1k, 10k, 100k and 1M stored articles, against naive pairwise.

Run: .venv/bin/python tests/benchmarks/bench_dedup.py [--sizes 1000,10000,100000,1000000]
     [--queries 300] [--database-url URL]

One SQLite database (or `--database-url`) grows through the sizes. Stored articles are synthetic:
most are filler rows with random MinHash signatures (their LSH band rows and two fact rows each
are bulk-inserted with Core inserts), and the first 1,000 (`REAL`) carry real text so that the
queries meet real candidates: a third of the queries are edited copies of stored articles (near
tier, with exact verification), a third share two facts with a stored article (same-story
scoring), a third are unrelated. A decision is what `pipeline.ingest` does before storing:
fingerprint the text, then `pipeline._decide` in a session (exact lookup, LSH candidates,
verification, fact candidates, scoring). Fact extraction is not dedup and is not timed.

The naive baseline compares the new signature with every stored signature (held in memory, as a
pairwise dedup would) — timed up to 100k stored and extrapolated linearly beyond.
Targets (issue 5): per-decision time grows ≤ 2× from 1k to 1M; ≥ 1,000 decisions/s at 100k.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text

from rdwatch import dedup, pipeline
from rdwatch.config import DedupConfig
from rdwatch.models import Article
from rdwatch.store import Database
from rdwatch.store.schema import ArticleRow, FactRow, LshBandRow, StoryRow

REAL = 1_000
WORDS = [f"w{i}" for i in range(20_000)]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = DedupConfig()


# Zipf's law as in English text: the word of rank r has frequency ∝ 1/r (the commonest ≈ 10 %).
# Two such texts share word 3-shingles at Jaccard ≈ 0.002, as unrelated archive articles do
# (0.001–0.009). An earlier Pareto-based choice made half of all words the same one, which put
# unrelated texts at Jaccard ≈ 0.2 and flooded every query with ~45 false LSH candidates.
ZIPF_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))


def _text(rng: random.Random, words: int = 250) -> str:
    picks = rng.choices(WORDS, cum_weights=ZIPF_WEIGHTS, k=words)
    return "\n".join(" ".join(picks[i : i + 25]) for i in range(0, words, 25))


def _edited(rng: random.Random, original: str) -> str:
    words = original.split(" ")
    for i in rng.sample(range(len(words)), len(words) // 30):
        words[i] = rng.choice(WORDS)
    return "Reprinted from a partner site today\n" + " ".join(words)


def _rows(start: int, count: int, rng: random.Random, texts: dict[int, str]):  # type: ignore[no-untyped-def]
    articles, bands, facts = [], [], []
    for article_id in range(start, start + count):
        body = texts.get(article_id)
        if body is None:
            signature = tuple(rng.getrandbits(32) for _ in range(dedup.NUM_PERM))
            body, text_hash = "filler", f"v2:filler{article_id}"
        else:
            prints = dedup.fingerprint(body)
            signature, text_hash = prints.signature, prints.text_hash
        articles.append(
            {"id": article_id, "url": f"https://bench.example/{article_id}", "guid": None,
             "source": "bench", "title": f"Synthetic article {article_id}", "text": body,
             "published": None, "fetched_at": NOW, "content_hash": text_hash,
             "signature": dedup.pack_signature(signature), "status": "new", "tier": "new",
             "dedup_reason": "", "similarity": None, "story_id": 1, "duplicate_of_id": None}
        )  # fmt: skip
        bands.extend(
            {"article_id": article_id, "band": band, "band_hash": value}
            for band, value in dedup.band_hashes(signature)
        )
        facts.extend(
            {"article_id": article_id, "kind": kind, "key": key, "text": key, "sentence": "",
             "attributes": {}}
            for kind, key in (("money", f"money:usd:{article_id * 1000}"),
                              ("person", f"person:p{article_id % 50_000}"))
        )  # fmt: skip
    return articles, bands, facts


def grow(db: Database, have: int, want: int, rng: random.Random, texts: dict[int, str]) -> None:
    """Bulk-insert articles `have+1 .. want` in 20k-row transactions."""
    with db.engine.begin() as connection:
        if have == 0:
            connection.execute(
                insert(StoryRow),
                [{"id": 1, "title": "bench", "first_seen_at": NOW, "is_archive": False,
                  "notable": False, "score": 0.0, "reasons": []}],
            )  # fmt: skip
    for start in range(have + 1, want + 1, 20_000):
        count = min(20_000, want + 1 - start)
        articles, bands, facts = _rows(start, count, rng, texts)
        with db.engine.begin() as connection:
            connection.execute(insert(ArticleRow), articles)
            connection.execute(insert(LshBandRow), bands)
            connection.execute(insert(FactRow), facts)


def queries(rng: random.Random, texts: dict[int, str], n: int) -> list[tuple[Article, tuple]]:  # type: ignore[type-arg]
    made = []
    stored = sorted(texts)
    for i in range(n):
        source_id = rng.choice(stored)
        if i % 3 == 0:
            body, keys = _edited(rng, texts[source_id]), ()
        elif i % 3 == 1:
            body = _text(rng)
            keys = (f"money:usd:{source_id * 1000}", f"person:p{source_id % 50_000}")
        else:
            body, keys = _text(rng), ()
        article = Article(url=f"https://new.example/{i}", title=f"New {i}", text=body,
                          source="bench", published=date(2026, 1, 1))  # fmt: skip
        made.append((article, keys))
    return made


def time_decisions(
    db: Database, batch: list[tuple[Article, tuple]]
) -> tuple[float, dict[str, int]]:  # type: ignore[type-arg]
    from rdwatch.models import Fact

    tiers: dict[str, int] = {}
    start = time.perf_counter()
    with db.session() as session:
        for article, keys in batch:
            prints = dedup.fingerprint(article.text)
            facts = [Fact(kind=k.split(":")[0], text=k, key=k) for k in keys]
            decision = pipeline._decide(session, article, prints, facts, SETTINGS)
            tiers[decision.tier.value] = tiers.get(decision.tier.value, 0) + 1
        session.rollback()
    return (time.perf_counter() - start) / len(batch), tiers


def time_naive(db: Database, batch: list[tuple[Article, tuple]], limit: int) -> tuple[float, int]:  # type: ignore[type-arg]
    """Pairwise: every stored signature in memory, compared with each new one."""
    tracemalloc.start()
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, signature FROM articles ORDER BY id LIMIT :n"), {"n": limit}
        )
        stored = [(i, dedup.unpack_signature(s)) for i, s in rows]
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    sample = batch[: max(3, min(len(batch), 3_000_000 // max(limit, 1)))]
    start = time.perf_counter()
    for article, _ in sample:
        signature = dedup.fingerprint(article.text).signature
        max(dedup.estimate_jaccard(signature, s) for _, s in stored)
    return (time.perf_counter() - start) / len(sample), memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="rdwatch-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    db = Database(url)
    rng = random.Random(20171011)
    texts = {i: _text(rng) for i in range(1, min(REAL, sizes[0]) + 1)}
    batch = queries(random.Random(5), texts, args.queries)
    print(f"database: {url.split('://')[0]}; {args.queries} decisions per size; one core")
    print(f"{'stored':>9} {'build s':>8} {'ms/decision':>12} {'decisions/s':>12} "
          f"{'naive ms':>9} {'naive/ours':>10} {'naive MB':>9} {'RSS MB':>7}  tiers")  # fmt: skip
    have, base = 0, None
    for size in sizes:
        started = time.perf_counter()
        grow(db, have, size, rng, texts)
        have, build = size, time.perf_counter() - started
        time_decisions(db, batch[:20])  # warm the page cache and statement caches
        per, tiers = time_decisions(db, batch)
        base = base or per
        limit = min(size, 100_000)
        naive, memory = time_naive(db, batch, limit)
        naive_at_size = naive * size / limit
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        mark = "" if limit == size else "*"
        print(
            f"{size:>9,} {build:>8.1f} {per * 1000:>12.3f} {1 / per:>12.0f} "
            f"{naive_at_size * 1000:>8.1f}{mark} {naive_at_size / per:>10.0f} "
            f"{memory * size / limit / 2**20:>8.0f}{mark} {rss:>7.0f}  {tiers}"
        )
    print(f"growth 1st→last size: {per / base:.2f}× (target ≤ 2×); * = extrapolated from 100k")
    if url.startswith("sqlite:///"):
        size_mb = os.path.getsize(url.removeprefix("sqlite:///")) / 2**20
        print(f"database file: {size_mb:.0f} MB")
    db.dispose()


if __name__ == "__main__":
    main()
