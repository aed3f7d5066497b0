"""Analysing articles: the CPU work dedup, facts and notability need, done outside transactions.

Each article's text fingerprint (hash, shingles, MinHash), facts and terms are computed once, by a
pure function of the article. A large batch is spread over worker processes when the machine has
more than one core: the analysis of one article takes a few milliseconds, so a first poll of
thousands of items would otherwise keep one core busy while the other waits on the database.
Workers are started with `forkserver`, not `fork`: the parent runs threads (HTTP, Prefect), and a
forked child could inherit one of their locks held.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cached_property

from rdwatch import dedup
from rdwatch.config import DedupConfig
from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.models import Article, Fact

# Below this many articles the pool's start-up (importing rdwatch in each worker, ~1 s) costs more
# than it saves.
POOL_MIN_ARTICLES = 400
POOL_CHUNK = 50


@dataclass(frozen=True)
class Analyser:
    """The settings and resources analysis needs; sent once to each worker process."""

    dedup: DedupConfig
    gazetteer: Gazetteer
    rates: RateTable

    @cached_property
    def background(self) -> frozenset[str]:
        watched = self.gazetteer.watched
        return dedup.background_terms(
            [name for e in watched for name in (e.name, *e.aliases)], [e.key for e in watched]
        )


@dataclass(frozen=True)
class Analysis:
    """What dedup, facts and notability need of one article, computed once."""

    article: Article
    prints: dedup.Fingerprint
    facts: tuple[Fact, ...]
    terms: dict[str, float]
    lead_terms: frozenset[str] = frozenset()
    anchors: frozenset[str] = frozenset()


def analyse(article: Article, analyser: Analyser) -> Analysis:
    settings = analyser.dedup
    prints = dedup.fingerprint(
        article.text, words=settings.shingle_words, chars=settings.shingle_chars
    )
    facts = extract_facts(
        article.text,
        title=article.title,
        gazetteer=analyser.gazetteer,
        rates=analyser.rates,
        published=article.published,
    )
    terms = dedup.article_terms(article.title, article.text, facts, background=analyser.background)
    return Analysis(article, prints, facts, terms.weights, terms.lead, terms.anchors)


class AnalysisPool:
    """Analyses batches of articles, in worker processes once the run is large enough to pay
    for starting them (they are then kept for the rest of the run)."""

    def __init__(self, analyser: Analyser, *, expected: int) -> None:
        self.analyser = analyser
        workers = min(os.cpu_count() or 1, 8)
        self._pool: ProcessPoolExecutor | None = None
        if workers >= 2 and expected >= POOL_MIN_ARTICLES:
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_set_analyser,
                initargs=(analyser,),
            )

    def analyse(self, articles: Sequence[Article]) -> list[Analysis]:
        """Every article's analysis, in order."""
        return self.submit(articles)()

    def submit(self, articles: Sequence[Article]) -> Callable[[], list[Analysis]]:
        """Start analysing; the returned function waits for the analyses, in order. With worker
        processes, the caller can store the previous batch meanwhile."""
        if self._pool is None or len(articles) < POOL_CHUNK:
            done = [analyse(article, self.analyser) for article in articles]
            return lambda: done
        futures = [
            self._pool.submit(_analyse_in_worker, list(articles[start : start + POOL_CHUNK]))
            for start in range(0, len(articles), POOL_CHUNK)
        ]
        return lambda: [analysis for future in futures for analysis in future.result()]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_worker_analyser: Analyser | None = None


def _set_analyser(analyser: Analyser) -> None:
    global _worker_analyser
    _worker_analyser = analyser


def _analyse_in_worker(articles: list[Article]) -> list[Analysis]:
    assert _worker_analyser is not None, "worker started without its analyser"
    return [analyse(article, _worker_analyser) for article in articles]
