"""clustered term index: `story_terms` and `term_stats` stored in their primary key's order

On SQLite a table with a text primary key is two B-trees, the rows by rowid and the key's index,
and every insert, update and lookup of the same-story index paid for both. Both tables become
WITHOUT ROWID tables (one B-tree, ordered by the key); their rows are copied over. PostgreSQL
keeps its tables as they are.

Revision ID: 0009_clustered_term_index
Revises: 0008_alert_controls
"""

from __future__ import annotations

from alembic import op

revision = "0009_clustered_term_index"
down_revision = "0008_alert_controls"
branch_labels = None
depends_on = None

MAX_TERM_CHARS = 64
_STORY_TERMS = """
CREATE TABLE story_terms (
    term VARCHAR({chars}) NOT NULL,
    story_id INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    lead_articles INTEGER NOT NULL,
    PRIMARY KEY (term, story_id),
    FOREIGN KEY(story_id) REFERENCES stories (id)
){rowid}
"""
_TERM_STATS = """
CREATE TABLE term_stats (
    term VARCHAR({chars}) NOT NULL,
    stories INTEGER NOT NULL,
    PRIMARY KEY (term)
){rowid}
"""


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")


def _rebuild(rowid: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_story_terms_story", "story_terms")
    for table, create in (("story_terms", _STORY_TERMS), ("term_stats", _TERM_STATS)):
        op.rename_table(table, f"{table}_old")
        op.execute(create.format(chars=MAX_TERM_CHARS, rowid=rowid))
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_old ORDER BY 1, 2")
        op.drop_table(f"{table}_old")
    op.create_index("ix_story_terms_story", "story_terms", ["story_id"])
