"""story intelligence: numbered updates, what each sent alert told, claims, people and orgs

Outbox rows gain a `sequence` (0 for the alert, 1, 2, … for the updates that follow it), which
joins the unique constraint, so a story can have several updates per channel and still one alert
ever; and `told`, the story's fact keys when the row was sent, against which the next update says
what changed. Rows already sent are given what their reader knew: the facts of the story's
articles stored by the time they were sent.

New tables: `story_claims` (what each publisher reported on a story's subjects: where
contradictions are found), `person_roles` (the people timeline) and `org_events` (the
organisations timeline). They fill as articles are ingested from now on.

Revision ID: 0006_story_intelligence
Revises: 0005_headline_only
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_story_intelligence"
down_revision = "0005_headline_only"
branch_labels = None
depends_on = None

_KEYS = 300  # MAX_CLAIM_CHARS
_PUBLISHER = 200  # MAX_PUBLISHER_CHARS


def upgrade() -> None:
    # Changing a unique constraint rebuilds the table on SQLite; nothing points at the outbox.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("told", sa.JSON))
        batch.drop_constraint("uq_outbox_story_channel_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_outbox_story_channel_kind_seq", ["story_id", "channel", "kind", "sequence"]
        )
    _backfill_told(op.get_bind())
    op.create_table(
        "story_claims",
        sa.Column("story_id", sa.Integer, _deferred_ref("stories.id"), primary_key=True),
        sa.Column("subject", sa.String(_KEYS), primary_key=True),
        sa.Column("value", sa.String(_KEYS), primary_key=True),
        sa.Column("publisher", sa.String(_PUBLISHER), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("number", sa.Float),
        sa.Column("article_id", sa.Integer, _deferred_ref("articles.id"), nullable=False),
    )
    op.create_table(
        "person_roles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_key", sa.String(_KEYS), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("org", sa.Text),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("reported_on", sa.Date),
        sa.Column("previous_role", sa.Text),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("story_id", sa.Integer, _deferred_ref("stories.id"), nullable=False),
        sa.Column("article_id", sa.Integer, _deferred_ref("articles.id"), nullable=False),
        sa.UniqueConstraint("article_id", "person_key", name="uq_person_roles_article_person"),
    )
    op.create_index("ix_person_roles_person", "person_roles", ["person_key", "reported_on"])
    op.create_index("ix_person_roles_story", "person_roles", ["story_id"])
    op.create_table(
        "org_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_key", sa.String(_KEYS), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(_KEYS), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("unit", sa.Text),
        sa.Column("reported_on", sa.Date),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("story_id", sa.Integer, _deferred_ref("stories.id"), nullable=False),
        sa.Column("article_id", sa.Integer, _deferred_ref("articles.id"), nullable=False),
        sa.UniqueConstraint("story_id", "org_key", "event", "detail", name="uq_org_events"),
    )
    op.create_index("ix_org_events_org", "org_events", ["org_key", "reported_on"])


def _deferred_ref(target: str) -> sa.ForeignKey:
    """Ingest writes a batch's new articles and stories when the batch ends, after the rows that
    name them: the reference is checked at commit."""
    return sa.ForeignKey(target, deferrable=True, initially="DEFERRED")


def downgrade() -> None:
    op.drop_index("ix_org_events_org", "org_events")
    op.drop_table("org_events")
    op.drop_index("ix_person_roles_story", "person_roles")
    op.drop_index("ix_person_roles_person", "person_roles")
    op.drop_table("person_roles")
    op.drop_table("story_claims")
    # Updates beyond the first per channel cannot survive the old constraint.
    outbox = sa.table("outbox", sa.column("kind", sa.String), sa.column("sequence", sa.Integer))
    op.get_bind().execute(sa.delete(outbox).where(outbox.c.sequence > 1))
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_story_channel_kind_seq", type_="unique")
        batch.create_unique_constraint(
            "uq_outbox_story_channel_kind", ["story_id", "channel", "kind"]
        )
        batch.drop_column("told")
        batch.drop_column("sequence")


def _backfill_told(connection: sa.Connection) -> None:
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("story_id", sa.Integer),
        sa.column("sent_at", sa.DateTime(timezone=True)),
        sa.column("told", sa.JSON),
    )
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("story_id", sa.Integer),
        sa.column("fetched_at", sa.DateTime(timezone=True)),
    )
    facts = sa.table("facts", sa.column("article_id", sa.Integer), sa.column("key", sa.String))
    sent = connection.execute(
        sa.select(outbox.c.id, outbox.c.story_id, outbox.c.sent_at).where(
            outbox.c.sent_at.is_not(None)
        )
    ).all()
    for row in sent:
        keys = connection.scalars(
            sa.select(facts.c.key)
            .join(articles, facts.c.article_id == articles.c.id)
            .where(articles.c.story_id == row.story_id, articles.c.fetched_at <= row.sent_at)
            .distinct()
        ).all()
        connection.execute(sa.update(outbox).where(outbox.c.id == row.id).values(told=sorted(keys)))
