"""Story aggregates and merges, on SQLite and PostgreSQL: an article that bridges two stories
merges them, and an alert already sent for either stays the only alert."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.facts import merge_facts
from rdwatch.models import Article
from rdwatch.store import outbox
from rdwatch.store import stories as story_store
from rdwatch.store.schema import ArticleRow, StoryRow, StoryTermRow, TermStatRow
from tests.conftest import make_config_data

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _article(n: int, title: str, text: str, published: date) -> Article:
    return Article(
        url=f"https://wire{n}.example/{n}",
        title=title,
        text=text,
        source=f"wire{n}",
        published=published,
        publisher=f"Wire {n}",
    )


FIRST = _article(
    1,
    "Zorvex Labs opens Qlarion chip centre in Hangzhou",
    "Zorvex Labs opened its Qlarion chip design centre in Hangzhou with 300 engineers.",
    date(2026, 3, 1),
)
SECOND = _article(
    2,
    "Brightwave invests in Norvane robotics",
    "Brightwave invested US$40 million in the Norvane robotics start-up in Shenzhen.",
    date(2026, 3, 2),
)


def test_merging_moves_members_terms_and_alerts_without_a_second_alert(
    database_url: str, tmp_path: Path
) -> None:
    config = parse_config(make_config_data(tmp_path, database_url=database_url, archive=None))
    opened = core.open_pipeline(config)
    try:
        first = opened.ingest_article(FIRST)
        second = opened.ingest_article(SECOND)
        assert first.story_id != second.story_id
        with opened.db.session() as session:
            outbox.enqueue(session, first.story_id, "chat", NOW)  # sent below
            outbox.enqueue(session, second.story_id, "chat", NOW)  # still pending
            [sent] = [e for e in outbox.list_entries(session) if e.story_id == first.story_id]
            outbox.mark_sent(session, sent.id, NOW)
        with opened.db.session() as session:
            into = story_store.load_aggregate(session, first.story_id)
            other = story_store.load_aggregate(session, second.story_id)
            facts = merge_facts([into.facts, other.facts])
            story_store.merge_stories(session, into, other, facts)
        with opened.db.session() as session:
            merged = story_store.load_aggregate(session, first.story_id)
            members = set(session.scalars(select(ArticleRow.story_id)))
            gone = session.get_one(StoryRow, second.story_id)
            left = session.scalars(
                select(StoryTermRow.term).where(StoryTermRow.story_id == second.story_id)
            ).all()
            stats = {
                r.term: r.stories
                for r in session.execute(select(TermStatRow.term, TermStatRow.stories))
            }
            entries = outbox.list_entries(session)
    finally:
        opened.close()
    assert members == {first.story_id}
    assert gone.merged_into_id == first.story_id and left == []
    assert merged.indexed_articles == 2 and set(merged.publishers) == {"Wire 1", "Wire 2"}
    assert merged.first_published == date(2026, 3, 1) and merged.last_published == date(2026, 3, 2)
    assert {f.key for f in other.facts} <= {f.key for f in merged.facts}
    assert all(n >= 1 for n in stats.values())
    assert [(e.story_id, e.status) for e in entries] == [
        (first.story_id, "sent"),
        (second.story_id, "cancelled"),
    ]
