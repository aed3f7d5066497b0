"""The watch pipeline without Prefect: fetch → extract → dedup → facts → notability → outbox.

Each stage function here is what a Prefect task calls (flows/watch.py); `run_once` chains them
for tests, benchmarks and `rdwatch run --no-prefect`. New items are processed in chunks: a chunk's
pages are downloaded and extracted, its articles analysed (`rdwatch.analysis`, in worker processes
for large runs) and stored by `rdwatch.ingest`, a batch per transaction, before the next chunk's
pages are fetched, so a run's memory does not grow with its number of items.

A run that finds nothing new (every source answers 304) should cost little more than its requests,
so what only new items need — analysis, ingest, extraction, the facts resources, the alert
channels — is imported and loaded on first use, not when this module is.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rdwatch import fetch, keep, progress, source_health
from rdwatch.archive import read_archive_folder
from rdwatch.config import Config, SourceConfig
from rdwatch.errors import ExtractError, FetchError
from rdwatch.fetch import schedule
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupTier,
    DeliveryReport,
    FeedItem,
    FetchedPage,
    RunSummary,
    SourceFetch,
)
from rdwatch.store import Database
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store import sources as source_store
from rdwatch.store.sql import chunks
from rdwatch.untrusted import RedactingFilter

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rdwatch.analysis import Analysis, NoArticle
    from rdwatch.facts import Gazetteer, RateTable
    from rdwatch.ingest import IngestContext, IngestResult
    from rdwatch.notify import Sender

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # source and page URLs can hold passwords
# Items processed together: pages downloaded at once, then analysed and stored. Small when pages
# are followed (their HTML is what takes memory), large otherwise (feed entries are small, and the
# analysis pool works best on large batches).
PAGES_PER_CHUNK = 100
ENTRIES_PER_CHUNK = 2000
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    """Everything a run needs, built from the config; the parts only new items need are loaded
    on first use."""

    def __init__(self, config: Config, db: Database, *, clock: Clock = utc_now) -> None:
        self.config, self.db, self.clock = config, db, clock

    @cached_property
    def gazetteer(self) -> Gazetteer:
        from rdwatch.facts import load_gazetteer

        return load_gazetteer(self.config.facts.gazetteer)

    @cached_property
    def rates(self) -> RateTable:
        from rdwatch.facts import load_rates

        return load_rates(self.config.facts.rates)

    @cached_property
    def cadences(self) -> dict[str, schedule.Cadence]:
        return schedule.cadences_of(self.config.sources, self.config.fetch.every)

    @cached_property
    def senders(self) -> list[Sender]:
        from rdwatch.notify import build_senders

        return build_senders(self.config.alerts, self.config.data_dir)

    @cached_property
    def _links_followed(self) -> dict[str, bool]:
        return {s.name: self.config.follows_links(s) for s in self.config.sources}

    def follows_links(self, source_name: str) -> bool:
        """Whether the source's items are read from their pages (else from the feed entry)."""
        return self._links_followed.get(source_name, self.config.fetch.follow_links)

    @cached_property
    def ingest_context(self) -> IngestContext:
        from rdwatch.ingest import IngestContext

        return IngestContext(self.config, self.gazetteer, self.rates, self.senders)

    def ingest_article(self, article: Article, *, archive: bool = False) -> IngestResult:
        """Analyse, decide and store one article now, in a transaction of its own."""
        from rdwatch.ingest import ingest

        return ingest(self.ingest_context, self.db, article, self.clock(), archive=archive)

    def close(self) -> None:
        self.db.dispose()


@dataclass
class BatchResult:
    items_seen: int = 0
    items_skipped_seen: int = 0
    ingested: list[IngestResult] = field(default_factory=list)
    extract_failures: list[tuple[str, str]] = field(default_factory=list)
    silent_sources: list[str] = field(default_factory=list)
    deferred: dict[str, int] = field(default_factory=dict)  # source → items over the cap
    filtered: dict[str, int] = field(default_factory=dict)  # source → items its keep rules left out

    @property
    def by_tier(self) -> dict[str, int]:
        tiers = Counter(r.decision.tier.value for r in self.ingested)
        tiers[DedupTier.SEEN.value] += self.items_skipped_seen
        return dict(tiers)

    @property
    def new_story_ids(self) -> list[int]:
        return [
            r.story_id
            for r in self.ingested
            if r.decision.status == ArticleStatus.NEW and r.story_id is not None
        ]


def open_pipeline(config: Config, *, clock: Clock = utc_now) -> Pipeline:
    """Open (and migrate) the database, load facts resources, sync sources, import the archive."""
    db = Database(config.database_url)
    pipeline = Pipeline(config, db, clock=clock)
    # A channel's URL errors (bad apprise URL, missing apprise config) surface at once.
    pipeline.senders  # noqa: B018
    with db.session() as session:
        source_store.sync_sources(session, config.sources, pipeline.clock())
    if config.archive is not None:
        import_archive(pipeline, config.archive)
    return pipeline


def import_archive(pipeline: Pipeline, folder: Path) -> list[IngestResult]:
    """Store every archive article not stored yet (importing twice changes nothing)."""
    articles = read_archive_folder(folder)
    with pipeline.db.session() as session:
        known = article_store.known_urls(session, (a.url for a in articles))
    fresh = [a for a in articles if a.url not in known]
    if not fresh:
        return []
    from rdwatch.analysis import AnalysisPool
    from rdwatch.ingest import ingest_batch

    ctx = pipeline.ingest_context
    with AnalysisPool(ctx.analyser, expected=len(fresh)) as pool:
        analyses = pool.analyse(fresh)
    results = ingest_batch(ctx, pipeline.db, analyses, pipeline.clock(), archive=True)
    if results:
        log.info("imported %d archive article(s) from %s", len(results), folder)
    return results


# --- fetch ---


def fetch_sources(
    pipeline: Pipeline,
    sources: Sequence[SourceConfig],
    *,
    run_shard: fetch.ShardRunner = fetch.poll_directly,
    due_only: bool = False,
) -> list[SourceFetch]:
    """Poll the given sources (with `due_only`, those of them due now) concurrently and record
    each one's health and next poll."""
    return asyncio.run(
        fetch_sources_async(pipeline, sources, run_shard=run_shard, due_only=due_only)
    )


def due_source_names(pipeline: Pipeline) -> set[str]:
    """The enabled sources due by their schedule now."""
    with pipeline.db.session() as session:
        states = source_store.load_source_states(session)
    enabled = [s for s in pipeline.config.sources if s.enabled]
    return {s.name for s in schedule.due_sources(enabled, states, pipeline.clock())}


async def fetch_sources_async(
    pipeline: Pipeline,
    sources: Sequence[SourceConfig],
    *,
    run_shard: fetch.ShardRunner = fetch.poll_directly,
    due_only: bool = False,
) -> list[SourceFetch]:
    """`fetch_sources` on the caller's event loop; `run_shard` wraps each shard's poll (the
    watch flow passes one that makes it a Prefect task run). Each source's outcome is logged
    once, by the fetch stage. With nothing due, nothing is fetched: one query, no client."""
    with pipeline.db.session() as session:
        states = source_store.load_source_states(session)
    if due_only:
        sources = schedule.due_sources(sources, states, pipeline.clock())
    progress.begin("fetch", len(sources))
    if not sources:
        return []
    settings = pipeline.config.fetch
    async with fetch.build_client(settings) as client:
        results = await fetch.fetch_in_shards(
            sources, settings, states, client=client, now=pipeline.clock(), run_shard=run_shard
        )
    now = pipeline.clock()
    plans = schedule.plan_after_fetches(pipeline.cadences, states, results, now)
    with pipeline.db.session() as session:
        withheld = [_without_validators(r) for r in results]
        source_store.record_fetches(session, withheld, now, plans)
    progress.advance("fetch", len(results))
    return results


def _without_validators(result: SourceFetch) -> SourceFetch:
    """A source that brought items gets its validators only once its items are stored
    (`process_fetches`): a run killed before then must not leave an ETag whose 304 would hide
    them from the next run, which fetches the source in full instead."""
    if not result.ok or result.not_modified or not result.items:
        return result
    return replace(result, etag=None, last_modified=None, body_hash=None)


# --- process ---


def process_fetches(pipeline: Pipeline, fetches: Iterable[SourceFetch]) -> BatchResult:
    """Extract, deduplicate, extract facts, score and store every new item of the fetches."""
    result = BatchResult()
    fetched = [f for f in fetches if f.ok]
    fresh, result.filtered = keep.kept_items(
        _new_items(pipeline, fetched, result), pipeline.config.sources, lambda: pipeline.gazetteer
    )
    items = _capped(pipeline.config.fetch.max_items_per_source, fresh, result)
    arrivals = _store_items(pipeline, items, result) if items else Counter[str]()
    with pipeline.db.session() as session:
        done = [f for f in fetched if f.items and f.source not in result.deferred]
        source_store.record_validators(session, done)
        _schedule_after_items(pipeline, session, fetched, arrivals, result.deferred)
    alarms = source_health.record_silences(
        pipeline.db, pipeline.config, pipeline.senders, pipeline.clock()
    )
    result.silent_sources = [str(alarm) for alarm in alarms]
    return result


def _schedule_after_items(
    pipeline: Pipeline,
    session: Session,
    fetched: list[SourceFetch],
    arrivals: Counter[str],
    deferred: dict[str, int],
) -> None:
    """The next poll of each source that brought items, now that it is known whether any was
    new (a source with items left over the per-run cap has new ones waiting: soon again)."""
    brought = {f.source for f in fetched if not f.not_modified and not f.skipped}
    if not brought:
        return
    states = source_store.load_source_states(session, brought)
    new_items = {name: arrivals[name] + deferred.get(name, 0) for name in brought}
    plans = schedule.plan_after_items(pipeline.cadences, states, new_items, pipeline.clock())
    source_store.record_schedules(session, plans)


def _store_items(pipeline: Pipeline, items: list[FeedItem], result: BatchResult) -> Counter[str]:
    """Extract, analyse and store the new items a chunk at a time; while one chunk is stored,
    the next is analysed in the worker processes (when there are). Returns the articles stored
    per source."""
    from rdwatch.analysis import AnalysisPool
    from rdwatch.ingest import ingest_batch

    ctx = pipeline.ingest_context
    now = pipeline.clock()
    follows = any(pipeline.follows_links(i.source) for i in items)
    size = PAGES_PER_CHUNK if follows else ENTRIES_PER_CHUNK
    arrivals: Counter[str] = Counter()
    progress.begin("extract, dedup, facts, notability", len(items))
    queued: deque[tuple[int, Callable[[], list[Analysis | NoArticle]]]] = deque()

    def store_next() -> None:
        items_done, analysed = queued.popleft()
        analyses = _with_articles(analysed(), result)
        for analysis, ingested in zip(
            analyses, ingest_batch(ctx, pipeline.db, analyses, now), strict=True
        ):
            if ingested.decision.tier == DedupTier.SEEN:
                result.items_skipped_seen += 1
                continue
            result.ingested.append(ingested)
            arrivals[analysis.article.source] += ingested.article_id is not None
        progress.advance("extract, dedup, facts, notability", items_done)

    with AnalysisPool(ctx.analyser, expected=len(items)) as pool:
        for chunk in chunks(items, size):
            entries = asyncio.run(_extract_all(pipeline, list(chunk), result))
            queued.append((len(chunk), pool.submit(entries)))
            if len(queued) > 1:
                store_next()
        while queued:
            store_next()
    with pipeline.db.session() as session:
        for source in (s for s, n in arrivals.items() if n):
            source_store.record_new_items(session, source, now)
    return arrivals


def _capped(limit: int | None, items: list[FeedItem], result: BatchResult) -> list[FeedItem]:
    """At most `limit` new items per source this run; the rest wait for the next run (the
    source's validators are not stored, so the next run reads the whole feed again)."""
    if limit is None:
        return items
    taken: Counter[str] = Counter()
    kept = []
    for item in items:
        taken[item.source] += 1
        if taken[item.source] <= limit:
            kept.append(item)
        else:
            result.deferred[item.source] = result.deferred.get(item.source, 0) + 1
    for source, count in result.deferred.items():
        log.info(
            "source %s: %d new item(s) over the per-run cap wait for the next run", source, count
        )
    return kept


def _new_items(
    pipeline: Pipeline, fetches: list[SourceFetch], result: BatchResult
) -> list[FeedItem]:
    """Items whose URL and guid are not stored yet, first occurrence only ("seen" tier)."""
    unique: dict[str, FeedItem] = {}
    for item in (i for f in fetches for i in f.items):
        result.items_seen += 1
        unique.setdefault(item.url, item)
    with pipeline.db.session() as session:
        urls = article_store.known_urls(session, unique)
        guids = article_store.known_guids(session, (i.guid for i in unique.values() if i.guid))
    fresh = [i for i in unique.values() if i.url not in urls and not (i.guid and i.guid in guids)]
    result.items_skipped_seen += result.items_seen - len(fresh)
    return fresh


def _with_articles(outcomes: list[Analysis | NoArticle], result: BatchResult) -> list[Analysis]:
    """The analyses of the entries that held an article; the others are reported."""
    from rdwatch.analysis import NoArticle

    kept = []
    for outcome in outcomes:
        if isinstance(outcome, NoArticle):
            result.extract_failures.append((outcome.url, outcome.reason))
            log.warning("no article for %s: %s", outcome.url, outcome.reason)
        else:
            kept.append(outcome)
    return kept


async def _extract_all(
    pipeline: Pipeline, items: list[FeedItem], result: BatchResult
) -> list[Article | FeedItem]:
    """Each item's article, in order: its page extracted as soon as it is downloaded (only the
    article is kept, not the HTML). An item read from its feed entry alone stays an item: it is
    made into its article where it is analysed."""
    settings = pipeline.config.fetch
    items = await fetch.resolve_google_news(
        items, pipeline.config.sources, timeout_s=settings.timeout_s
    )
    # A Google News link leads to an interstitial, never to the article: the item is its headline.
    follow = {i.url: i for i in items if pipeline.follows_links(i.source) and not i.headline_only}
    made: dict[str, Article | None] = {}
    if follow:
        async with fetch.build_client(settings) as client:
            async for url, page in fetch.iter_pages(list(follow), settings, client=client):
                made[url] = _article_or_none(follow[url], page, result)
    entries: list[Article | FeedItem] = []
    for item in items:
        article = made.get(item.url, item)
        if article is not None:
            entries.append(article)
    return entries


def _article_or_none(
    item: FeedItem, page: FetchedPage | FetchError, result: BatchResult
) -> Article | None:
    try:
        return _article_for(item, page)
    except (ExtractError, FetchError) as exc:
        result.extract_failures.append((item.url, str(exc)))
        log.warning("no article for %s: %s", item.url, exc)
        return None


def _article_for(item: FeedItem, page: FetchedPage | FetchError) -> Article:
    """A followed item's article: from its page, else (the page not fetched) its feed entry."""
    from rdwatch.extract import article_from_item, extract_article

    if isinstance(page, FetchError):
        log.info("page %s not fetched (%s); using the feed entry", item.url, page.reason)
        return article_from_item(item)
    url = fetch.canonical_url(page.final_url, page.html)
    if not fetch.fits_store(url):  # redirected somewhere too long to index: keep the feed's link
        url = item.url
    return extract_article(page.html, item=item, url=url)


# --- deliver and run ---


def deliver(pipeline: Pipeline) -> DeliveryReport:
    from rdwatch.notify.spike_alerts import queue_spikes

    queue_spikes(pipeline.db, pipeline.senders, pipeline.config.alerts, pipeline.clock())
    with pipeline.db.session() as session:
        due = outbox_store.due_ids(session, pipeline.clock(), pipeline.config.alerts.max_attempts)
    if not due:
        return DeliveryReport()
    from rdwatch.notify import deliver_outbox

    return deliver_outbox(
        pipeline.db,
        pipeline.senders,
        now=pipeline.clock,
        max_attempts=pipeline.config.alerts.max_attempts,
        settings=pipeline.config.notability,
        controls=pipeline.config.alerts,
    )


def summarise(
    started_at: datetime,
    finished_at: datetime,
    fetches: Sequence[SourceFetch],
    batch: BatchResult,
    delivery: DeliveryReport,
) -> RunSummary:
    return RunSummary(
        started_at=started_at,
        finished_at=finished_at,
        sources_ok=tuple(f.source for f in fetches if f.ok),
        sources_failed=tuple((f.source, f.url, f.error or "") for f in fetches if not f.ok),
        items_seen=batch.items_seen,
        items_skipped_seen=batch.items_skipped_seen,
        articles_new=len(batch.new_story_ids),
        by_tier=batch.by_tier,
        new_story_ids=tuple(batch.new_story_ids),
        alerts_sent=len(delivery.sent),
        alerts_failed=delivery.failed,
        extract_failures=tuple(batch.extract_failures),
        silent_sources=tuple(batch.silent_sources),
        items_deferred=sum(batch.deferred.values()),
        items_filtered=sum(batch.filtered.values()),
    )


def run_once(config: Config, *, clock: Clock = utc_now, due_only: bool = False) -> RunSummary:
    """One complete watch run without Prefect: every enabled source, or with `due_only` those
    due by their schedule (sources held by a Retry-After or backoff are skipped either way)."""
    started_at = clock()
    pipeline = open_pipeline(config, clock=clock)
    try:
        sources = [s for s in config.sources if s.enabled]
        fetches = fetch_sources(pipeline, sources, due_only=due_only)
        batch = process_fetches(pipeline, fetches)
        delivery = deliver(pipeline)
    finally:
        pipeline.close()
    return summarise(started_at, clock(), fetches, batch, delivery)
