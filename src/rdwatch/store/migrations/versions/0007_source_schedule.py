"""source schedule: per-source poll times kept in the database, silence episodes, their alarms

`sources` gains the schedule rdwatch.fetch.schedule decides: `interval_s` (the adapted poll
interval; NULL: the configured `every`), `hold_until` (nothing polls the source before it:
Retry-After, backoff) next to the existing `next_poll_at` (now: when the source is next due), and
`added_at` (a source that never brought an item is silent since then). A source's old
`next_poll_at` was a backoff: it becomes its hold too. Sources already there count as added now.

New table `source_silences`: one row per silence episode of a source. The outbox can hold a
source-health alarm for an episode instead of a story alert: `story_id` may be NULL, and
`silence_id` with its own unique constraint keeps it to one per episode and channel.

Revision ID: 0007_source_schedule
Revises: 0006_story_intelligence
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_source_schedule"
down_revision = "0006_story_intelligence"
branch_labels = None
depends_on = None

_NAME = 200  # MAX_SOURCE_NAME_LENGTH


def upgrade() -> None:
    op.add_column("sources", sa.Column("interval_s", sa.Float))
    op.add_column("sources", sa.Column("hold_until", sa.DateTime(timezone=True)))
    op.add_column("sources", sa.Column("added_at", sa.DateTime(timezone=True)))
    sources = sa.table(
        "sources",
        sa.column("next_poll_at", sa.DateTime(timezone=True)),
        sa.column("hold_until", sa.DateTime(timezone=True)),
        sa.column("added_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    bind.execute(sa.update(sources).values(hold_until=sources.c.next_poll_at))
    bind.execute(sa.update(sources).values(added_at=datetime.now(UTC)))
    op.create_table(
        "source_silences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(_NAME), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_s", sa.Float, nullable=False),
        sa.Column("basis", sa.String(12), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("source", "started_at", name="uq_source_silences_source_start"),
    )
    op.create_index("ix_source_silences_source", "source_silences", ["source"])
    # Making a column nullable and adding a reference rebuilds the table on SQLite.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("story_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("silence_id", sa.Integer))
        batch.create_foreign_key(
            "fk_outbox_silence_id_source_silences", "source_silences", ["silence_id"], ["id"]
        )
        batch.create_unique_constraint("uq_outbox_silence_channel", ["silence_id", "channel"])


def downgrade() -> None:
    outbox = sa.table("outbox", sa.column("story_id", sa.Integer))
    op.get_bind().execute(sa.delete(outbox).where(outbox.c.story_id.is_(None)))
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_silence_channel", type_="unique")
        batch.drop_constraint("fk_outbox_silence_id_source_silences", type_="foreignkey")
        batch.drop_column("silence_id")
        batch.alter_column("story_id", existing_type=sa.Integer, nullable=False)
    op.drop_index("ix_source_silences_source", "source_silences")
    op.drop_table("source_silences")
    sources = sa.table(
        "sources",
        sa.column("next_poll_at", sa.DateTime(timezone=True)),
        sa.column("hold_until", sa.DateTime(timezone=True)),
    )
    # The old next_poll_at was only a backoff: a scheduled time would hold a source back.
    op.get_bind().execute(sa.update(sources).values(next_poll_at=sources.c.hold_until))
    op.drop_column("sources", "added_at")
    op.drop_column("sources", "hold_until")
    op.drop_column("sources", "interval_s")
