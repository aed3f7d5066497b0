"""A throwaway PostgreSQL cluster for the test session, from the installed server binaries.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` system user.
One cluster serves the whole session; each test gets its own database, optionally copied from
a template database (fast: no migrations, no archive import).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("RDWATCH_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PostgresServer:
    port: int
    directory: Path
    _names: Iterator[int] = field(default_factory=lambda: count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t", *, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its URL."""
        import psycopg

        name = f"{prefix}_{next(self._names)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session; skipped only when the binaries are missing."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    base = Path(tempfile.mkdtemp(prefix="rdwatch-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres", group="postgres")
    owner = _as_owner()
    subprocess.run(
        [*owner, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "--no-sync", "-E", "UTF8", "--locale", "C"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    )
    subprocess.run(
        [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
         "-l", str(base / "postgres.log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PostgresServer(port=port, directory=base)
    finally:
        subprocess.run(
            [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
