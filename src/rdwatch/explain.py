"""`rdwatch explain`: one article through extract, dedup, facts and notability, with every reason.

The article goes through the pipeline's own ingest step (`ingest.ingest_in_session`: the same
dedup tiers, story choice, facts, scoring and outbox rules as a run) inside a transaction that is
always rolled back, so an explanation cannot drift from what a run would do and leaves no trace:
no article, story, fact, LSH band or outbox row is committed, and nothing is delivered (delivery is
a separate step explain never calls). The database is opened as every command opens it: created,
migrated and the archive imported on first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rdwatch import dedup, fetch
from rdwatch import pipeline as core
from rdwatch.analysis import Analysis, analyse
from rdwatch.archive import guess_date
from rdwatch.config import Config, FetchConfig
from rdwatch.errors import RdwatchError, StoreError
from rdwatch.extract import extract_article
from rdwatch.ingest import IngestResult, ingest_in_session
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupDecision,
    DedupTier,
    Fact,
    FeedItem,
    Notability,
)
from rdwatch.notify import wants_alert
from rdwatch.store import Database, story_index
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store.batch_lookups import BatchLookups
from rdwatch.store.locks import lock_ingest

EXPLAIN_SOURCE = "explain"  # the outlet name of an explained article unless --source names one
NEIGHBOURS_SHOWN = 5
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Neighbour:
    """What dedup looked at: a stored article that may be a copy (by text similarity), or a
    story the article may belong to (by the same-story score), named by its first article."""

    article_id: int | None
    url: str
    title: str
    story_id: int
    similarity: float  # estimated Jaccard of the MinHash signatures (copies)
    story_score: float  # the same-story tier's score (before its threshold)
    story_detail: str  # what the score is made of, or why the story was rejected


@dataclass(frozen=True)
class StoryRef:
    """The stored story the article would join."""

    id: int
    title: str
    is_archive: bool
    articles: int  # stored articles, not counting the explained one


@dataclass(frozen=True)
class AlertVerdict:
    would_alert: bool
    reason: str
    channels: tuple[str, ...] = ()  # channels that would get an alert (or follow-up) row


@dataclass(frozen=True)
class Explanation:
    """Everything a run would decide about one article, and why."""

    input: str
    article: Article
    decision: DedupDecision
    story: StoryRef | None  # None: a new story (or a seen article, which a run skips)
    neighbours: tuple[Neighbour, ...]
    facts: tuple[Fact, ...]
    notability: Notability | None  # None: not scored (seen, or joins an archive story)
    threshold: float
    alert: AlertVerdict

    def to_dict(self) -> dict[str, Any]:
        a, d, n = self.article, self.decision, self.notability
        return {
            "input": self.input,
            "url": a.url,
            "title": a.title,
            "published": a.published.isoformat() if a.published else None,
            "source": a.source,
            "text_chars": len(a.text),
            "dedup": {
                "status": d.status.value,
                "tier": d.tier.value,
                "reason": d.reason,
                "similarity": d.similarity,
                "matched_url": d.matched_url,
            },
            "story": vars(self.story) if self.story else None,
            "nearest": [vars(nb) for nb in self.neighbours],
            "facts": [{**f.to_dict(), "sentence": f.sentence} for f in self.facts],
            "notability": None
            if n is None
            else {
                "score": n.score,
                "threshold": self.threshold,
                "notable": n.notable,
                "rules": [
                    {"rule": r.rule, "points": r.weight, "reason": r.detail} for r in n.reasons
                ],
            },
            "alert": vars(self.alert) | {"channels": list(self.alert.channels)},
        }


# --- input: URL, HTML file or text file → Article ---


def load_article(target: str, settings: FetchConfig, *, source: str = EXPLAIN_SOURCE) -> Article:
    """The article at a URL (fetched with the config's fetch settings) or in a local file."""
    if target.startswith(("http://", "https://")):
        url = fetch.resolve_aggregator_url(target)  # a pasted Google News link → the publisher
        return asyncio.run(_fetch_article(url, settings, source))
    path = Path(target)
    if not path.is_file():
        raise RdwatchError(f"no such file: {target}", hint="give an http(s) URL or a file path")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise RdwatchError(f"{target}: the file is empty")
    url = path.resolve().as_uri()
    if path.suffix.lower() in _HTML_SUFFIXES or text.lstrip()[:1] == "<":
        return article_from_html(text, url=url, source=source)
    return article_from_text(text, url=url, source=source)


async def _fetch_article(url: str, settings: FetchConfig, source: str) -> Article:
    async with fetch.build_client(settings) as client:
        page = await fetch.fetch_page(url, settings, client=client)
    final_url = page.final_url if fetch.fits_store(page.final_url) else url
    return article_from_html(page.html, url=final_url, source=source)


def article_from_html(html: str, *, url: str, source: str) -> Article:
    """As the pipeline extracts a followed link; `<link rel=canonical>` decides the URL."""
    canonical = fetch.canonical_url(url, html)
    return extract_article(html, item=FeedItem(source=source, url=canonical), url=canonical)


def article_from_text(text: str, *, url: str, source: str) -> Article:
    """A plain-text article: the first non-empty line is its title, a date near the top its date."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return Article(
        url=url, title=lines[0], text=text.strip(), source=source, published=guess_date(lines)
    )


# --- explanation ---


def explain(config: Config, target: str, *, source: str | None = None) -> Explanation:
    """Load the article at `target` and explain it against the configured database."""
    if source is not None:
        config.source(source)  # ConfigError naming the configured sources when unknown
    article = load_article(target, config.fetch, source=source or EXPLAIN_SOURCE)
    pipeline = core.open_pipeline(config)
    try:
        return explain_article(pipeline, article, input=target)
    finally:
        pipeline.close()


def explain_article(pipeline: core.Pipeline, article: Article, *, input: str = "") -> Explanation:
    """What a run would decide about `article`, computed in a transaction that is rolled back."""
    ctx = pipeline.ingest_context
    analysis = analyse(article, ctx.analyser)
    now = pipeline.clock()
    with _rolled_back(pipeline.db) as session:
        lock_ingest(session)  # as ingest does: decide against a database no run is changing
        neighbours = _neighbours(pipeline, session, analysis)
        outbox_before = outbox_store.list_entries(session)
        result = ingest_in_session(ctx, session, analysis, now)
        story = _joined_story(session, result)
        known = {e.id for e in outbox_before}
        queued = [e for e in outbox_store.list_entries(session) if e.id not in known]
        earlier = [e for e in outbox_before if e.story_id == result.story_id]
    return Explanation(
        input=input or article.url,
        article=article,
        decision=result.decision,
        story=story,
        neighbours=neighbours,
        facts=analysis.facts,
        notability=result.notability,
        threshold=pipeline.config.notability.threshold,
        alert=_alert_verdict(pipeline, result, story, queued, earlier),
    )


@contextmanager
def _rolled_back(db: Database) -> Iterator[Session]:
    """A session whose transaction is never committed: why explain can write nothing."""
    session = Session(db.engine)
    try:
        yield session
    except OperationalError as exc:
        raise StoreError(f"database error: {str(exc.orig or exc).splitlines()[0]}") from exc
    finally:
        session.rollback()
        session.close()


def _neighbours(
    pipeline: core.Pipeline, session: Session, analysis: Analysis
) -> tuple[Neighbour, ...]:
    """The candidates the dedup tiers consider, closest first: stored articles sharing an LSH band
    (possible copies) and stories sharing the article's distinctive terms (possible same story)."""
    signature = analysis.prints.signature
    found = [
        Neighbour(
            c.article_id, c.url, c.title, c.story_id,
            round(dedup.estimate_jaccard(signature, c.signature), 4) if c.signature else 0.0,
            0.0, "shares an LSH band: a possible copy",
        )
        for c in BatchLookups(session, [], [], [], [signature]).band_candidates(signature)
    ]  # fmt: skip
    stats = story_index.term_stats(session, analysis.terms)
    rules = dedup.StoryRules(
        pipeline.config.dedup.same_story_threshold,
        pipeline.config.dedup.same_story_days,
        pipeline.config.dedup.merge_threshold,
    )
    query = dedup.StoryQuery(analysis.terms, analysis.anchors, analysis.article.published)
    for story in story_index.find_story_candidates(session, analysis.terms, stats):
        scored = dedup.score_story(query, story, stats, rules)
        detail = (
            f"rejected: {scored.rejected}; {scored.detail}" if scored.rejected else scored.detail
        )
        found.append(
            Neighbour(
                story.first_article_id, story.first_url, story.title, story.story_id, 0.0,
                scored.score, detail,
            )
        )  # fmt: skip
    found.sort(key=lambda n: -max(n.similarity, n.story_score))
    return tuple(found[:NEIGHBOURS_SHOWN])


def _joined_story(session: Session, result: IngestResult) -> StoryRef | None:
    if result.decision.story_id is None or result.story_id is None:
        return None  # a new story (its id exists only in the rolled-back transaction)
    story = article_store.get_story(session, result.story_id)
    if story is None:
        return None
    others = [a for a in story.articles if a.article_id != result.article_id]
    return StoryRef(story.id, story.title, story.is_archive, len(others))


def _alert_verdict(
    pipeline: core.Pipeline,
    result: IngestResult,
    story: StoryRef | None,
    queued: list[outbox_store.OutboxEntry],
    earlier: list[outbox_store.OutboxEntry],
) -> AlertVerdict:
    """Whether a run would queue an alert: the outbox rows ingest added (then rolled back)."""
    if result.decision.tier == DedupTier.SEEN:
        return AlertVerdict(False, "already stored: a run skips this URL before downloading it")
    notability = result.notability
    if notability is None:
        story_id = story.id if story else result.story_id
        duplicate = result.decision.status == ArticleStatus.DUPLICATE
        joins = "is a copy of an article of" if duplicate else "joins"
        return AlertVerdict(
            False,
            f"{joins} archive story {story_id}: archive stories are known news, never alerted",
        )
    threshold = pipeline.config.notability.threshold
    if not notability.notable:
        return AlertVerdict(False, f"not notable: score {notability.score:.2f} < {threshold:.2f}")
    if queued:
        rows = ", ".join(f"{e.kind} on {e.channel}" for e in queued)
        return AlertVerdict(True, f"would queue: {rows}", tuple(e.channel for e in queued))
    wanting = [s.channel_id for s in pipeline.senders if wants_alert(s, notability.score)]
    if not wanting:
        return AlertVerdict(
            False, f"notable, but no channel takes alerts scoring {notability.score:.2f}"
        )
    if not earlier:
        return AlertVerdict(False, "notable, but no channel's route or urgency band takes it")
    shown = ", ".join(f"{e.kind} on {e.channel} ({e.status})" for e in earlier)
    return AlertVerdict(
        False, f"notable, but story {result.story_id} already has its alerts: {shown}"
    )
