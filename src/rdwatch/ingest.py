"""Ingesting analysed articles: decide and store, a batch per transaction.

`rdwatch.analysis` does the CPU work on each article (text fingerprint, facts, terms) before any
transaction, in worker processes for large batches. `ingest_batch` then takes the ingest lock and,
for each article in turn, gathers what the decision needs from the store (exact and near copies,
candidate stories with their aggregates), decides in pure code (`rdwatch.dedup`,
`rdwatch.notability`), and writes the article, its story's new aggregates, the story's score and
its outbox rows. A batch commits together, so a killed run leaves nothing half-stored, and each
decision sees the batch's earlier articles. `rdwatch explain` runs `ingest_in_session` in a
transaction it rolls back.

Joining a story costs the same at 2 articles and 20,000: only the story's aggregates are read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import Session

from rdwatch import collector, dedup
from rdwatch.analysis import Analyser, Analysis, analyse
from rdwatch.config import Config, DedupConfig
from rdwatch.dedup import Candidate
from rdwatch.facts import Gazetteer, RateTable, merge_facts, merge_story_facts, watched_entities
from rdwatch.intelligence.record import record_article
from rdwatch.intelligence.timeline import describe_change
from rdwatch.intelligence.updates import UpdateRules, channel_history, plan_update
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupDecision,
    DedupTier,
    Notability,
    StoryAggregate,
)
from rdwatch.notability import StoryEvidence, lead_of, score_story
from rdwatch.notify import Sender
from rdwatch.notify.routing import ChannelRules, RouteSubject, alert_channels, channel_rules
from rdwatch.publishers import publisher_of
from rdwatch.store import Database, story_index
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store import stories as story_store
from rdwatch.store import timeline as timeline_store
from rdwatch.store.batch_lookups import BatchLookups
from rdwatch.store.locks import lock_ingest
from rdwatch.store.pending import NewStory, PendingWrites

log = logging.getLogger(__name__)
BATCH_SIZE = 1000


@dataclass(frozen=True)
class IngestContext:
    """What ingest needs of a run: the config, the facts resources and the alert channels."""

    config: Config
    gazetteer: Gazetteer
    rates: RateTable
    senders: Sequence[Sender] = ()

    @cached_property
    def analyser(self) -> Analyser:
        """One per context: its background terms are computed once."""
        return Analyser(self.config.dedup, self.gazetteer, self.rates)

    @cached_property
    def source_weights(self) -> dict[str, float]:
        return {s.name: s.weight for s in self.config.sources}

    @cached_property
    def channel_rules(self) -> list[ChannelRules]:
        return channel_rules(self.senders, self.config.alerts)


@dataclass(frozen=True)
class IngestResult:
    url: str
    decision: DedupDecision
    article_id: int | None
    story_id: int | None
    notability: Notability | None = None
    alerts_queued: int = 0
    merged: tuple[int, ...] = ()


@dataclass
class _Batch:
    """One transaction's shared reads and pending writes."""

    lookups: BatchLookups
    pending: PendingWrites = field(default_factory=PendingWrites)
    archive_keys: set[str] | None = None
    results: list[IngestResult] = field(default_factory=list)

    @classmethod
    def open(cls, session: Session, analyses: Sequence[Analysis]) -> _Batch:
        articles = [a.article for a in analyses]
        lookups = BatchLookups(
            session,
            urls=[a.url for a in articles],
            guids=[a.guid for a in articles if a.guid],
            hashes=[a.prints.text_hash for a in analyses],
            signatures=[a.prints.signature for a in analyses],
        )
        batch = cls(lookups)
        story_index.prefetch_term_stats(
            session, {t for a in analyses for t in a.terms}, batch.pending
        )
        story_index.prefetch_candidates(session, (a.terms for a in analyses), batch.pending)
        return batch


def ingest(
    ctx: IngestContext, db: Database, article: Article, now: datetime, *, archive: bool = False
) -> IngestResult:
    """Analyse, decide and store one article in a transaction of its own."""
    analysis = analyse(article, ctx.analyser)
    return ingest_batch(ctx, db, [analysis], now, archive=archive)[0]


def ingest_batch(
    ctx: IngestContext,
    db: Database,
    analyses: Sequence[Analysis],
    now: datetime,
    *,
    archive: bool = False,
    on_each: Callable[[IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Decide and store the analysed articles, `BATCH_SIZE` per transaction, in order."""
    results: list[IngestResult] = []
    for start in range(0, len(analyses), BATCH_SIZE):
        with collector.paused(), db.session() as session:
            lock_ingest(session)
            batch = _Batch.open(session, analyses[start : start + BATCH_SIZE])
            for analysis in analyses[start : start + BATCH_SIZE]:
                result = _ingest_one(ctx, session, analysis, now, archive, batch)
                batch.results.append(result)
            batch.pending.flush(session)
        results += batch.results
        if on_each is not None:
            for result in batch.results:
                on_each(result)
    return results


def ingest_in_session(
    ctx: IngestContext,
    session: Session,
    analysis: Analysis,
    now: datetime,
    *,
    archive: bool = False,
) -> IngestResult:
    """One article inside the caller's transaction (`rdwatch explain` rolls it back)."""
    batch = _Batch.open(session, [analysis])
    result = _ingest_one(ctx, session, analysis, now, archive, batch)
    batch.pending.flush(session)
    return result


def _ingest_one(
    ctx: IngestContext,
    session: Session,
    analysis: Analysis,
    now: datetime,
    archive: bool,
    batch: _Batch,
) -> IngestResult:
    article = analysis.article
    if batch.lookups.seen(article.url, article.guid):
        seen = DedupDecision(
            ArticleStatus.DUPLICATE, DedupTier.SEEN, "seen: URL or guid already stored"
        )
        return IngestResult(article.url, seen, None, None)
    decision, bridged = decide(session, analysis, ctx.config.dedup, batch.pending, batch.lookups)
    if archive:
        decision = replace(
            decision, status=ArticleStatus.ARCHIVE, reason=f"archive article; {decision.reason}"
        )
    publisher = article.publisher or publisher_of(article.url, fallback=article.source)
    story = _story_for(session, decision, article, now, archive, batch.pending)
    prints = analysis.prints
    new = article_store.NewArticle(
        replace(article, publisher=publisher),
        decision,
        prints.text_hash,
        prints.signature,
        analysis.facts,
    )
    article_id = batch.pending.add_article(session, article_store.article_row(new, story.id, now))
    _remember(batch, analysis, decision, article_id, story.id)
    if decision.status == ArticleStatus.DUPLICATE:
        story = _copy_joins(story, analysis)
    else:
        story = _join(ctx, session, story, analysis, article_id, publisher, batch.pending)
    batch.pending.update_story(story)
    merged = tuple(b for b in bridged if b != story.id)
    if merged:
        story = _merge(session, story, merged, batch)
    record_article(session, ctx.config.notability, story.id, article_id, new, now)
    if story.is_archive:
        return IngestResult(article.url, decision, article_id, story.id, merged=merged)
    notability, queued = _score_and_queue(ctx, session, story, now, batch)
    return IngestResult(article.url, decision, article_id, story.id, notability, queued, merged)


def _remember(
    batch: _Batch, analysis: Analysis, decision: DedupDecision, article_id: int, story_id: int
) -> None:
    """The stored article's facts and bands, written with the batch; and the batch's later
    decisions see it as a stored article."""
    article, prints = analysis.article, analysis.prints
    indexed = decision.status != ArticleStatus.DUPLICATE
    batch.pending.add_facts(article_id, analysis.facts)
    if indexed and prints.signature:
        batch.pending.add_bands(article_id, prints.signature)
    candidate = Candidate(
        article_id, article.url, story_id, prints.signature, title=article.title,
        published=article.published,
    )  # fmt: skip
    batch.lookups.add(
        candidate, guid=article.guid, text_hash=prints.text_hash, text=article.text,
        indexed=indexed,
    )  # fmt: skip


def _story_for(
    session: Session,
    decision: DedupDecision,
    article: Article,
    now: datetime,
    archive: bool,
    pending: PendingWrites,
) -> StoryAggregate:
    """The story the decision names, as the batch left it, or a new one."""
    if decision.story_id is not None:
        return pending.aggregate(session, decision.story_id)
    opened = NewStory(article.title, now, archive)
    return pending.open_story(session, opened, lead_of(article.text))


def decide(
    session: Session,
    analysis: Analysis,
    settings: DedupConfig,
    pending: PendingWrites | None = None,
    lookups: BatchLookups | None = None,
) -> tuple[DedupDecision, tuple[int, ...]]:
    """The dedup tiers in order: exact copy, near copy (LSH candidates verified on their
    shingles), same story (the term index's candidates scored on their aggregates). Returns the
    decision and the other stories the article bridges."""
    prints = analysis.prints
    if lookups is None:
        lookups = _single_lookups(session, analysis)
    exact = lookups.exact(prints.text_hash)
    candidates = [] if exact else lookups.band_candidates(prints.signature)
    shortlisted = [c.article_id for c, _ in dedup.shortlist(prints.signature, candidates)]
    stored = {
        article_id: dedup.shingles_of(
            text, words=settings.shingle_words, chars=settings.shingle_chars
        )
        for article_id, text in lookups.texts(shortlisted).items()
    }
    decision = dedup.decide(
        text_hash=prints.text_hash,
        signature=prints.signature,
        exact_match=exact,
        candidates=candidates,
        near_threshold=settings.near_duplicate_threshold,
        shingle_set=prints.shingles,
        stored_shingles=stored,
    )
    if decision.status != ArticleStatus.NEW:
        return decision, ()
    stats = story_index.term_stats(session, analysis.terms, pending)
    pool = story_index.find_story_candidates(session, analysis.terms, stats, pending)
    rules = dedup.StoryRules(
        settings.same_story_threshold, settings.same_story_days, settings.merge_threshold
    )
    query = dedup.StoryQuery(analysis.terms, analysis.anchors, analysis.article.published)
    match = dedup.match_story(query, pool, stats, rules)
    if match.decision is not None:
        return match.decision, match.bridged
    if match.closest is None:
        return decision, ()
    return replace(decision, reason=f"{decision.reason}; {match.closest}"), ()


def decide_each(
    session: Session, analyses: Sequence[Analysis], settings: DedupConfig
) -> list[DedupDecision]:
    """What a batch would decide for each article against the store as it is, storing nothing
    (so no article sees another): the batch's copy-tier lookups and term counts read once."""
    batch = _Batch.open(session, analyses)
    return [decide(session, a, settings, batch.pending, batch.lookups)[0] for a in analyses]


def _single_lookups(session: Session, analysis: Analysis) -> BatchLookups:
    article = analysis.article
    return BatchLookups(
        session,
        urls=[article.url],
        guids=[article.guid] if article.guid else [],
        hashes=[analysis.prints.text_hash],
        signatures=[analysis.prints.signature],
    )


def _join(
    ctx: IngestContext,
    session: Session,
    story: StoryAggregate,
    analysis: Analysis,
    article_id: int,
    publisher: str,
    pending: PendingWrites,
) -> StoryAggregate:
    """The story with the article's contribution: its facts, publisher, dates, watched entities
    and terms (recorded as pending writes)."""
    article = analysis.article
    in_title, in_lead = _watched(ctx, session, story)
    in_title = sorted({*in_title, *watched_entities(article.title, ctx.gazetteer)})
    in_lead = sorted({*in_lead, *watched_entities(lead_of(article.text), ctx.gazetteer)})
    terms = list(analysis.terms)
    held = (
        story_index.terms_held(session, story.id, terms, pending)
        if story.indexed_articles
        else set()
    )
    pending.add_member_terms(story.id, terms, analysis.lead_terms, held)
    if publisher not in story.publishers:
        pending.add_publisher(story.id, publisher, article_id)
    dates = [d for d in (story.first_published, story.last_published, article.published) if d]
    return replace(
        story,
        indexed_articles=story.indexed_articles + 1,
        facts=merge_story_facts(story.facts, analysis.facts),
        publishers=tuple(sorted({*story.publishers, publisher})),
        source_names=tuple(sorted({*story.source_names, article.source})),
        watched_in_title=tuple(in_title),
        watched_in_lead=tuple(in_lead),
        first_published=min(dates, default=None),
        last_published=max(dates, default=None),
    )


def _copy_joins(story: StoryAggregate, analysis: Analysis) -> StoryAggregate:
    """A copy adds no outlet and no terms; an updated copy may add facts."""
    return replace(story, facts=merge_story_facts(story.facts, analysis.facts))


def _watched(
    ctx: IngestContext, session: Session, story: StoryAggregate
) -> tuple[Sequence[str], Sequence[str]]:
    """The story's watched entities so far (computed once for stories stored before they were
    kept)."""
    if story.watched_in_title is not None and story.watched_in_lead is not None:
        return story.watched_in_title, story.watched_in_lead
    titles = " ".join(story_store.member_titles(session, story.id))
    return watched_entities(titles, ctx.gazetteer), watched_entities(story.lead, ctx.gazetteer)


def _merge(
    session: Session, story: StoryAggregate, others: Iterable[int], batch: _Batch
) -> StoryAggregate:
    """The stories an article bridged become one: the archive's, else the oldest, holds them.
    Merges are rare and move whole stories, so they run on written state: the batch's pending
    writes go first."""
    pending = batch.pending
    pending.flush(session)
    pending.clear()
    group = [story_store.load_aggregate(session, i) for i in (story.id, *others)]
    into = min(group, key=lambda s: (not s.is_archive, s.id))
    for other in group:
        if other.id == into.id:
            continue
        facts = merge_facts([into.facts, other.facts])
        story_store.merge_stories(session, into, other, facts)
        batch.lookups.move_story(other.id, into.id)
        log.info("story %d merged into story %d", other.id, into.id)
        into = story_store.load_aggregate(session, into.id)
    return pending.aggregate(session, into.id)


def _score_and_queue(
    ctx: IngestContext, session: Session, story: StoryAggregate, now: datetime, batch: _Batch
) -> tuple[Notability, int]:
    """Re-score the story from its aggregates and queue its alerts (and updates)."""
    if batch.archive_keys is None:
        batch.archive_keys = article_store.archive_fact_keys(session)
    configured = ctx.source_weights
    # Only a story naming someone in a role can report a change of role.
    named = any(f.kind == "person" and f.role for f in story.facts)
    moves = timeline_store.story_role_changes(session, story.id) if named else []
    evidence = StoryEvidence(
        title=story.title,
        lead=story.lead,
        facts=story.facts,
        watched_in_title=story.watched_in_title or (),
        watched_in_lead=story.watched_in_lead or (),
        outlets=story.publishers,
        source_weight=max(
            (configured[s] for s in story.source_names if s in configured), default=1.0
        ),
        role_changes=tuple(describe_change(m) for m in moves),
    )
    notability = score_story(evidence, batch.archive_keys, ctx.config.notability)
    batch.pending.set_notability(story.id, notability)
    if not notability.notable:
        return notability, 0
    subject = RouteSubject(
        story.id, notability.score, notability.notable,
        (*(story.watched_in_title or ()), *(story.watched_in_lead or ())), story.facts, bool(moves),
    )  # fmt: skip
    channels = alert_channels(subject, ctx.channel_rules, ctx.config.alerts.urgency)
    queued = sum(
        _enqueue_alert(session, batch, story.id, channel, now, notability) for channel in channels
    )
    if ctx.config.alerts.updates and channels:
        queued += _queue_updates(ctx, session, story, channels, notability, now, batch)
    return notability, queued


def _enqueue_alert(
    session: Session,
    batch: _Batch,
    story_id: int,
    channel: str,
    now: datetime,
    notability: Notability,
) -> bool:
    """Queue the story's alert on the channel, written with the batch, unless it has one."""
    pending = batch.pending
    if pending.queued(story_id, channel, "alert"):
        return False
    if story_id not in pending.created and outbox_store.find_entry(session, story_id, channel):
        return False
    pending.enqueue(
        {"story_id": story_id, "channel": channel, "kind": "alert", "status": outbox_store.PENDING,
         "attempts": 0, "created_at": now, "score": notability.score}
    )  # fmt: skip
    return True


def _queue_updates(
    ctx: IngestContext,
    session: Session,
    story: StoryAggregate,
    channels: Sequence[str],
    notability: Notability,
    now: datetime,
    batch: _Batch,
) -> int:
    """An update per channel whose alert went out, when the story changed materially since the
    channel's last message, within the channel's rate limit (`rdwatch.intelligence.updates`)."""
    history = outbox_store.story_history(session, [story.id])
    if not any(e.sent_at is not None for e in history):
        return 0  # not alerted yet: the alert itself will carry every fact known by then
    alerts = ctx.config.alerts
    rules = UpdateRules(alerts.update_interval, alerts.max_updates_per_story)
    queued = 0
    for channel in channels:
        plan = plan_update(
            channel_history(history, channel), story.facts, batch.archive_keys or set(),
            ctx.config.notability, rules, now,
        )  # fmt: skip
        if plan is not None:
            queued += outbox_store.enqueue(
                session, story.id, channel, now, kind="update", score=notability.score,
                sequence=plan.sequence, not_before=plan.not_before,
            )  # fmt: skip
    return queued
