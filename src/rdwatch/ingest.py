"""Ingesting one article: the dedup decision, the article, its facts and LSH bands, the story's
new score and its outbox rows, committed together in one transaction under the ingest lock, so a
killed run leaves nothing half-stored.

`ingest` is what the pipeline calls per article; `analyse` and `ingest_in_session` are its two
halves, the CPU work done before taking the lock and the decisions made under it, which
`rdwatch explain` runs in a transaction it rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from rdwatch import dedup
from rdwatch.config import DedupConfig
from rdwatch.facts import extract_facts, watched_entities
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupDecision,
    DedupTier,
    Fact,
    Notability,
    StoryView,
)
from rdwatch.notability import StoryEvidence, lead_of, notable_new_facts, score_story
from rdwatch.notify import wants_alert
from rdwatch.store import articles as article_store
from rdwatch.store import dedup_index
from rdwatch.store import outbox as outbox_store
from rdwatch.store.locks import lock_ingest

if TYPE_CHECKING:  # the pipeline calls this module; at run time only its attributes are used
    from rdwatch.pipeline import Pipeline


@dataclass(frozen=True)
class IngestResult:
    url: str
    decision: DedupDecision
    article_id: int | None
    story_id: int | None
    notability: Notability | None = None
    alerts_queued: int = 0


def ingest(pipeline: Pipeline, article: Article, *, archive: bool = False) -> IngestResult:
    """Decide, store and score one article in one transaction under the ingest lock."""
    prints, facts = analyse(pipeline, article)
    now = pipeline.clock()
    with pipeline.db.session() as session:
        lock_ingest(session)
        return ingest_in_session(pipeline, session, article, prints, facts, now, archive=archive)


def analyse(pipeline: Pipeline, article: Article) -> tuple[dedup.Fingerprint, tuple[Fact, ...]]:
    """What dedup and notability need of an article; CPU work done before taking the lock."""
    settings = pipeline.config.dedup
    prints = dedup.fingerprint(
        article.text, words=settings.shingle_words, chars=settings.shingle_chars
    )
    facts = extract_facts(
        article.text,
        title=article.title,
        gazetteer=pipeline.gazetteer,
        rates=pipeline.rates,
        published=article.published,
    )
    return prints, facts


def ingest_in_session(
    pipeline: Pipeline,
    session: Session,
    article: Article,
    prints: dedup.Fingerprint,
    facts: tuple[Fact, ...],
    now: datetime,
    *,
    archive: bool = False,
) -> IngestResult:
    """`ingest` inside the caller's transaction, so `rdwatch explain` can run it and roll back."""
    if article_store.known_urls(session, [article.url]) or (
        article.guid and article_store.known_guids(session, [article.guid])
    ):
        seen = DedupDecision(
            ArticleStatus.DUPLICATE, DedupTier.SEEN, "seen: URL or guid already stored"
        )
        return IngestResult(article.url, seen, None, None)
    decision = _decide(session, article, prints, facts, pipeline.config.dedup)
    if archive:
        decision = _as_archive(decision)
    story_id = decision.story_id or article_store.add_story(
        session, article.title, now, is_archive=archive
    )
    new = article_store.NewArticle(article, decision, prints.text_hash, prints.signature, facts)
    article_id = article_store.add_article(session, new, story_id, now)
    if article_id is None or article_store.story_is_archive(session, story_id):
        return IngestResult(article.url, decision, article_id, story_id)
    notability, queued = _score_and_queue(pipeline, session, story_id, now)
    return IngestResult(article.url, decision, article_id, story_id, notability, queued)


def _decide(
    session: Session,
    article: Article,
    prints: dedup.Fingerprint,
    facts: Sequence[Fact],
    settings: DedupConfig,
) -> DedupDecision:
    """The dedup tiers in order: exact, near (LSH candidates verified exactly), same story."""
    exact = dedup_index.find_exact(session, prints.text_hash)
    candidates = [] if exact else dedup_index.find_candidates(session, prints.signature)
    shortlisted = [c.article_id for c, _ in dedup.shortlist(prints.signature, candidates)]
    stored = {
        article_id: dedup.shingles_of(
            text, words=settings.shingle_words, chars=settings.shingle_chars
        )
        for article_id, text in dedup_index.article_texts(session, shortlisted).items()
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
        return decision
    keys = frozenset(f.key for f in facts)
    distinctive = dedup.distinctive_keys(keys)
    pool = dedup_index.find_story_candidates(session, candidates, distinctive)
    query = dedup.StoryQuery(prints.signature, keys, article.title, article.published)
    rules = dedup.StoryRules(settings.same_story_threshold, settings.same_story_days)
    holding = dedup_index.stories_holding(session, distinctive)
    match = dedup.match_story(query, pool, rules=rules, stories_holding=holding)
    if match.decision is not None:
        return match.decision
    if match.closest is None:
        return decision
    return replace(decision, reason=f"{decision.reason}; {match.closest}")


def _as_archive(decision: DedupDecision) -> DedupDecision:
    """Archive articles keep their dedup tier and story, but their status is always `archive`."""
    return replace(
        decision, status=ArticleStatus.ARCHIVE, reason=f"archive article; {decision.reason}"
    )


def _score_and_queue(
    pipeline: Pipeline, session: Session, story_id: int, now: datetime
) -> tuple[Notability, int]:
    """Re-score the story with everything now known and queue its alerts (and follow-up)."""
    story = article_store.get_story(session, story_id)
    assert story is not None
    first = story.articles[0]
    lead = lead_of(article_store.article_text(session, first.article_id))
    weights = [pipeline.config.source(s).weight for s in story.outlets if _configured(pipeline, s)]
    evidence = StoryEvidence(
        title=first.title,
        lead=lead,
        facts=story.facts,
        watched_in_title=watched_entities(
            " ".join(a.title for a in story.articles), pipeline.gazetteer
        ),
        watched_in_lead=watched_entities(lead, pipeline.gazetteer),
        outlets=story.outlets,
        source_weight=max(weights, default=1.0),
    )
    archive_keys = article_store.archive_fact_keys(session)
    notability = score_story(evidence, archive_keys, pipeline.config.notability)
    article_store.set_story_notability(session, story_id, notability)
    queued = 0
    if not notability.notable:
        return notability, queued
    for sender in pipeline.senders:
        if not wants_alert(sender, notability.score):
            continue
        queued += outbox_store.enqueue(
            session, story_id, sender.channel_id, now, score=notability.score
        )
        if pipeline.config.alerts.updates:
            queued += _queue_update(pipeline, session, story, sender.channel_id, notability, now)
    return notability, queued


def _queue_update(
    pipeline: Pipeline,
    session: Session,
    story: StoryView,
    channel: str,
    notability: Notability,
    now: datetime,
) -> bool:
    """One follow-up per channel, ever, once the first alert went out and a notable fact arrived."""
    first = outbox_store.find_entry(session, story.id, channel, "alert")
    if first is None or first.sent_at is None:
        return False  # not alerted yet: the alert itself will carry every fact known by then
    known = outbox_store.fact_keys_until(session, story.id, first.sent_at)
    archive_keys = article_store.archive_fact_keys(session)
    new = notable_new_facts(story.facts, known, archive_keys, pipeline.config.notability)
    if not new:
        return False
    return outbox_store.enqueue(
        session, story.id, channel, now, kind="update", score=notability.score
    )


def _configured(pipeline: Pipeline, source_name: str) -> bool:
    return any(s.name == source_name for s in pipeline.config.sources)
