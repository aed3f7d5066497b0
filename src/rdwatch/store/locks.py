"""Serialising the ingest step across processes.

Deciding "is this new?" and storing the answer must be atomic across concurrent runs and workers,
or two processes could each create the same story. SQLite already serialises writers (every
transaction begins IMMEDIATE, see database.py); PostgreSQL takes a transaction-scoped advisory lock.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# An arbitrary constant naming rdwatch's ingest lock among PostgreSQL advisory locks.
INGEST_LOCK_ID = 0x7264_7761_7463_68


def lock_ingest(session: Session) -> None:
    """Hold the ingest lock until the session's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": INGEST_LOCK_ID})
