"""What `rdwatch replay` reads of the store (the stored articles, as ingest received them) and the
scratch store it replays them into: the schema built in a fresh SQLite file, used in one
transaction that is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from rdwatch.models import Article, ArticleStatus, StoryView
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store.schema import ArticleRow, Base, OutboxRow, StoryRow

_COLUMNS = (
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.guid,
    ArticleRow.source,
    ArticleRow.publisher,
    ArticleRow.title,
    ArticleRow.text,
    ArticleRow.published,
    ArticleRow.status,
    ArticleRow.fetched_at,
)


@dataclass(frozen=True)
class StoredArticle:
    id: int
    article: Article
    archive: bool  # imported from the archive
    stored_at: datetime


def stored_articles(session: Session, after_id: int = 0, limit: int = 500) -> list[StoredArticle]:
    """The next stored articles after `after_id`, in the order they were stored."""
    query = select(*_COLUMNS).where(ArticleRow.id > after_id).order_by(ArticleRow.id).limit(limit)
    found = []
    for row in session.execute(query):
        article = Article(
            url=row.url, title=row.title, text=row.text, source=row.source,
            published=row.published, guid=row.guid, publisher=row.publisher,
        )  # fmt: skip
        found.append(
            StoredArticle(row.id, article, row.status == ArticleStatus.ARCHIVE, row.fetched_at)
        )
    return found


@contextmanager
def scratch_session(folder: Path) -> Iterator[Session]:
    """A session on an empty store in `folder`, whose one transaction is rolled back at the end."""
    engine = create_engine(f"sqlite:///{folder / 'replay.db'}")
    Base.metadata.create_all(engine)
    session = Session(engine)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        engine.dispose()


def mark_due_sent(session: Session, now: datetime, max_attempts: int) -> None:
    """What a delivery at `now` would record, without sending: every due row sent, with the
    story's fact keys it would have told."""
    for row_id in outbox_store.due_ids(session, now, max_attempts):
        story_id = session.get_one(OutboxRow, row_id).story_id
        told = [f.key for f in article_store.story_facts(session, story_id)] if story_id else None
        outbox_store.mark_sent(session, row_id, now, told)


def queued_alerts(session: Session) -> list[tuple[outbox_store.OutboxEntry, str, str]]:
    """Every outbox row with its story's first article URL and title (what identifies a story
    across two replays, whose story ids differ)."""
    found = []
    for entry in outbox_store.list_entries(session):
        if entry.story_id is None:  # a source-health alarm: no story to compare
            continue
        story = session.get_one(StoryRow, entry.story_id)
        first = session.scalar(
            select(ArticleRow.url).where(ArticleRow.story_id == story.id).order_by(ArticleRow.id)
        )
        found.append((entry, first or "", story.title))
    return found


def story_of(session: Session, url: str) -> StoryView | None:
    """The story holding the article at `url`."""
    story_id = session.scalar(select(ArticleRow.story_id).where(ArticleRow.url == url))
    return article_store.get_story(session, story_id) if story_id is not None else None
