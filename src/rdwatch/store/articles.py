"""Articles, stories and facts: storing pipeline results and reading them back as domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session, selectinload

from rdwatch.dedup import pack_signature
from rdwatch.models import (
    Article,
    ArticleStatus,
    DedupDecision,
    Fact,
    Notability,
    StoryArticle,
    StoryView,
)
from rdwatch.store.schema import (
    ArticleRow,
    FactRow,
    StoryFactRow,
    StoryPublisherRow,
    StoryRow,
)
from rdwatch.store.sql import chunks, execute

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


def article_row(new: NewArticle, story_id: int, now: datetime) -> dict[str, Any]:
    """The `articles` row of a decided article (without its id)."""
    article, decision = new.article, new.decision
    return {
        "url": article.url,
        "guid": article.guid,
        "source": article.source,
        "publisher": article.publisher,
        "headline_only": article.headline_only,
        "title": article.title,
        "text": article.text,
        "published": article.published,
        "fetched_at": now,
        "content_hash": new.content_hash,
        "signature": pack_signature(new.signature) if new.signature else None,
        "status": decision.status.value,
        "tier": decision.tier.value,
        "dedup_reason": decision.reason,
        "similarity": decision.similarity,
        "story_id": story_id,
        "duplicate_of_id": decision.matched_article_id
        if decision.status == ArticleStatus.DUPLICATE
        else None,
    }


def fact_values(fact: Fact) -> dict[str, Any]:
    """A fact as the columns of `facts` and `story_facts` hold it."""
    attributes = {n: getattr(fact, n) for n in FACT_ATTRIBUTES if getattr(fact, n) is not None}
    return {
        "kind": fact.kind,
        "key": fact.key,
        "text": fact.text,
        "sentence": fact.sentence,
        "attributes": attributes,
    }


def story_facts(session: Session, story_id: int) -> tuple[Fact, ...]:
    """The story's facts merged over its articles, in order of first appearance."""
    return _facts_by_story(session, [story_id]).get(story_id, ())


def _facts_by_story(session: Session, story_ids: Sequence[int]) -> dict[int, tuple[Fact, ...]]:
    merged: dict[int, list[Fact]] = {}
    for chunk in chunks(story_ids):
        rows = session.scalars(
            select(StoryFactRow)
            .where(StoryFactRow.story_id.in_(chunk))
            .order_by(StoryFactRow.story_id, StoryFactRow.position)
        )
        for row in rows:
            merged.setdefault(row.story_id, []).append(fact_from_row(row))
    return {story_id: tuple(facts) for story_id, facts in merged.items()}


def archive_fact_keys(session: Session) -> set[str]:
    rows = session.scalars(
        select(StoryFactRow.key)
        .join(StoryRow, StoryFactRow.story_id == StoryRow.id)
        .where(StoryRow.is_archive.is_(True))
        .distinct()
    )
    return set(rows)


def article_text(session: Session, article_id: int) -> str:
    return session.scalar(select(ArticleRow.text).where(ArticleRow.id == article_id)) or ""


def article_openings(
    session: Session, article_ids: Sequence[int], chars: int = 3000
) -> dict[int, str]:
    """The first `chars` characters of each article's text, by article id (an alert's lead is
    taken from the opening; whole texts of long articles are not read)."""
    openings: dict[int, str] = {}
    for chunk in chunks(list(article_ids)):
        query = select(ArticleRow.id, func.substr(ArticleRow.text, 1, chars))
        for article_id, text in session.execute(query.where(ArticleRow.id.in_(chunk))):
            openings[int(article_id)] = text or ""
    return openings


def story_watched_names(session: Session, story_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The watched entities each story names in a headline or lead, as ingest recorded them."""
    names: dict[int, tuple[str, ...]] = {}
    for chunk in chunks(list(story_ids)):
        query = select(StoryRow.id, StoryRow.watched_in_title, StoryRow.watched_in_lead)
        for story_id, in_title, in_lead in session.execute(query.where(StoryRow.id.in_(chunk))):
            names[int(story_id)] = tuple(dict.fromkeys([*(in_title or ()), *(in_lead or ())]))
    return names


def story_is_archive(session: Session, story_id: int) -> bool:
    return bool(session.scalar(select(StoryRow.is_archive).where(StoryRow.id == story_id)))


def set_story_notability(session: Session, story_id: int, notability: Notability) -> None:
    execute(
        session,
        update(StoryRow)
        .where(StoryRow.id == story_id)
        .values(
            notable=notability.notable,
            score=round(notability.score, 4),
            reasons=[str(r) for r in notability.reasons],
        ),
    )


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
    """One §4.3 export record per article, in storage order.

    Each fact is `novel` when no archive story holds it and no earlier article of its story
    reported it: the article brought it to the story."""
    stories: dict[int, StoryRow] = {}
    outlets: dict[int, int] = {}
    archive = archive_fact_keys(session)
    reported: dict[int, set[str]] = {}
    query = select(ArticleRow).options(
        selectinload(ArticleRow.facts), selectinload(ArticleRow.duplicate_of)
    )
    for row in session.scalars(query.order_by(ArticleRow.id)).yield_per(500):
        story = stories.get(row.story_id) or session.get_one(StoryRow, row.story_id)
        stories[row.story_id] = story
        if row.story_id not in outlets:
            outlets[row.story_id] = _count_outlets(session, row.story_id)
        yield {
            "url": row.url,
            "title": row.title,
            "published": row.published.isoformat() if row.published else None,
            "source": row.source,
            "publisher": row.publisher or row.source,
            "headline_only": row.headline_only,
            "status": row.status,
            "story_id": row.story_id,
            "duplicate_of": row.duplicate_of.url if row.duplicate_of else None,
            "tier": row.tier,
            "dedup_reason": row.dedup_reason,
            "similarity": row.similarity,
            "notable": story.notable,
            "score": story.score,
            "reasons": list(story.reasons or []),
            "outlets": outlets[row.story_id],
            "facts": _novel_facts(row, archive, reported.setdefault(row.story_id, set())),
        }


def _novel_facts(row: ArticleRow, archive: set[str], reported: set[str]) -> list[dict[str, Any]]:
    facts = []
    for fact in row.facts:
        novel = (
            row.status != ArticleStatus.ARCHIVE
            and fact.key not in archive
            and fact.key not in reported
        )
        facts.append({**fact_from_row(fact).to_dict(), "novel": novel})
    reported.update(f.key for f in row.facts)
    return facts


def _count_outlets(session: Session, story_id: int) -> int:
    """Independent publishers of the story (copies add none)."""
    counted = select(func.count()).where(StoryPublisherRow.story_id == story_id)
    return int(session.scalar(counted) or 0)


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


def fact_from_row(row: FactRow | StoryFactRow | Row[Any]) -> Fact:
    attributes = {k: v for k, v in (row.attributes or {}).items() if k in FACT_ATTRIBUTES}
    return Fact(kind=row.kind, text=row.text, key=row.key, sentence=row.sentence, **attributes)
