"""Alembic migrations build the schema the models declare, and move stored data up and down,
on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, select, text

from rdwatch import pipeline
from rdwatch.config import SourceConfig, parse_config
from rdwatch.models import SourceFetch
from rdwatch.store import Database, outbox
from rdwatch.store.database import MIGRATIONS_DIR, create_db_engine, upgrade_database
from rdwatch.store.schema import ArticleRow, Base, FactRow, LshBandRow, OutboxRow, SourceRow
from rdwatch.store.sources import record_fetch, sync_sources
from tests.conftest import make_config_data

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BEFORE_LENGTHS = "0002_dedup_v2"  # the revision before 0003_lengths


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
