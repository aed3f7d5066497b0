"""The outbox's holds and folds and the spike episodes, on SQLite and PostgreSQL: a held row is
not due before its release time and is claimed once after it; a row another run claimed is
neither held nor folded; a spike episode starts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.models import Article
from rdwatch.spikes import SpikeFinding
from rdwatch.store import outbox
from rdwatch.store import spikes as spike_store
from tests.conftest import make_config_data

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=8)


def _story(database_url: str, tmp_path: Path) -> tuple[core.Pipeline, int]:
    """An open pipeline on the database and a stored story (no channel: nothing queued)."""
    data = make_config_data(tmp_path, database_url=database_url)
    data["alerts"] = {"channels": [{"url": "json://127.0.0.1:9/h", "min_score": 99}]}
    pipeline = core.open_pipeline(parse_config(data), clock=lambda: NOW)
    article = Article(
        url="https://wire.example/1", title="Zorvex Labs opens Qlarion chip centre",
        text="Zorvex Labs opened its Qlarion chip design centre in Hangzhou.", source="wire",
    )  # fmt: skip
    story_id = pipeline.ingest_article(article).story_id
    assert story_id is not None
    return pipeline, story_id


def test_a_held_row_waits_for_its_release_and_is_claimed_once(
    database_url: str, tmp_path: Path
) -> None:
    pipeline, story_id = _story(database_url, tmp_path)
    try:
        with pipeline.db.session() as session:
            outbox.enqueue(session, story_id, "chat", NOW)
            [row_id] = outbox.due_ids(session, NOW, 8)
            assert outbox.hold(session, row_id, LATER)
        with pipeline.db.session() as session:
            assert outbox.due_ids(session, LATER - timedelta(seconds=1), 8) == []
            assert outbox.due_ids(session, LATER, 8) == [row_id]
            assert outbox.claim(session, row_id, LATER) is not None
        with pipeline.db.session() as session:
            assert outbox.claim(session, row_id, LATER) is None  # claimed: not again
            assert not outbox.hold(session, row_id, LATER + timedelta(hours=1))
            assert not outbox.fold(session, row_id, LATER)
            outbox.mark_sent(session, row_id, LATER)
            assert outbox.sent_since(session, "chat", LATER) == 1
            assert outbox.sent_since(session, "chat", LATER + timedelta(seconds=1)) == 0
    finally:
        pipeline.close()


def test_a_folded_row_is_never_due_and_names_its_story_for_the_digest(
    database_url: str, tmp_path: Path
) -> None:
    pipeline, story_id = _story(database_url, tmp_path)
    try:
        with pipeline.db.session() as session:
            outbox.enqueue(session, story_id, "chat", NOW)
            [row_id] = outbox.due_ids(session, NOW, 8)
            assert outbox.fold(session, row_id, NOW)
        with pipeline.db.session() as session:
            assert outbox.due_ids(session, LATER, 8) == []
            [entry] = outbox.get_entries(session, [row_id])
            assert (entry.status, entry.folded_at) == (outbox.FOLDED, NOW)
            before = NOW - timedelta(hours=1)
            assert outbox.folded_story_ids(session, "chat", before, LATER) == {story_id}
            assert outbox.folded_story_ids(session, "chat", NOW, LATER) == set()
            assert outbox.folded_story_ids(session, "other", before, LATER) == set()
    finally:
        pipeline.close()


def test_a_spike_episode_starts_once_and_ends(database_url: str, tmp_path: Path) -> None:
    pipeline, story_id = _story(database_url, tmp_path)
    finding = SpikeFinding("entity:T-Head", "T-Head", story_id, 8, 1.0, new=True, alert=True)
    try:
        with pipeline.db.session() as session:
            [seen] = spike_store.coverage(session, NOW - timedelta(hours=1), NOW)
            assert (seen.story_id, seen.fetched_at) == (story_id, NOW)
            spike_id = spike_store.start_episode(session, finding, NOW)
            assert spike_id is not None
            assert spike_store.start_episode(session, finding, NOW) is None
            assert spike_store.open_episodes(session) == {"entity:T-Head": spike_id}
            spike_store.extend_episode(session, spike_id, LATER)
            spike_store.end_episodes(session, ["entity:T-Head"], LATER)
        with pipeline.db.session() as session:
            assert spike_store.open_episodes(session) == {}
            spike = spike_store.get_spike(session, spike_id)
            assert spike is not None and (spike.publishers, spike.baseline) == (8, 1.0)
    finally:
        pipeline.close()
