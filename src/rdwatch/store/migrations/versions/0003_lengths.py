"""column lengths: TEXT where nothing bounds the value, quote keys cut to 300 characters

PostgreSQL enforces VARCHAR(n) where SQLite does not, so a value that fits on SQLite can fail on
PostgreSQL: `sources.body_hash` was VARCHAR(64) for a 67-character versioned hash ("v1:" + sha256
hex), which crashed every watch run on PostgreSQL. Three columns whose values nothing bounds become
TEXT: the body hash (its version prefix may grow), the outbox channel id (a channel's configured
name) and the meta key (which embeds that channel id). The columns that keep a length hold values
the code bounds; see rdwatch.store.schema.

Quote fact keys are now cut at 300 characters (rdwatch.facts.quotes: a Chinese "word" can be a
whole clause). Longer keys could only have been stored on SQLite; they are cut the same way here,
so stored and new facts of the same quote keep matching.

The three altered tables have no foreign keys pointing at them, so SQLite's batch mode can rebuild
them inside the migration's transaction. On PostgreSQL VARCHAR → TEXT changes only the catalogue.

Revision ID: 0003_lengths
Revises: 0002_dedup_v2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_lengths"
down_revision = "0002_dedup_v2"
branch_labels = None
depends_on = None

# (table, column, former length, nullable)
_WIDENED = (
    ("sources", "body_hash", 64, True),
    ("outbox", "channel", 200, False),
    ("meta", "key", 100, False),
)
_KEY_LENGTH = 300  # facts.key; rdwatch.facts.quotes.MAX_KEY_LENGTH when this was written
_facts = sa.table(
    "facts",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
)


def upgrade() -> None:
    for table, column, length, nullable in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.String(length), type_=sa.Text(), existing_nullable=nullable
            )
    _cut_long_quote_keys()


def _cut_long_quote_keys() -> None:
    connection = op.get_bind()
    long_keys = connection.execute(
        sa.select(_facts.c.id, _facts.c.article_id, _facts.c.key)
        .where(_facts.c.kind == "quote", sa.func.length(_facts.c.key) > _KEY_LENGTH)
        .order_by(_facts.c.id)
    ).all()
    for fact_id, article_id, key in long_keys:
        cut = key[:_KEY_LENGTH]
        taken = connection.scalar(
            sa.select(_facts.c.id).where(_facts.c.article_id == article_id, _facts.c.key == cut)
        )
        # Two quotes of one article alike for 300 characters are one fact, as for new articles.
        statement = sa.delete(_facts) if taken else sa.update(_facts).values(key=cut)
        connection.execute(statement.where(_facts.c.id == fact_id))


def downgrade() -> None:
    # A body hash only caches "unchanged since the last poll": forget the ones that do not fit
    # (the next poll parses that feed once more). A channel id or meta key too long for its old
    # column makes the downgrade fail instead of being cut. Cut quote keys stay cut.
    sources = sa.table("sources", sa.column("body_hash", sa.Text))
    op.execute(
        sa.update(sources).where(sa.func.length(sources.c.body_hash) > 64).values(body_hash=None)
    )
    for table, column, length, nullable in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.Text(), type_=sa.String(length), existing_nullable=nullable
            )
