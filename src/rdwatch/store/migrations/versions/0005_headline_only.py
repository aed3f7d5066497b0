"""articles.headline_only: articles made of an aggregator's headline alone

A Google News item's link leads to an interstitial page, never to the article, so such items are
stored as their headline, snippet, publisher and date, and marked: the export says so, and users
know the article's facts come from a headline. Stored articles were all read from a page or a
feed entry: false.

Revision ID: 0005_headline_only
Revises: 0004_story_aggregates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_headline_only"
down_revision = "0004_story_aggregates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default: no table rebuild on SQLite, catalogue-only on PostgreSQL.
    op.add_column(
        "articles",
        sa.Column("headline_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("articles", "headline_only")
