"""Time per dedup decision, and articles/s of a first poll's ingest, at 1k, 10k, 100k and 1M
stored articles, against naive pairwise comparison.

Run: .venv/bin/python tests/benchmarks/bench_dedup.py [--sizes 1000,10000,100000,1000000]
     [--queries 300] [--database-url URL]

One SQLite database (or `--database-url`) grows through the sizes. Stored articles are synthetic:
most are filler rows, each its own story, with random MinHash signatures and 60 terms drawn from a
Zipf-distributed vocabulary of a million names (their LSH band rows, two fact rows, story-term rows
and term statistics are bulk-inserted with Core inserts); the first 1,000 (`REAL`) carry real text
and go through the real ingest, so that queries meet real candidates. A third of the queries are
edited copies of stored articles (near tier, with exact verification), a third are other outlets'
write-ups of a stored article's event (same names and numbers, other words: the same-story tier
through the term index), a third are unrelated. A decision is `rdwatch.ingest.decide` as ingest
makes it, in batches of `ingest.BATCH_SIZE` (`ingest.decide_each`): the copy tiers' lookups (URL,
guid, hash, LSH bands) and the term counts read once per batch, then per article verification,
candidate stories and scoring. Analysis (fingerprint, facts, terms) is not dedup and is not timed
there.

"ingest/s" is the first poll's figure: 1,000 new feed-entry articles analysed, decided and stored
by `rdwatch.ingest.ingest_batch` (a transaction per `ingest.BATCH_SIZE` articles), on one core.

The naive baseline compares the new signature with every stored signature (held in memory, as a
pairwise dedup would) — timed up to 100k stored and extrapolated linearly beyond.
Targets: per-decision time grows ≤ 2× from 1k to 1M; ≥ 1,000 decisions/s at 100k.
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
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from wordfreq import top_n_list

from rdwatch import dedup, ingest
from rdwatch.analysis import Analysis, analyse
from rdwatch.config import Config, parse_config
from rdwatch.models import Article
from rdwatch.pipeline import open_pipeline
from rdwatch.store import Database
from rdwatch.store.schema import (
    ArticleRow,
    FactRow,
    LshBandRow,
    StoryRow,
    StoryTermRow,
    TermStatRow,
)

ROOT = Path(__file__).resolve().parents[2]
REAL = 1_000
# Real English words, commonest first, so that term weights (word rarity) are as in real text.
WORDS = top_n_list("en", 20_200)[200:]
NAMES = 1_000_000
TERMS_PER_STORY = 60
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Zipf's law as in English text: the word of rank r has frequency ∝ 1/r (the commonest ≈ 10 %).
# Two such texts share word 3-shingles at Jaccard ≈ 0.002, as unrelated archive articles do.
ZIPF_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))
NAME_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, NAMES + 1)))


def _text(rng: random.Random, names: list[str], words: int = 200) -> str:
    picks = rng.choices(WORDS, cum_weights=ZIPF_WEIGHTS, k=words)
    for i, name in zip(rng.sample(range(words), len(names)), names, strict=True):
        picks[i] = name
    return "\n".join(" ".join(picks[i : i + 25]) for i in range(0, words, 25))


def _names(rng: random.Random, count: int = 6) -> list[str]:
    return [f"Zq{rng.randrange(10**9):x}" for _ in range(count)]


def _edited(rng: random.Random, original: str) -> str:
    words = original.split(" ")
    for i in rng.sample(range(len(words)), len(words) // 30):
        words[i] = rng.choice(WORDS)
    return "Reprinted from a partner site today\n" + " ".join(words)


def _filler(start: int, count: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {"stories": [], "articles": [], "bands": [],
                                             "facts": [], "terms": []}  # fmt: skip
    for i in range(start, start + count):
        signature = tuple(rng.getrandbits(32) for _ in range(dedup.NUM_PERM))
        rows["stories"].append(
            {"id": i, "title": f"Synthetic story {i}", "first_seen_at": NOW, "is_archive": False,
             "notable": False, "score": 0.0, "reasons": [], "indexed_articles": 1, "lead": "",
             "watched_in_title": [], "watched_in_lead": [], "source_names": ["bench"]}
        )  # fmt: skip
        rows["articles"].append(
            {"id": i, "url": f"https://bench.example/{i}", "guid": None, "source": "bench",
             "title": f"Synthetic article {i}", "text": "filler", "published": None,
             "fetched_at": NOW, "content_hash": f"v2:filler{i}",
             "signature": dedup.pack_signature(signature), "status": "new", "tier": "new",
             "dedup_reason": "", "similarity": None, "story_id": i, "duplicate_of_id": None}
        )  # fmt: skip
        rows["bands"] += [
            {"article_id": i, "band": band, "band_hash": value}
            for band, value in dedup.band_hashes(signature)
        ]
        rows["facts"] += [
            {"article_id": i, "kind": kind, "key": key, "text": key, "sentence": "",
             "attributes": {}}
            for kind, key in (("money", f"money:usd:{i * 1000}"),
                              ("person", f"person:p{i % 50_000}"))
        ]  # fmt: skip
        names = set(rng.choices(range(NAMES), cum_weights=NAME_WEIGHTS, k=TERMS_PER_STORY))
        rows["terms"] += [
            {"term": f"n{n}", "story_id": i, "articles": 1, "lead_articles": int(k < 10)}
            for k, n in enumerate(names)
        ]
    return rows


def grow(db: Database, have: int, want: int, rng: random.Random, held: Counter[str]) -> None:
    """Bulk-insert filler articles and stories `have+1 .. want` in 20k-row transactions."""
    for start in range(have + 1, want + 1, 20_000):
        rows = _filler(start, min(20_000, want + 1 - start), rng)
        held.update(r["term"] for r in rows["terms"])
        with db.engine.begin() as connection:
            connection.execute(insert(StoryRow), rows["stories"])
            connection.execute(insert(ArticleRow), rows["articles"])
            connection.execute(insert(LshBandRow), rows["bands"])
            connection.execute(insert(FactRow), rows["facts"])
            connection.execute(insert(StoryTermRow), rows["terms"])
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM term_stats WHERE term LIKE 'n%'"))
        stats = [{"term": t, "stories": n} for t, n in held.items()]
        for chunk in range(0, len(stats), 50_000):
            connection.execute(insert(TermStatRow), stats[chunk : chunk + 50_000])


def config_for(url: str, workdir: Path) -> Config:
    return parse_config({
        "database_url": url, "data_dir": str(workdir / "data"), "archive": None,
        "facts": {"gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
                  "rates": str(ROOT / "config" / "rates.yaml")},
    })  # fmt: skip


def real_articles(rng: random.Random, count: int) -> list[tuple[Article, list[str]]]:
    made = []
    for i in range(count):
        names = _names(rng)
        article = Article(url=f"https://real.example/{i}", title=f"{names[0]} {names[1]} news {i}",
                          text=_text(rng, names), source="bench")  # fmt: skip
        made.append((article, names))
    return made


def queries(rng: random.Random, real: list[tuple[Article, list[str]]], n: int) -> list[Article]:
    made = []
    for i in range(n):
        source, names = rng.choice(real)
        if i % 3 == 0:
            body, title = _edited(rng, source.text), source.title
        elif i % 3 == 1:
            body, title = _text(rng, names[:5] + _names(rng, 2)), f"{names[0]} {names[2]} report"
        else:
            fresh = _names(rng)
            body, title = _text(rng, fresh), f"{fresh[0]} {fresh[1]} news"
        made.append(Article(url=f"https://new.example/{i}", title=title, text=body, source="q"))
    return made


def time_decisions(
    db: Database, batch: list[Analysis], config: Config
) -> tuple[float, dict[str, int]]:
    """As ingest decides: `ingest.BATCH_SIZE` articles share one read of the copy tiers'
    lookups and of their terms' counts."""
    tiers: Counter[str] = Counter()
    start = time.perf_counter()
    with db.session() as session:
        for first in range(0, len(batch), ingest.BATCH_SIZE):
            part = batch[first : first + ingest.BATCH_SIZE]
            tiers.update(d.tier.value for d in ingest.decide_each(session, part, config.dedup))
        session.rollback()
    return (time.perf_counter() - start) / len(batch), dict(tiers)


def time_ingest(pipeline: Any, size: int, rng: random.Random, count: int) -> float:
    """Articles/s for `count` new feed-entry articles: analysis, decision, storing."""
    articles = [
        Article(url=f"https://poll.example/{size}/{i}", title=f"{n[0]} item {i}",
                text=_text(rng, n, words=60), source="poll")
        for i, n in ((i, _names(rng)) for i in range(count))
    ]  # fmt: skip
    ctx = pipeline.ingest_context
    start = time.perf_counter()
    analyses = [analyse(a, ctx.analyser) for a in articles]
    ingest.ingest_batch(ctx, pipeline.db, analyses, NOW)
    return count / (time.perf_counter() - start)


def _max_id(db: Database) -> int:
    """Filler ids continue after the highest article or story id stored so far."""
    with db.engine.connect() as connection:
        articles = connection.execute(text("SELECT max(id) FROM articles")).scalar() or 0
        stories = connection.execute(text("SELECT max(id) FROM stories")).scalar() or 0
    return max(articles, stories)


def time_naive(db: Database, batch: list[Analysis], limit: int) -> tuple[float, int]:
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
    for analysis in sample:
        signature = analysis.prints.signature
        max(dedup.estimate_jaccard(signature, s) for _, s in stored)
    return (time.perf_counter() - start) / len(sample), memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ingest", type=int, default=1000, help="articles in the ingest timing")
    parser.add_argument("--real", type=int, default=REAL, help="stored articles with real text")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="rdwatch-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    config = config_for(url, workdir)
    pipeline = open_pipeline(config)
    db = pipeline.db
    rng = random.Random(20171011)
    real = real_articles(rng, args.real)
    ctx = pipeline.ingest_context
    ingest.ingest_batch(ctx, db, [analyse(a, ctx.analyser) for a, _ in real], NOW)
    have = _max_id(db)
    batch = [analyse(a, ctx.analyser) for a in queries(random.Random(5), real, args.queries)]
    print(f"database: {url.split('://')[0]}; {args.queries} decisions per size; one core")
    print(f"{'stored':>9} {'build s':>8} {'ms/decision':>12} {'decisions/s':>12} "
          f"{'naive ms':>9} {'naive/ours':>10} {'naive MB':>9} {'ingest/s':>9} {'RSS MB':>7}"
          "  tiers")  # fmt: skip
    base, held = None, Counter[str]()
    for size in sizes:
        started = time.perf_counter()
        grow(db, have, max(size, have), rng, held)
        have, build = max(size, have), time.perf_counter() - started
        time_decisions(db, batch[:20], config)  # warm the page cache and statement caches
        per, tiers = time_decisions(db, batch, config)
        base = base or per
        rate = time_ingest(pipeline, size, rng, args.ingest)
        have = _max_id(db)
        limit = min(size, 100_000)
        naive, memory = time_naive(db, batch, limit)
        naive_at_size = naive * size / limit
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        mark = "" if limit == size else "*"
        print(
            f"{size:>9,} {build:>8.1f} {per * 1000:>12.3f} {1 / per:>12.0f} "
            f"{naive_at_size * 1000:>8.1f}{mark} {naive_at_size / per:>10.0f} "
            f"{memory * size / limit / 2**20:>8.0f}{mark} {rate:>9.0f} {rss:>7.0f}  {tiers}",
            flush=True,
        )
    print(f"growth 1st→last size: {per / base:.2f}× (target ≤ 2×); * = extrapolated from 100k")
    if url.startswith("sqlite:///"):
        size_mb = os.path.getsize(url.removeprefix("sqlite:///")) / 2**20
        print(f"database file: {size_mb:.0f} MB")
    pipeline.close()


if __name__ == "__main__":
    main()
