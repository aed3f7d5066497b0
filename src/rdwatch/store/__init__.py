"""Persistence (design §1.7): SQLAlchemy 2 typed ORM, Alembic migrations applied on first use.

Only this package touches ORM rows; its functions take a `Session` and return domain objects.
Modules: `database` (engine, sessions, migrations), `schema` (tables), `articles` (articles,
stories, facts, LSH bands), `dedup_index` (the lookups the dedup tiers make), `sources` (fetch
state and health), `outbox` (alert delivery log), `meta` (key/value facts about the database),
`locks` (cross-process ingest lock).
"""

from rdwatch.store.database import Database, upgrade_database

__all__ = ["Database", "upgrade_database"]
