"""Persistence: SQLAlchemy 2 (Core on the ingest path), Alembic migrations applied on first use.

Only this package touches rows; its functions take a `Session` and return domain objects.
Modules: `database` (engine, sessions, migrations), `schema` (tables), `articles` (articles, facts,
reading stories back, the export), `stories` (story aggregates, merges), `story_index` (the
same-story term index), `batch_lookups` (what the copy tiers ask, once per batch), `pending` (a
batch's writes, in bulk), `sql` (statement helpers), `sources` (fetch state and health), `outbox`
(alert delivery log), `meta` (key/value facts about the database), `locks` (the ingest lock).
"""

from rdwatch.store.database import Database, upgrade_database

__all__ = ["Database", "upgrade_database"]
