"""SQLAlchemy 2 typed ORM models. Only `rdwatch.store` imports this module.

Unique constraints make every stage idempotent: an article URL is stored once, a fact once per
article, an LSH band entry once per article and band, an alert once per story and channel (and
each numbered update after it once).
Changing this file means adding an Alembic migration in `migrations/versions/`.

Lengths: PostgreSQL enforces `String(n)`, SQLite ignores it, so a limit is only declared where the
code bounds the value (enum values, names checked by `store.sources`, fixed-format hashes, fact
keys bounded in `rdwatch.facts`); everything else is `Text`. tests/store/test_lengths.py checks
the writers against these limits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from rdwatch.config import MAX_SOURCE_NAME_LENGTH
from rdwatch.dedup.terms import MAX_TERM_CHARS
from rdwatch.publishers import MAX_PUBLISHER_CHARS

# Claim subjects and values, person and organisation keys: cut to this by rdwatch.intelligence
# (fact keys are at most as long).
MAX_CLAIM_CHARS = 300
# Ingest writes a batch's new articles and stories when the batch ends, after the claims and
# timeline rows that name them: those references are checked at commit.
DEFERRED: dict[str, Any] = {"deferrable": True, "initially": "DEFERRED"}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Source names are stored in `sources.name` and in every article's `articles.source`; the config
# refuses longer names, with their key path.
SOURCE_NAME_LENGTH = MAX_SOURCE_NAME_LENGTH


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON}


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH), unique=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="feed")
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_new_item_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The schedule (rdwatch.fetch.schedule decides it): when the source is next due, its adapted
    # interval (NULL: its configured `every`), and the time before which nothing may poll it.
    next_poll_at: Mapped[datetime | None]
    gone: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_s: Mapped[float | None] = mapped_column(Float)
    hold_until: Mapped[datetime | None]
    # When the source was first configured: a source that never brought an item is silent since.
    added_at: Mapped[datetime | None]


class SourceSilenceRow(Base):
    """One silence episode of a source: from its last new item (or its addition) until items
    return (`cleared_at`). One row per source and start, so an episode is alarmed once."""

    __tablename__ = "source_silences"
    __table_args__ = (
        UniqueConstraint("source", "started_at", name="uq_source_silences_source_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH), index=True)
    started_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    expected_s: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(12))  # configured | learned | default
    cleared_at: Mapped[datetime | None]


class StoryRow(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    is_archive: Mapped[bool] = mapped_column(Boolean, default=False)
    notable: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Aggregates kept as articles join, so that joining costs the same at 2 articles and 20,000:
    # members that are not copies (the base of the term shares), the dates of their coverage, the
    # lead of the first one, the watched entities named in any member's headline or lead (NULL:
    # not computed yet, after a migration) and the configured sources that brought members.
    indexed_articles: Mapped[int] = mapped_column(Integer, default=0)
    first_published: Mapped[date | None] = mapped_column(Date)
    last_published: Mapped[date | None] = mapped_column(Date)
    lead: Mapped[str] = mapped_column(Text, default="")
    watched_in_title: Mapped[list[str] | None] = mapped_column(JSON)
    watched_in_lead: Mapped[list[str] | None] = mapped_column(JSON)
    source_names: Mapped[list[str] | None] = mapped_column(JSON)
    # A story merged into another (an article bridged them) keeps its id for its outbox history.
    # No foreign key: SQLite adds a column with one only by rebuilding a table others point at.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    articles: Mapped[list[ArticleRow]] = relationship(
        back_populates="story", foreign_keys="ArticleRow.story_id", order_by="ArticleRow.id"
    )


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    guid: Mapped[str | None] = mapped_column(Text, index=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH))
    publisher: Mapped[str | None] = mapped_column(Text)
    # Made of an aggregator's headline and snippet alone (no page was read).
    headline_only: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[date | None] = mapped_column(Date)
    fetched_at: Mapped[datetime] = mapped_column(index=True)  # spikes count recent coverage
    content_hash: Mapped[str] = mapped_column(String(80), index=True)  # "vN:" + sha256 hex
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    dedup_reason: Mapped[str] = mapped_column(Text, default="")
    similarity: Mapped[float | None] = mapped_column(Float)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))

    story: Mapped[StoryRow] = relationship(back_populates="articles", foreign_keys=[story_id])
    duplicate_of: Mapped[ArticleRow | None] = relationship(remote_side=[id])
    facts: Mapped[list[FactRow]] = relationship(back_populates="article", order_by="FactRow.id")


class FactRow(Base):
    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("article_id", "key", name="uq_facts_article_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300), index=True)
    text: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    article: Mapped[ArticleRow] = relationship(back_populates="facts")


class LshBandRow(Base):
    """One MinHash LSH band hash of one article; the index makes candidate lookup one query."""

    __tablename__ = "lsh_bands"
    __table_args__ = (Index("ix_lsh_bands_hash", "band_hash"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    band_hash: Mapped[int] = mapped_column(BigInteger)


class StoryTermRow(Base):
    """How many of a story's articles (copies excepted) carry a term, and how many carry it in
    their headline or lead: the same-story index."""

    __tablename__ = "story_terms"
    # Clustered on the key in SQLite (one B-tree, not a rowid table and an index): migration 0009.
    __table_args__ = (Index("ix_story_terms_story", "story_id"), {"sqlite_with_rowid": False})

    term: Mapped[str] = mapped_column(String(MAX_TERM_CHARS), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    articles: Mapped[int] = mapped_column(Integer, default=1)
    lead_articles: Mapped[int] = mapped_column(Integer, default=0)


class TermStatRow(Base):
    """In how many stories a term occurs: how much it says about an event (rare) or not (common)."""

    __tablename__ = "term_stats"
    __table_args__ = ({"sqlite_with_rowid": False},)

    term: Mapped[str] = mapped_column(String(MAX_TERM_CHARS), primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class StoryFactRow(Base):
    """A story's facts merged over its articles, one per key, kept as articles join."""

    __tablename__ = "story_facts"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StoryPublisherRow(Base):
    """One independent publisher of a story, with the first article it published on it."""

    __tablename__ = "story_publishers"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(MAX_PUBLISHER_CHARS), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))


class OutboxRow(Base):
    """One alert for one story on one channel; the unique constraint is the 'never twice' rule.

    An alert has sequence 0, so there is one per story and channel, ever; the updates that follow
    it are numbered 1, 2, … `told` holds the story's fact keys when the row was sent: what its
    reader knows, against which the next update says what changed. A source-health alarm names
    a silence episode instead of a story (`silence_id`, kind "silence"): one per episode and
    channel."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint(
            "story_id", "channel", "kind", "sequence", name="uq_outbox_story_channel_kind_seq"
        ),
        UniqueConstraint("silence_id", "channel", name="uq_outbox_silence_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("source_silences.id"))
    channel: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="alert")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    score: Mapped[float] = mapped_column(Float, default=0.0)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    told: Mapped[list[str] | None] = mapped_column(JSON)
    # When a daily budget folded the alert into the channel's next digest instead of sending it.
    folded_at: Mapped[datetime | None]


class SpikeRow(Base):
    """One spike episode of one subject (`entity:<name>` or `story:<id>`): the unique constraint
    makes its alert once per episode. An episode is open (`ended_at` null) while every check finds
    coverage still high, so a burst that goes on is the same episode. `story_id`: the story its
    alerts are sent on (their outbox rows have kind `spike` and the episode's id as sequence)."""

    __tablename__ = "spikes"
    __table_args__ = (UniqueConstraint("subject", "started_at", name="uq_spikes_subject_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(Text, index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    started_at: Mapped[datetime]
    last_above_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    publishers: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)


class StoryClaimRow(Base):
    """What one publisher reported on one subject of a story (its main amount, a headcount, a
    person's role, an event's date): where a story's contradictions are found. One row per
    (story, subject, value, publisher), so a story's rows grow with its publishers, not its
    articles."""

    __tablename__ = "story_claims"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", **DEFERRED), primary_key=True)
    subject: Mapped[str] = mapped_column(String(MAX_CLAIM_CHARS), primary_key=True)
    value: Mapped[str] = mapped_column(String(MAX_CLAIM_CHARS), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(MAX_PUBLISHER_CHARS), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    number: Mapped[float | None] = mapped_column(Float)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", **DEFERRED))


class PersonRoleRow(Base):
    """One report of a person in a role, with its date and source: the people timeline.
    `previous_role` is set when the person was last reported in another role in another story:
    a change of role."""

    __tablename__ = "person_roles"
    __table_args__ = (
        UniqueConstraint("article_id", "person_key", name="uq_person_roles_article_person"),
        Index("ix_person_roles_person", "person_key", "reported_on"),
        Index("ix_person_roles_story", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(MAX_CLAIM_CHARS))
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    org: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(20))
    reported_on: Mapped[date | None] = mapped_column(Date)
    previous_role: Mapped[str | None] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text, default="")
    publisher: Mapped[str] = mapped_column(Text)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", **DEFERRED))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", **DEFERRED))


class OrgEventRow(Base):
    """What was reported of an organisation — established, a headcount, named in a story — with
    its date and source: the organisations timeline. One row per story, organisation, event and
    detail (a headcount's unit and number)."""

    __tablename__ = "org_events"
    __table_args__ = (
        UniqueConstraint("story_id", "org_key", "event", "detail", name="uq_org_events"),
        Index("ix_org_events_org", "org_key", "reported_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_key: Mapped[str] = mapped_column(String(MAX_CLAIM_CHARS))
    name: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(MAX_CLAIM_CHARS), default="")
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[date | None] = mapped_column(Date)
    sentence: Mapped[str] = mapped_column(Text, default="")
    publisher: Mapped[str] = mapped_column(Text)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", **DEFERRED))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", **DEFERRED))


class MetaRow(Base):
    """Small key/value facts about the database itself (e.g. which archive was imported)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
