"""Two processes ingest overlapping batches into one database at once: no article, story or alert
is stored twice, and the stories come out as a one-process run makes them (SQLite and PostgreSQL).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rdwatch import pipeline
from rdwatch.config import load_config
from rdwatch.store import Database
from rdwatch.store.schema import ArticleRow, OutboxRow
from tests.conftest import ROOT, write_config
from tests.postgres import PostgresServer
from tests.store.archive_db import load_cases

# The Chinese same-story write-up waits for better Chinese facts (see test_dedup); an ambiguous
# case's story depends on the order articles arrive in, which two processes do not share.
NAMES = [n for n, c in load_cases().items() if not n.startswith("zh_4") and not c.order_dependent]
BATCH_A = NAMES[:14]
BATCH_B = list(reversed(NAMES[6:]))  # overlaps A in the middle, in the opposite order

Outcome = tuple[int, frozenset[frozenset[str]], frozenset[frozenset[str]]]


def _outcome(database_url: str) -> Outcome:
    """(articles, stories as sets of URLs, stories with an alert) read back from the database."""
    db = Database(database_url, migrate=False)
    try:
        with db.session() as session:
            urls = session.scalar(select(func.count(func.distinct(ArticleRow.url))))
            articles = session.scalar(select(func.count(ArticleRow.id)))
            assert urls == articles
            stories: dict[int, set[str]] = {}
            for url, story_id in session.execute(select(ArticleRow.url, ArticleRow.story_id)):
                stories.setdefault(story_id, set()).add(url)
            alerts = list(session.execute(select(OutboxRow.story_id, OutboxRow.channel)))
    finally:
        db.dispose()
    assert len(alerts) == len(set(alerts)), alerts
    alerted = frozenset(frozenset(stories[story_id]) for story_id, _ in alerts)
    assert len(alerted) == len(alerts), "two alerts for one story"
    return articles or 0, frozenset(frozenset(s) for s in stories.values()), alerted


def _run_two_processes(tmp_path: Path, database_url: str) -> Outcome:
    Database(database_url).dispose()  # migrated up front: the race under test is ingest
    config = write_config(tmp_path, database_url=database_url)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.ingest_worker", str(config), str(go), *batch],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for batch in (BATCH_A, BATCH_B)
    ]
    go.touch()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-3000:]
        assert len(out.splitlines()) == len(BATCH_A if worker is workers[0] else BATCH_B), out
    return _outcome(database_url)


def _run_one_process(tmp_path: Path, database_url: str) -> Outcome:
    opened = pipeline.open_pipeline(load_config(write_config(tmp_path, database_url=database_url)))
    try:
        cases = load_cases()
        for name in dict.fromkeys([*BATCH_A, *BATCH_B]):
            opened.ingest_article(cases[name].article)
    finally:
        opened.close()
    return _outcome(database_url)


def _check(concurrent: Outcome, sequential: Outcome) -> None:
    articles, stories, alerted = concurrent
    assert articles == 5 + len(NAMES)
    assert stories == sequential[1]
    assert alerted == sequential[2]
    assert alerted, "the batch should raise at least one alert"


def test_two_processes_on_sqlite(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    sequential = _run_one_process(tmp_path / "one", f"sqlite:///{tmp_path / 'one' / 'db.sqlite'}")
    url = f"sqlite:///{tmp_path / 'two' / 'db.sqlite'}"
    _check(_run_two_processes(tmp_path / "two", url), sequential)


@pytest.mark.postgres
def test_two_processes_on_postgresql(tmp_path: Path, postgres: PostgresServer) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    sequential = _run_one_process(tmp_path / "one", postgres.create_database("sequential"))
    _check(_run_two_processes(tmp_path / "two", postgres.create_database("race")), sequential)
