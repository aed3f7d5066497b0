"""Silence episodes and their alarms: stored once per source and start, alarmed once per channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from rdwatch.health import SilenceAlarm, SilenceChanges, silence_changes
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store.silences import list_silences, open_silences, record_silence_changes

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=2)
ALARM = SilenceAlarm("feed-0", NOW - SINCE, timedelta(hours=6), "learned", SINCE)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_an_episode_decided_twice_is_stored_and_alarmed_once(db: Database) -> None:
    for _ in range(2):  # two runs that did not see each other's episode
        with db.session() as session:
            record_silence_changes(session, SilenceChanges(opened=(ALARM,)), NOW, ["ops", "pager"])
    with db.session() as session:
        episodes = list_silences(session)
        entries = outbox_store.list_entries(session)
    assert [(e.source, e.started_at, e.basis) for e in episodes] == [("feed-0", SINCE, "learned")]
    assert sorted((e.channel, e.kind, e.silence_id) for e in entries) == [
        ("ops", "silence", episodes[0].id),
        ("pager", "silence", episodes[0].id),
    ]


def test_an_episode_cleared_and_found_again_from_the_same_start_is_not_alarmed_again(
    db: Database,
) -> None:
    with db.session() as session:
        record_silence_changes(session, SilenceChanges(opened=(ALARM,)), NOW, ["ops"])
    with db.session() as session:
        changes = silence_changes([], open_silences(session))
        record_silence_changes(session, changes, NOW + timedelta(hours=1), ["ops"])
        assert open_silences(session) == []
    with db.session() as session:
        changes = silence_changes([ALARM], open_silences(session))
        record_silence_changes(session, changes, NOW + timedelta(hours=2), ["ops"])
        [episode] = list_silences(session)
        assert episode.cleared_at is None
        assert len(outbox_store.list_entries(session)) == 1
