"""story aggregates: a term index per story, merged facts, publishers, coverage dates

Same-story matching now compares an article with what a whole story says, found through an
inverted index of the story's distinctive terms (`story_terms`, with `term_stats` counting the
stories that hold each term), and a story's notability is computed from aggregates kept as
articles join (`story_facts`, `story_publishers`, counts and dates on `stories`) instead of
reloading every member. Articles gain their `publisher`.

Existing stories are indexed from their stored articles with the installed rdwatch's term code.
Stored articles have no publisher: their source's name stands in, as it did. The watched entities
of a story depend on the gazetteer in the config, so they are left NULL here and filled in the
first time the story is scored.

Revision ID: 0004_story_aggregates
Revises: 0003_lengths
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from rdwatch.dedup.terms import MAX_TERM_CHARS, article_terms
from rdwatch.models import Fact

revision = "0004_story_aggregates"
down_revision = "0003_lengths"
branch_labels = None
depends_on = None

_BATCH = 500
_LEAD_CHARS = 400
_FACT_ATTRIBUTES = ("value", "currency", "usd", "unit", "role", "org", "speaker", "qualifier")


def upgrade() -> None:
    # Plain ADD COLUMN (and DROP COLUMN below, SQLite ≥ 3.35): no table rebuild, so the tables
    # other tables point at stay in place.
    for column in (
        sa.Column("indexed_articles", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_published", sa.Date),
        sa.Column("last_published", sa.Date),
        sa.Column("lead", sa.Text, nullable=False, server_default=""),
        sa.Column("watched_in_title", sa.JSON),
        sa.Column("watched_in_lead", sa.JSON),
        sa.Column("source_names", sa.JSON),
        sa.Column("merged_into_id", sa.Integer),
    ):
        op.add_column("stories", column)
    op.add_column("articles", sa.Column("publisher", sa.Text))
    op.create_table(
        "story_terms",
        sa.Column("term", sa.String(MAX_TERM_CHARS), primary_key=True),
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("articles", sa.Integer, nullable=False),
        sa.Column("lead_articles", sa.Integer, nullable=False),
    )
    op.create_index("ix_story_terms_story", "story_terms", ["story_id"])
    op.create_table(
        "term_stats",
        sa.Column("term", sa.String(MAX_TERM_CHARS), primary_key=True),
        sa.Column("stories", sa.Integer, nullable=False),
    )
    op.create_table(
        "story_facts",
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
    )
    op.create_table(
        "story_publishers",
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("publisher", sa.String(200), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    for table in ("story_publishers", "story_facts", "term_stats"):
        op.drop_table(table)
    op.drop_index("ix_story_terms_story", "story_terms")
    op.drop_table("story_terms")
    op.drop_column("articles", "publisher")
    for column in (
        "merged_into_id", "source_names", "watched_in_lead", "watched_in_title", "lead",
        "last_published", "first_published", "indexed_articles",
    ):  # fmt: skip
        op.drop_column("stories", column)


_articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("story_id", sa.Integer),
    sa.column("source", sa.String),
    sa.column("title", sa.Text),
    sa.column("text", sa.Text),
    sa.column("status", sa.String),
    sa.column("published", sa.Date),
)
_facts = sa.table(
    "facts",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
    sa.column("text", sa.Text),
    sa.column("sentence", sa.Text),
    sa.column("attributes", sa.JSON),
)


class _Story:
    """What the backfill gathers for one story from its articles, in article order."""

    def __init__(self) -> None:
        self.indexed = 0
        self.dates: list[Any] = []
        self.lead: str | None = None
        self.sources: set[str] = set()
        self.terms: dict[str, int] = defaultdict(int)
        self.lead_terms: dict[str, int] = defaultdict(int)
        self.facts: dict[str, dict[str, Any]] = {}
        self.publishers: dict[str, int] = {}


def _backfill(connection: sa.Connection) -> None:
    stories: dict[int, _Story] = defaultdict(_Story)
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(_articles)
            .where(_articles.c.id > last_id)
            .order_by(_articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        facts = _facts_of(connection, [r.id for r in rows])
        for row in rows:
            story = stories[row.story_id]
            story.sources.add(row.source)
            if row.status == "duplicate":
                continue
            _gather(story, row, facts.get(row.id, []))
        last_id = rows[-1].id
    _write(connection, stories)


def _facts_of(connection: sa.Connection, ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    rows = connection.execute(
        sa.select(_facts).where(_facts.c.article_id.in_(ids)).order_by(_facts.c.id)
    )
    for row in rows:
        found[row.article_id].append(row)
    return found


def _gather(story: _Story, row: Any, facts: list[Any]) -> None:
    story.indexed += 1
    if row.published is not None:
        story.dates.append(row.published)
    if story.lead is None:
        story.lead = (row.text or "")[:_LEAD_CHARS]
    story.publishers.setdefault(row.source, row.id)
    domain_facts = []
    for fact in facts:
        attributes = {k: v for k, v in (fact.attributes or {}).items() if k in _FACT_ATTRIBUTES}
        domain_facts.append(Fact(kind=fact.kind, text=fact.text, key=fact.key, **attributes))
        story.facts.setdefault(
            fact.key,
            {
                "position": len(story.facts),
                "kind": fact.kind,
                "text": fact.text,
                "sentence": fact.sentence or "",
                "attributes": fact.attributes or {},
            },
        )
    terms = article_terms(row.title or "", row.text or "", domain_facts)
    for term in terms.weights:
        story.terms[term] += 1
    for term in terms.lead:
        story.lead_terms[term] += 1


def _write(connection: sa.Connection, stories: dict[int, _Story]) -> None:
    story_table = sa.table(
        "stories",
        sa.column("id", sa.Integer),
        sa.column("indexed_articles", sa.Integer),
        sa.column("first_published", sa.Date),
        sa.column("last_published", sa.Date),
        sa.column("lead", sa.Text),
        sa.column("source_names", sa.JSON),
    )
    term_counts: dict[str, int] = defaultdict(int)
    for story_id, story in stories.items():
        connection.execute(
            sa.update(story_table)
            .where(story_table.c.id == story_id)
            .values(
                indexed_articles=story.indexed,
                first_published=min(story.dates, default=None),
                last_published=max(story.dates, default=None),
                lead=story.lead or "",
                source_names=sorted(story.sources),
            )
        )
        _insert(connection, "story_terms", [
            {"term": t, "story_id": story_id, "articles": n, "lead_articles": story.lead_terms[t]}
            for t, n in story.terms.items()
        ])  # fmt: skip
        _insert(connection, "story_facts", [
            {"story_id": story_id, "key": key, **fact} for key, fact in story.facts.items()
        ])  # fmt: skip
        _insert(connection, "story_publishers", [
            {"story_id": story_id, "publisher": p[:200], "article_id": a}
            for p, a in story.publishers.items()
        ])  # fmt: skip
        for term in story.terms:
            term_counts[term] += 1
    _insert(connection, "term_stats", [{"term": t, "stories": n} for t, n in term_counts.items()])


_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "term": sa.String(),
    "story_id": sa.Integer(),
    "articles": sa.Integer(),
    "lead_articles": sa.Integer(),
    "stories": sa.Integer(),
    "key": sa.String(),
    "position": sa.Integer(),
    "kind": sa.String(),
    "text": sa.Text(),
    "sentence": sa.Text(),
    "attributes": sa.JSON(),
    "publisher": sa.String(),
    "article_id": sa.Integer(),
}


def _insert(connection: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    target = sa.table(table, *(sa.column(name, _TYPES[name]) for name in rows[0]))
    for start in range(0, len(rows), _BATCH):
        connection.execute(sa.insert(target), rows[start : start + _BATCH])
