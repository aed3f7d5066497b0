"""Source health from poll outcomes: what a 304 writes, what a failure schedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from rdwatch.config import SourceConfig
from rdwatch.fetch.schedule import NextPoll, cadences_of, is_due, plan_after_fetches
from rdwatch.models import FetchFailure, SourceFetch
from rdwatch.store.database import Database
from rdwatch.store.sources import (
    list_source_health,
    load_source_states,
    record_fetches,
    record_schedules,
    sync_sources,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SOURCES = [SourceConfig(name=f"feed-{n}", url=f"http://127.0.0.1:9/{n}.xml") for n in range(3)]
CADENCES = cadences_of(SOURCES, "15m")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'rdwatch.db'}")
    with database.session() as session:
        sync_sources(session, SOURCES, NOW)
        fresh = [
            SourceFetch(s.name, s.url, status_code=200, etag='"v1"', body_hash="v1:x")
            for s in SOURCES
        ]
        record_fetches(session, fresh, NOW)
    yield database
    database.dispose()


def _statements(db: Database) -> list[str]:
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", capture)
    return seen


def test_an_unchanged_source_only_gets_its_poll_times(db: Database) -> None:
    unchanged = [
        SourceFetch(s.name, s.url, status_code=304, not_modified=True, etag='"v1"') for s in SOURCES
    ]
    statements = _statements(db)
    with db.session() as session:
        record_fetches(session, unchanged, NOW + timedelta(minutes=15))

    updates = [s for s in statements if s.startswith("UPDATE")]
    assert updates and all(
        s.startswith("UPDATE sources SET last_attempt_at=?, last_success_at=? WHERE")
        for s in updates
    ), statements
    assert sum(s.startswith("SELECT") for s in statements) == 1, statements  # one query for all


def test_a_throttled_source_is_not_polled_before_its_retry_after(db: Database) -> None:
    throttled = SourceFetch(
        "feed-0",
        SOURCES[0].url,
        error="HTTP 429 Too Many Requests (retry after 3600s)",
        failure=FetchFailure.THROTTLED,
        retry_after_s=3600,
    )
    skipped = SourceFetch("feed-1", SOURCES[1].url, warning="skipped: backoff", skipped=True)
    later = NOW + timedelta(minutes=15)
    with db.session() as session:
        states = load_source_states(session)
        plans = plan_after_fetches(CADENCES, states, [throttled, skipped], later)
        record_fetches(session, [throttled, skipped], later, plans)
        health = {h.name: h for h in list_source_health(session)}

    assert health["feed-0"].next_poll_at == later + timedelta(hours=1)
    assert health["feed-0"].hold_until == later + timedelta(hours=1)
    assert health["feed-0"].consecutive_failures == 1 and not health["feed-0"].gone
    assert health["feed-1"].last_attempt_at == NOW  # a skipped source keeps its health as it was


def test_the_schedule_survives_a_reopened_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schedule.db'}"
    first = Database(url)
    with first.session() as session:
        sync_sources(session, SOURCES, NOW)
        plan = NextPoll(timedelta(minutes=22, seconds=30), NOW + timedelta(minutes=22, seconds=30))
        held = NextPoll(timedelta(minutes=15), NOW + timedelta(hours=2), NOW + timedelta(hours=2))
        record_schedules(session, {"feed-0": plan, "feed-1": held})
    first.dispose()

    reopened = Database(url)
    try:
        with reopened.session() as session:
            states = load_source_states(session)
            health = {h.name: h for h in list_source_health(session)}
    finally:
        reopened.dispose()
    assert states["feed-0"].interval_s == 22.5 * 60
    assert states["feed-0"].next_poll_at == NOW + timedelta(minutes=22, seconds=30)
    assert states["feed-1"].hold_until == NOW + timedelta(hours=2)
    assert states["feed-2"].next_poll_at is None and states["feed-2"].interval_s is None
    assert health["feed-2"].added_at == NOW
    assert not is_due(states["feed-0"], NOW + timedelta(minutes=20))
    assert is_due(states["feed-0"], NOW + timedelta(minutes=22, seconds=30))
    assert not is_due(states["feed-1"], NOW + timedelta(hours=1, minutes=59, seconds=59))
