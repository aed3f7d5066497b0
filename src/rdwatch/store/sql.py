"""Statement helpers shared by the store modules: IN-list batching and the backend's INSERT.

The ingest path runs a few dozen statements per article, so it uses SQLAlchemy Core on the
session's connection: no ORM unit of work, no autoflush before each read (which cost more than
the SQL itself), and statements SQLAlchemy compiles once and caches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable, Row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
# Bound parameter lists longer than this are split: SQLite allows 32,766 per statement.
IN_LIST_CHUNK = 500


def chunks(items: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_for(session: Session, table: Any) -> Any:
    """An INSERT with the backend's ON CONFLICT clauses (SQLite and PostgreSQL both have them)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_IGNORING: dict[tuple[str, Any], Any] = {}


def insert_ignoring(session: Session, table: Any) -> Any:
    """`insert_for(...).on_conflict_do_nothing()`, built once per backend and table (for the
    statements ingest makes for every article)."""
    key = (session.get_bind().dialect.name, table)
    statement = _IGNORING.get(key)
    if statement is None:
        statement = _IGNORING[key] = insert_for(session, table).on_conflict_do_nothing()
    return statement


def run(session: Session, statement: Executable, params: Any = None) -> Sequence[Row[Any]]:
    """Execute on the session's connection and fetch every row."""
    result = session.connection().execute(statement, params)
    return result.all() if result.returns_rows else ()


def execute(session: Session, statement: Executable, params: Any = None) -> None:
    session.connection().execute(statement, params)


_PLAIN: dict[tuple[str, Any], tuple[str, list[str] | None]] = {}


def execute_plain_many(
    session: Session, statement: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`executemany` of a statement whose values are plain ints and strings, each row a tuple of
    the bound values `names`, handed to the driver as they are: SQLAlchemy's per-row parameter
    processing cost more than SQLite's own work on ingest's largest tables (bench_poll.py). The
    SQL is compiled once per backend."""
    connection = session.connection()
    key = (connection.dialect.name, statement)
    compiled = _PLAIN.get(key)
    if compiled is None:
        done = statement.compile(dialect=connection.dialect)
        order = list(done.positiontup) if done.positional else None
        compiled = _PLAIN[key] = (str(done), order)
    sql, order = compiled
    if order is None:
        params: Sequence[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif order == list(names):
        params = rows
    else:
        at = [list(names).index(name) for name in order]
        params = [tuple(row[i] for i in at) for row in rows]
    connection.exec_driver_sql(sql, params)


# How SQLAlchemy writes an expanding IN parameter in a compiled statement before the call.
_EXPANDING = re.compile(r"__\[POSTCOMPILE_(\w+)\]")
_IN_TEMPLATES: dict[tuple[str, Any], tuple[str, list[str]]] = {}


def read_plain_in(
    session: Session, statement: Any, lists: Mapping[str, Sequence[Any]]
) -> Sequence[Row[Any]]:
    """The rows of a SELECT of plain ints and strings whose parameters are all expanding IN
    lists, each list non-empty. SQLAlchemy expands such lists anew on every call, which cost
    more than the lookups themselves on ingest's batch reads (bench_poll.py); here the statement
    is compiled once per backend and the lists become the driver's placeholders."""
    connection = session.connection()
    key = (connection.dialect.name, statement)
    template = _IN_TEMPLATES.get(key)
    if template is None:
        sql = str(statement.compile(dialect=connection.dialect))
        names = _EXPANDING.findall(sql)
        escaped = sql.replace("{", "{{").replace("}", "}}")
        template = _IN_TEMPLATES[key] = (_EXPANDING.sub("{}", escaped), names)
    sql, names = template
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    filled = sql.format(*(", ".join([mark] * len(lists[name])) for name in names))
    params = tuple(value for name in names for value in lists[name])
    return connection.exec_driver_sql(filled, params).all()
