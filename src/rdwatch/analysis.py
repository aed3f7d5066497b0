"""Analysing articles: the CPU work dedup, facts and notability need, done outside transactions.

Each article's text fingerprint (hash, shingles, MinHash), facts and terms are computed once, by a
pure function of the article; a feed entry read without its page is made into its article here
too, so that parsing its HTML summary is off the process that stores. A large batch is spread
over worker processes when the machine has more than one core: the analysis of one article takes
a few milliseconds, so a first poll of thousands of items would otherwise keep one core busy
while the other waits on the database.
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
from rdwatch.errors import ExtractError
from rdwatch.extract import article_from_item
from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.models import Article, Fact, FeedItem

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


@dataclass(frozen=True)
class NoArticle:
    """A feed entry that held no article (too little text), and why."""

    url: str
    reason: str


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


def analyse_entry(entry: Article | FeedItem, analyser: Analyser) -> Analysis | NoArticle:
    """An article's analysis; a feed entry is first made into its article."""
    if isinstance(entry, Article):
        return analyse(entry, analyser)
    try:
        article = article_from_item(entry)
    except ExtractError as exc:
        return NoArticle(entry.url, str(exc))
    return analyse(article, analyser)


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
        return [a for a in self.submit(articles)() if isinstance(a, Analysis)]

    def submit(
        self, entries: Sequence[Article | FeedItem]
    ) -> Callable[[], list[Analysis | NoArticle]]:
        """Start analysing articles and feed entries; the returned function waits for the
        outcomes, in order. With worker processes, the caller can store the previous batch
        meanwhile."""
        if self._pool is None or len(entries) < POOL_CHUNK:
            done = [analyse_entry(entry, self.analyser) for entry in entries]
            return lambda: done
        futures = [
            self._pool.submit(_analyse_in_worker, list(entries[start : start + POOL_CHUNK]))
            for start in range(0, len(entries), POOL_CHUNK)
        ]
        return lambda: [outcome for future in futures for outcome in future.result()]

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


def _analyse_in_worker(entries: list[Article | FeedItem]) -> list[Analysis | NoArticle]:
    assert _worker_analyser is not None, "worker started without its analyser"
    return [analyse_entry(entry, _worker_analyser) for entry in entries]
