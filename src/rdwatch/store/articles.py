"""Articles, stories and facts: storing pipeline results and reading them back as domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from rdwatch.dedup import band_hashes, pack_signature
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupDecision,
    Fact,
    Notability,
    StoryArticle,
    StoryView,
)
from rdwatch.store.schema import ArticleRow, FactRow, LshBandRow, StoryFactRow, StoryRow

T = TypeVar("T")
# Bound parameter lists longer than this are split: SQLite allows 32,766 per statement.
IN_LIST_CHUNK = 500

FACT_ATTRIBUTES = ("value", "currency", "usd", "unit", "role", "org", "speaker", "qualifier")


@dataclass(frozen=True)
class NewArticle:
    """Everything the pipeline decided about one article, ready to store."""

    article: Article
    decision: DedupDecision
    content_hash: str
    signature: tuple[int, ...]
    facts: tuple[Fact, ...]


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    wanted = list(set(urls))
    found: set[str] = set()
    for chunk in chunks(wanted):
        found.update(session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
    return found


def known_guids(session: Session, guids: Iterable[str]) -> set[str]:
    wanted = [g for g in set(guids) if g]
    found: set[str] = set()
    for chunk in chunks(wanted):
        rows = session.scalars(select(ArticleRow.guid).where(ArticleRow.guid.in_(chunk)))
        found.update(g for g in rows if g)
    return found


def add_article(session: Session, new: NewArticle, story_id: int, now: datetime) -> int | None:
    """Store the article with its facts and LSH bands; None when its URL is already stored."""
    article, decision = new.article, new.decision
    row = ArticleRow(
        url=article.url,
        guid=article.guid,
        source=article.source,
        publisher=article.publisher,
        title=article.title,
        text=article.text,
        published=article.published,
        fetched_at=now,
        content_hash=new.content_hash,
        signature=pack_signature(new.signature) if new.signature else None,
        status=decision.status.value,
        tier=decision.tier.value,
        dedup_reason=decision.reason,
        similarity=decision.similarity,
        story_id=story_id,
        duplicate_of_id=decision.matched_article_id
        if decision.status == ArticleStatus.DUPLICATE
        else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    _add_facts(session, row.id, new.facts)
    if new.signature and decision.status != ArticleStatus.DUPLICATE:
        # Duplicates add nothing to the index: their original already answers for them.
        session.add_all(
            LshBandRow(article_id=row.id, band=band, band_hash=value)
            for band, value in band_hashes(new.signature)
        )
    return row.id


def _add_facts(session: Session, article_id: int, facts: Iterable[Fact]) -> None:
    seen: set[str] = set()
    for fact in facts:
        if fact.key in seen:
            continue
        seen.add(fact.key)
        attributes = {
            name: getattr(fact, name) for name in FACT_ATTRIBUTES if getattr(fact, name) is not None
        }
        session.add(
            FactRow(
                article_id=article_id,
                kind=fact.kind,
                key=fact.key,
                text=fact.text,
                sentence=fact.sentence,
                attributes=attributes,
            )
        )


def story_facts(session: Session, story_id: int) -> tuple[Fact, ...]:
    """The union of the story's facts, one per key, in order of first appearance."""
    return _facts_by_story(session, [story_id]).get(story_id, ())


def _facts_by_story(session: Session, story_ids: Sequence[int]) -> dict[int, tuple[Fact, ...]]:
    merged: dict[int, dict[str, Fact]] = {}
    for chunk in chunks(story_ids):
        rows = session.execute(
            select(ArticleRow.story_id, FactRow)
            .join(ArticleRow, FactRow.article_id == ArticleRow.id)
            .where(ArticleRow.story_id.in_(chunk))
            .order_by(FactRow.id)
        )
        for story_id, row in rows:
            merged.setdefault(story_id, {}).setdefault(row.key, fact_from_row(row))
    return {story_id: tuple(facts.values()) for story_id, facts in merged.items()}


def archive_fact_keys(session: Session) -> set[str]:
    rows = session.scalars(
        select(FactRow.key)
        .join(ArticleRow, FactRow.article_id == ArticleRow.id)
        .join(StoryRow, ArticleRow.story_id == StoryRow.id)
        .where(StoryRow.is_archive.is_(True))
        .distinct()
    )
    return set(rows)


def article_text(session: Session, article_id: int) -> str:
    return session.scalar(select(ArticleRow.text).where(ArticleRow.id == article_id)) or ""


def story_is_archive(session: Session, story_id: int) -> bool:
    return bool(session.scalar(select(StoryRow.is_archive).where(StoryRow.id == story_id)))


def set_story_notability(session: Session, story_id: int, notability: Notability) -> None:
    story = session.get_one(StoryRow, story_id)
    story.notable = notability.notable
    story.score = round(notability.score, 4)
    story.reasons = [str(r) for r in notability.reasons]


def get_story(session: Session, story_id: int) -> StoryView | None:
    story = session.get(StoryRow, story_id, options=[selectinload(StoryRow.articles)])
    if story is None:
        return None
    return _story_view(story, story_facts(session, story_id))


def get_stories(session: Session, story_ids: Sequence[int]) -> list[StoryView]:
    """The stories with these ids, in the order given; ids with no story are left out.

    Three queries per 500 stories, not three per story: a run's new-stories table can list hundreds.
    """
    rows: dict[int, StoryRow] = {}
    for chunk in chunks(story_ids):
        query = select(StoryRow).options(selectinload(StoryRow.articles))
        rows.update((r.id, r) for r in session.scalars(query.where(StoryRow.id.in_(chunk))))
    facts = _facts_by_story(session, list(rows))
    return [_story_view(rows[i], facts.get(i, ())) for i in story_ids if i in rows]


def list_stories(session: Session, *, limit: int | None = None) -> list[StoryView]:
    query = select(StoryRow).options(selectinload(StoryRow.articles)).order_by(StoryRow.id.desc())
    if limit:
        query = query.limit(limit)
    return [_story_view(story, ()) for story in session.scalars(query)]


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count(ArticleRow.id))) or 0


def export_records(session: Session) -> Iterator[dict[str, Any]]:
    """One §4.3 export record per article, in storage order."""
    stories: dict[int, StoryRow] = {}
    query = select(ArticleRow).options(
        selectinload(ArticleRow.facts), selectinload(ArticleRow.duplicate_of)
    )
    for row in session.scalars(query.order_by(ArticleRow.id)).yield_per(500):
        story = stories.get(row.story_id) or session.get_one(StoryRow, row.story_id)
        stories[row.story_id] = story
        yield {
            "url": row.url,
            "title": row.title,
            "published": row.published.isoformat() if row.published else None,
            "source": row.source,
            "publisher": row.publisher or row.source,
            "status": row.status,
            "story_id": row.story_id,
            "duplicate_of": row.duplicate_of.url if row.duplicate_of else None,
            "tier": row.tier,
            "dedup_reason": row.dedup_reason,
            "similarity": row.similarity,
            "notable": story.notable,
            "score": story.score,
            "reasons": list(story.reasons or []),
            "facts": [fact_from_row(f).to_dict() for f in row.facts],
        }


def _story_view(story: StoryRow, facts: tuple[Fact, ...]) -> StoryView:
    return StoryView(
        id=story.id,
        title=story.title,
        first_seen=story.first_seen_at,
        is_archive=story.is_archive,
        notable=story.notable,
        score=story.score,
        reasons=tuple(story.reasons or ()),
        articles=tuple(
            StoryArticle(
                article_id=a.id,
                url=a.url,
                title=a.title,
                source=a.source,
                status=ArticleStatus(a.status),
                published=a.published,
                reason=a.dedup_reason,
                publisher=a.publisher,
            )
            for a in story.articles
        ),
        facts=facts,
    )


def fact_from_row(row: FactRow | StoryFactRow) -> Fact:
    attributes = {k: v for k, v in (row.attributes or {}).items() if k in FACT_ATTRIBUTES}
    return Fact(kind=row.kind, text=row.text, key=row.key, sentence=row.sentence, **attributes)


def chunks(items: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
