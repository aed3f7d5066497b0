"""Engine and session set-up, and automatic Alembic migrations.

SQLite runs in WAL mode with a busy timeout so a reader never blocks the writer and two processes
queue instead of failing; PostgreSQL (psycopg 3) is used as it comes, with a connect timeout: a
server that accepts the connection and never answers would otherwise hang every run.

A command that only reads (`Database(url, read_only=True)`) still works when the SQLite file or
its folder cannot be written (a backup, a mount shared read-only): it opens the file read-only,
without WAL set-up or migrations. A command that writes fails up front with one clear error.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rdwatch.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision: a database already there is opened without loading Alembic
# (tests/store/test_migrations.py checks this names Alembic's head).
HEAD_REVISION = "0009_clustered_term_index"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATION_ATTEMPTS = 5
# Seconds to wait for a PostgreSQL server to complete the connection (libpq's connect_timeout);
# a `connect_timeout` in the URL wins.
POSTGRES_CONNECT_TIMEOUT_S = 10


def _normalise_url(database_url: str) -> str:
    # A bare postgresql:// URL would pick psycopg2, which rdwatch does not install.
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        return "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return database_url


def create_db_engine(database_url: str, *, read_only: bool = False) -> Engine:
    """An engine for the URL; creates the SQLite file's folder when needed.

    `read_only`: the caller only reads, so a SQLite file that cannot be written is opened
    read-only instead of failing (`Engine.url.query["mode"] == "ro"` then).
    """
    url_text = _normalise_url(database_url)
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise StoreError(f"database_url {database_url!r} is not a valid SQLAlchemy URL") from None
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url_text, url.database, read_only=read_only)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    try:
        return create_engine(url_text, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot use database {url.render_as_string()}: {exc}") from None


def _sqlite_engine(url_text: str, database: str | None, *, read_only: bool) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        _create_folder(path.parent)
        if not _writable(path):
            if not read_only:
                raise StoreError(
                    f"the database {path} cannot be written (its folder or file is read-only)",
                    hint="run this command where the database is writable; commands that only "
                    "read (stories, export, alerts list, sources list) work on it as it is",
                )
            return _read_only_sqlite_engine(path)
    engine = create_engine(url_text, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so every transaction starts with
        # BEGIN IMMEDIATE: a writer then waits for the lock up front instead of failing with
        # SQLITE_BUSY when a snapshot it read from went stale (two runs at once).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the database folder {folder}: {exc.strerror}",
            hint="create it, or point database_url / RDWATCH_DATABASE_URL at a writable folder",
        ) from None


def _writable(path: Path) -> bool:
    """Whether SQLite can write `path`: the file, and its folder for the WAL and -shm files."""
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _read_only_sqlite_engine(path: Path) -> Engine:
    if not path.is_file():
        raise StoreError(f"there is no database at {path}, and its folder is read-only")
    # A reader of a WAL database needs the -shm index, which it cannot create in a read-only
    # folder. With no -wal file beside the database no writer is at work (it could not have
    # created one), so the file is read as immutable, needing no index; else through the
    # writer's own -wal and -shm files.
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    uri = f"file:{quote(str(path.resolve()))}?{mode}&uri=true"
    return create_engine(
        f"sqlite:///{uri}", connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine) -> None:
    """Apply every pending migration (idempotent).

    On SQLite foreign keys are off while migrating, then checked before the commit: see
    https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema Changes").
    """
    if _current_revision(engine) == HEAD_REVISION:
        return  # the common case, checked without loading Alembic (a quarter of a second)
    for attempt in range(1, MIGRATION_ATTEMPTS + 1):
        started = time.monotonic()
        try:
            _upgrade(engine)
            return
        except OperationalError as exc:
            # SQLite answers "locked" at once, without waiting out the busy timeout, where waiting
            # could deadlock (processes creating one database file together); its remedy is to
            # try the transaction again, which is safe: a migration is all or nothing. A lock
            # that outlasted the busy timeout is reported, not waited for again.
            quick = time.monotonic() - started < SQLITE_BUSY_TIMEOUT_MS / 2000
            if attempt < MIGRATION_ATTEMPTS and quick and "database is locked" in str(exc.orig):
                log.info("database locked while migrating; trying again (%d)", attempt)
                time.sleep(0.2 * attempt)
                continue
            raise StoreError(f"database unreachable: {_unreachable(engine, exc)}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"database migration failed: {_short(exc)}") from None


def _current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, or None (no database yet, or unreadable: migrating
    reports why). A server that never answered raises StoreError here."""
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    except OperationalError as exc:
        if _timed_out(exc):
            # Migrating would wait the whole connect timeout a second time for the same silence.
            raise StoreError(f"database unreachable: {_unreachable(engine, exc)}") from None
        return None
    except SQLAlchemyError:
        return None


def _upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # The pragma is a no-op inside a transaction, so it goes through the driver connection
        # (isolation_level None: no implicit BEGIN) before ours begins. Off, a batch-mode
        # rebuild's DROP TABLE of a table others point at is not an implicit DELETE.
        driver = connection.connection.driver_connection if sqlite else None
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config = _alembic_config(engine)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    """Raise (rolling the migration back) if the migrated data breaks a foreign key."""
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        shown = "; ".join(
            f"{table} row {rowid} points at no {parent} row"
            for table, rowid, parent, _ in violations[:5]
        )
        raise StoreError(
            f"database migration failed: the foreign key check found {len(violations)} "
            f"violation(s), nothing was applied: {shown}"
        )


def check_schema_current(engine: Engine) -> None:
    """Raise unless the database is at the newest migration (one rdwatch cannot migrate)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(_alembic_config(engine)).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as exc:
        raise StoreError(f"database unreachable: {_short(exc)}") from None
    if current != heads:
        path = unquote((engine.url.database or "").removeprefix("file:"))
        raise StoreError(
            f"the read-only database {path} is not at this rdwatch's schema",
            hint="run `rdwatch db upgrade` once where the database can be written",
        )


def needs_upgrade(engine: Engine) -> bool:
    try:
        return "alembic_version" not in inspect(engine).get_table_names()
    except OperationalError as exc:
        raise StoreError(f"database unreachable: {_short(exc)}") from None


def _unreachable(engine: Engine, exc: OperationalError) -> str:
    """Why a connection failed; a connect timeout names the server that never answered."""
    if not _timed_out(exc):
        return _short(exc)
    timeout = engine.url.query.get("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
    where = f"{engine.url.host}:{engine.url.port or 5432}"
    return f"no answer from {where} within {timeout} s ({_short(exc)})"


def _timed_out(exc: OperationalError) -> bool:
    try:
        from psycopg.errors import ConnectionTimeout
    except ImportError:  # PostgreSQL support not installed: not a PostgreSQL error
        return False
    return isinstance(exc.orig, ConnectionTimeout)


def _short(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return (str(original or exc).splitlines() or [type(exc).__name__])[0]


class Database:
    """An engine plus a session factory, migrated on first use.

    `read_only=True` is for callers that only read: a SQLite database that cannot be written is
    then opened read-only (`self.read_only`), and must already be at the current schema.
    """

    def __init__(self, database_url: str, *, migrate: bool = True, read_only: bool = False) -> None:
        self.url = database_url
        self.engine = create_db_engine(database_url, read_only=read_only)
        self.read_only = self.engine.url.query.get("mode") == "ro"
        if self.read_only:
            check_schema_current(self.engine)
        elif migrate:
            upgrade_database(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(f"database error: {_short(exc)}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
