"""alert controls: budget folds and spike episodes

Outbox rows gain `folded_at`: when a channel's daily budget sent the alert to the channel's next
digest instead. New table `spikes`: one row per spike episode of a watched entity or a story, so
that a burst of coverage is alerted once. Articles are indexed by `fetched_at`: each spike check
reads the last days' coverage.

Revision ID: 0008_alert_controls
Revises: 0006_story_intelligence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_alert_controls"
down_revision = "0006_story_intelligence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("folded_at", sa.DateTime(timezone=True)))
    op.create_table(
        "spikes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_above_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("publishers", sa.Integer, nullable=False),
        sa.Column("baseline", sa.Float, nullable=False),
        sa.UniqueConstraint("subject", "started_at", name="uq_spikes_subject_start"),
    )
    op.create_index("ix_spikes_subject", "spikes", ["subject"])
    op.create_index("ix_articles_fetched_at", "articles", ["fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_fetched_at", "articles")
    op.drop_index("ix_spikes_subject", "spikes")
    op.drop_table("spikes")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("folded_at")
