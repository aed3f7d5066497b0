"""Alembic migrations build the schema the models declare, and move stored data up and down,
on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    column,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from sqlalchemy.exc import OperationalError

from rdwatch import pipeline
from rdwatch.config import SourceConfig, parse_config
from rdwatch.errors import StoreError
from rdwatch.health import SilenceAlarm, SilenceChanges
from rdwatch.models import SourceFetch
from rdwatch.store import Database, database, outbox
from rdwatch.store.database import HEAD_REVISION, MIGRATIONS_DIR, create_db_engine, upgrade_database
from rdwatch.store.schema import ArticleRow, Base, FactRow, LshBandRow, OutboxRow, SourceRow
from rdwatch.store.silences import record_silence_changes
from rdwatch.store.sources import record_fetch, sync_sources
from tests.conftest import make_config_data

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BEFORE_LENGTHS = "0002_dedup_v2"  # the revision before 0003_lengths
HEAD = "0009_clustered_term_index"


@contextmanager
def _connection(database_url: str) -> Iterator[Connection]:
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def _migrate(database_url: str, revision: str, *, down: bool = False) -> None:
    with _connection(database_url) as connection:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _counts(database_url: str) -> dict[str, int]:
    with _connection(database_url) as connection:
        return {
            row.__tablename__: connection.scalar(select(func.count()).select_from(row)) or 0
            for row in (ArticleRow, FactRow, LshBandRow, OutboxRow, SourceRow)
        }


def test_the_head_revision_the_store_knows_is_alembics_head() -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION] == [HEAD]


def test_migrations_build_the_schema_the_models_declare(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        upgrade_database(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_keep_the_stored_data(database_url: str, tmp_path: Path) -> None:
    config = parse_config(make_config_data(tmp_path, database_url=database_url))
    opened = pipeline.open_pipeline(config)  # migrates, imports the archive
    opened.close()
    db = Database(database_url)
    try:
        with db.session() as session:
            sync_sources(session, [SourceConfig(name="wire", url="https://example.com/feed")])
            record_fetch(session, SourceFetch("wire", "", body_hash="v1:" + "a" * 64), NOW)
            story_id = session.scalar(select(ArticleRow.story_id).limit(1))
            assert story_id is not None
            outbox.enqueue(session, story_id, "webhook", NOW)
    finally:
        db.dispose()
    stored = _counts(database_url)

    _migrate(database_url, BEFORE_LENGTHS, down=True)
    with _connection(database_url) as connection:
        body_hash = connection.scalar(select(SourceRow.body_hash))
    _migrate(database_url, "head")

    assert body_hash is None, "a hash too long for VARCHAR(64) is forgotten on the way down"
    assert _counts(database_url) == stored
    assert stored["articles"] == 5 and stored["facts"] and stored["outbox"] == 1


def test_stored_articles_are_not_headline_only_after_the_upgrade(
    database_url: str, tmp_path: Path
) -> None:
    opened = pipeline.open_pipeline(
        parse_config(make_config_data(tmp_path, database_url=database_url))
    )
    opened.close()
    _migrate(database_url, "0004_story_aggregates", down=True)
    with _connection(database_url) as connection:
        columns = connection.execute(text("SELECT * FROM articles LIMIT 1")).keys()
    _migrate(database_url, "head")

    assert "headline_only" not in columns
    with _connection(database_url) as connection:
        flags = connection.scalars(select(ArticleRow.headline_only)).all()
    assert flags == [False] * 5


def test_the_upgrade_cuts_long_quote_keys_stored_on_sqlite(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'rdwatch.db'}"
    opened = pipeline.open_pipeline(parse_config(make_config_data(tmp_path)))
    opened.close()
    _migrate(database_url, BEFORE_LENGTHS, down=True)
    long_key = "quote:jack ma:" + "长" * 400
    with _connection(database_url) as connection:
        article_id = connection.scalar(select(ArticleRow.id).limit(1))
        rows = [
            {"key": long_key, "text": "a"},
            {"key": long_key[:-1] + "短", "text": "b"},  # same first 300 characters: one fact
            {"key": "quote:jack ma:" + "另" * 400, "text": "c"},
        ]
        connection.execute(
            insert(FactRow),
            [{"article_id": article_id, "kind": "quote", "sentence": "", "attributes": {}, **r}
             for r in rows],
        )  # fmt: skip
    _migrate(database_url, "head")

    with _connection(database_url) as connection:
        quotes = connection.execute(
            select(FactRow.key, FactRow.text).where(FactRow.text.in_(["a", "b", "c"]))
        ).all()
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    assert sorted(quotes, key=lambda q: q.text) == [
        (long_key[:300], "a"),
        (("quote:jack ma:" + "另" * 400)[:300], "c"),
    ]


def test_the_term_index_is_clustered_on_sqlite_and_keeps_its_rows(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'rdwatch.db'}"
    opened = pipeline.open_pipeline(parse_config(make_config_data(tmp_path)))
    opened.close()
    index_rows = "SELECT * FROM story_terms UNION ALL SELECT term, stories, 0, 0 FROM term_stats"
    with _connection(database_url) as connection:
        before = sorted(connection.execute(text(index_rows)).all())
    _migrate(database_url, "0008_alert_controls", down=True)
    with _connection(database_url) as connection:
        assert sorted(connection.execute(text(index_rows)).all()) == before
    _migrate(database_url, "head")

    with sqlite3.connect(tmp_path / "rdwatch.db") as db:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        after = sorted(db.execute(index_rows).fetchall())
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert before and [tuple(r) for r in before] == after
    assert tables["story_terms"].rstrip().endswith("WITHOUT ROWID")
    assert tables["term_stats"].rstrip().endswith("WITHOUT ROWID")


def test_sent_alerts_learn_what_they_told_and_a_story_can_have_several_updates(
    database_url: str, tmp_path: Path
) -> None:
    config = parse_config(make_config_data(tmp_path, database_url=database_url))
    pipeline.open_pipeline(config).close()
    db = Database(database_url)
    try:
        with db.session() as session:
            story_id = session.scalar(select(ArticleRow.story_id).limit(1))
            assert story_id is not None
            later = datetime.now(UTC) + timedelta(days=1)  # after the archive was stored
            outbox.enqueue(session, story_id, "webhook", later)
            [row_id] = outbox.due_ids(session, later, max_attempts=3)
            outbox.mark_sent(session, row_id, later)
            keys = set(
                session.scalars(
                    select(FactRow.key)
                    .join(ArticleRow, FactRow.article_id == ArticleRow.id)
                    .where(ArticleRow.story_id == story_id)
                )
            )
    finally:
        db.dispose()
    _migrate(database_url, "0005_headline_only", down=True)
    _migrate(database_url, "head")

    db = Database(database_url)
    try:
        with db.session() as session:
            [alert] = outbox.story_history(session, [story_id])
            for sequence in (1, 2):
                assert outbox.enqueue(session, story_id, "webhook", NOW, kind="update",
                                      sequence=sequence)  # fmt: skip
            assert not outbox.enqueue(session, story_id, "webhook", NOW)  # one alert, ever
    finally:
        db.dispose()
    assert (alert.sequence, set(alert.told or ())) == (0, keys) and keys


def test_a_backoff_becomes_a_hold_and_source_alarms_go_on_the_way_down(
    database_url: str, tmp_path: Path
) -> None:
    config = parse_config(make_config_data(tmp_path, database_url=database_url))
    pipeline.open_pipeline(config).close()
    since = NOW - timedelta(days=9)
    alarm = SilenceAlarm("wire", NOW - since, timedelta(days=7), "default", since)
    db = Database(database_url)
    try:
        with db.session() as session:
            sync_sources(session, [SourceConfig(name="wire", url="https://example.com/feed")])
            record_silence_changes(session, SilenceChanges(opened=(alarm,)), NOW, ["ops"])
    finally:
        db.dispose()
    _migrate(database_url, "0006_story_intelligence", down=True)
    sources = table("sources", column("next_poll_at", DateTime(timezone=True)))
    with _connection(database_url) as connection:
        alerts = connection.scalar(text("SELECT count(*) FROM outbox"))
        connection.execute(update(sources).values(next_poll_at=NOW))  # an old backoff
    _migrate(database_url, "head")

    with _connection(database_url) as connection:
        row = connection.execute(select(SourceRow.hold_until, SourceRow.added_at)).one()
    assert alerts == 0, "a source alarm has no story: it cannot stay in the old outbox"
    assert row.hold_until == NOW, "a backoff stored before the schedule still holds the source"
    assert row.added_at is not None and row.added_at > NOW, "sources count as added now"


def _with_extra_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upgrade: str) -> None:
    """Point rdwatch at a copy of its migrations plus one revision after head running `upgrade`."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    revision = f"""\
\"\"\"test only

Revision ID: 9999_extra
Revises: {HEAD}
\"\"\"

import sqlalchemy as sa
from alembic import op

revision = "9999_extra"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")}


def downgrade() -> None:
    pass
"""
    (migrations / "versions" / "9999_extra.py").write_text(revision)
    monkeypatch.setattr("rdwatch.store.database.MIGRATIONS_DIR", migrations)
    monkeypatch.setattr("rdwatch.store.database.HEAD_REVISION", "9999_extra")


def _stored_database(tmp_path: Path) -> str:
    """A SQLite database at head holding the archive's stories, articles and facts."""
    pipeline.open_pipeline(parse_config(make_config_data(tmp_path))).close()
    return f"sqlite:///{tmp_path / 'rdwatch.db'}"


def _revision(database_url: str) -> str | None:
    with _connection(database_url) as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def test_a_migration_can_rebuild_a_table_other_tables_point_at_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = _stored_database(tmp_path)
    stored = _counts(database_url)
    _with_extra_revision(
        tmp_path,
        monkeypatch,
        """
        # SQLite cannot add a column in place this way: batch mode copies articles into a new
        # table, drops the old one (facts, lsh_bands and articles itself point at it), renames.
        with op.batch_alter_table("articles", recreate="always") as batch:
            batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        """,
    )

    Database(database_url).dispose()

    assert _revision(database_url) == "9999_extra"
    assert _counts(database_url) == stored
    assert stored["articles"] == 5 and stored["facts"]
    with _connection(database_url) as connection:
        assert connection.scalar(text("SELECT count(*) FROM articles WHERE note IS NULL")) == 5
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1


def test_a_migration_leaving_a_dangling_foreign_key_is_rolled_back_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = _stored_database(tmp_path)
    _with_extra_revision(
        tmp_path,
        monkeypatch,
        """
        first = op.get_bind().scalar(sa.text("SELECT min(id) FROM articles"))
        op.execute(f"UPDATE articles SET story_id = 999999 WHERE id = {first}")
        """,
    )

    with pytest.raises(StoreError, match="foreign key check"):
        Database(database_url)

    assert _revision(database_url) == HEAD
    with _connection(database_url) as connection:
        assert connection.scalar(text("SELECT count(*) FROM articles WHERE story_id = 999999")) == 0
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1


def _fails_first(
    monkeypatch: pytest.MonkeyPatch, error: OperationalError, times: int = 1
) -> list[int]:
    """Make the first `times` migration attempts fail with `error`; returns the attempt log."""
    attempts: list[int] = []
    real_upgrade = database._upgrade

    def flaky_upgrade(engine: Engine) -> None:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= times:
            raise error
        real_upgrade(engine)

    monkeypatch.setattr(database, "_upgrade", flaky_upgrade)
    return attempts


def test_a_migration_refused_at_once_as_locked_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's immediate "locked" (a would-be deadlock) is retried; the schema then arrives.

    The refusal is injected: two processes creating one database file only meet it rarely.
    """
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    attempts = _fails_first(monkeypatch, locked, times=2)
    url = f"sqlite:///{tmp_path / 'rdwatch.db'}"

    Database(url).dispose()

    assert attempts == [1, 2, 3]
    assert _revision(url) == HEAD


def test_other_database_errors_while_migrating_are_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))
    attempts = _fails_first(monkeypatch, broken, times=5)

    with pytest.raises(StoreError, match="database unreachable: disk I/O error"):
        Database(f"sqlite:///{tmp_path / 'rdwatch.db'}")
    assert attempts == [1]
