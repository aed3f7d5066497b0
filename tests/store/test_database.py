"""Opening the store when the operator's setup is wrong: a hung server, a folder rdwatch may not
write. Each ends quickly in one `StoreError` saying what is wrong; reading works where it can.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rdwatch.errors import StoreError
from rdwatch.store import Database
from rdwatch.store.schema import SourceRow
from tests.filesystems import read_only_folder, silent_server


def test_a_postgres_server_that_never_answers_times_out() -> None:
    with silent_server() as port:
        started = time.monotonic()
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/rdwatch?connect_timeout=2"
        with pytest.raises(StoreError, match=rf"no answer from 127\.0\.0\.1:{port} within 2 s"):
            Database(url)
    assert time.monotonic() - started < 10


def test_a_database_folder_that_cannot_be_created(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    with (
        read_only_folder(locked),
        pytest.raises(StoreError, match=f"cannot create the database folder {locked}/data"),
    ):
        Database(f"sqlite:///{locked / 'data' / 'rdwatch.db'}")


def test_a_read_only_database_is_read_but_not_written(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    url = f"sqlite:///{folder / 'rdwatch.db'}"
    db = Database(url)
    with db.session() as session:
        session.add(SourceRow(name="wire", url="http://127.0.0.1/feed", kind="feed"))
    db.dispose()
    with read_only_folder(folder):
        reader = Database(url, read_only=True)
        try:
            assert reader.read_only
            with reader.session() as session:
                assert session.scalar(select(func.count()).select_from(SourceRow)) == 1
        finally:
            reader.dispose()
        with pytest.raises(StoreError, match=r"rdwatch\.db cannot be written .*read-only"):
            Database(url)
        assert sorted(p.name for p in folder.iterdir()) == ["rdwatch.db"]
    assert not Database(url, read_only=True).read_only  # writable again: opened as usual


def test_a_read_only_database_must_be_at_the_current_schema(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "old.db").touch()  # an empty file: a database no migration has run on
    with read_only_folder(folder), pytest.raises(StoreError, match="not at this rdwatch's schema"):
        Database(f"sqlite:///{folder / 'old.db'}", read_only=True)
