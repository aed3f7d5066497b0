"""Alembic environment: runs on the connection rdwatch hands over (see store.database)."""

from __future__ import annotations

from alembic import context

from rdwatch.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("rdwatch migrations run through rdwatch.store.database.upgrade_database")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
