"""`rdwatch replay`: the stored articles through dedup and notability under a candidate config and
the current one, nothing stored or sent; a rule change adds one alert and removes another."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from rdwatch import pipeline as core
from rdwatch.cli import app
from rdwatch.config import load_config
from rdwatch.replay import describe, replay
from rdwatch.store import Database
from rdwatch.store.schema import Base
from tests.conftest import make_config_data, write_config
from tests.intelligence.stories import (
    BUDGET_ONLY,
    HEADCOUNT_ONLY,
    HEADCOUNTS_OVER_BUDGETS,
    PHOTONICS_FIRST,
)
from tests.notify.conftest import T0, Clock
from tests.servers import Receiver

runner = CliRunner()


@pytest.fixture
def configs(tmp_path: Path, receiver: Receiver, database_url: str) -> tuple[Path, Path]:
    """The current config with three stored stories (two alerted; on SQLite and PostgreSQL),
    and a candidate that weighs headcounts over budgets."""
    channels = [{"url": f"json://{receiver.base}/h", "name": "chat"}]
    current = write_config(tmp_path, database_url=database_url, alerts={"channels": channels})
    clock = Clock()
    pipeline = core.open_pipeline(load_config(current), clock=clock)
    try:
        for article in (PHOTONICS_FIRST, BUDGET_ONLY, HEADCOUNT_ONLY):
            pipeline.ingest_article(article)
            core.deliver(pipeline)
            clock.advance(days=1)
    finally:
        pipeline.close()
    candidate = tmp_path / "candidate.yaml"
    data = make_config_data(
        tmp_path,
        database_url=database_url,
        alerts={"channels": channels},
        notability=HEADCOUNTS_OVER_BUDGETS,
    )
    candidate.write_text(yaml.safe_dump(data), encoding="utf-8")
    return current, candidate


def _row_counts(config: Path) -> dict[str, int]:
    db = Database(load_config(config).database_url)
    try:
        with db.session() as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables
            }
    finally:
        db.dispose()


def test_a_rule_change_adds_one_alert_and_removes_another(
    configs: tuple[Path, Path], receiver: Receiver
) -> None:
    current, candidate = configs
    sent = len(receiver.requests)
    stored = _row_counts(current)

    report = replay(load_config(current), load_config(candidate))

    assert (report.articles, report.current_alerts, report.candidate_alerts) == (8, 2, 2)
    [added], [removed] = report.added, report.removed
    assert (added.queued.title, added.queued.channel, added.queued.kind) == (
        HEADCOUNT_ONLY.title, "chat", "alert",
    )  # fmt: skip
    assert removed.queued.story_url == BUDGET_ONLY.url
    assert list(describe(added)) == [
        "score 0.45 → 0.65 (threshold 0.50; notable: no → yes)",
        "+ significant_count (+0.30): 450 engineers",
        "- significant_count (+0.10): 450 engineers",
    ]
    assert next(iter(describe(removed))) == "score 0.65 → 0.45 (threshold 0.50; notable: yes → no)"
    assert _row_counts(current) == stored, "the replay wrote to the database"
    assert len(receiver.requests) == sent == 2, "the replay sent something"


def test_since_compares_only_what_was_stored_after(configs: tuple[Path, Path]) -> None:
    current, candidate = configs
    later = replay(load_config(current), load_config(candidate), since=T0.replace(day=22))
    assert later.replayed == 1  # the headcount story; the others are context
    assert [d.queued.story_url for d in later.differences] == [HEADCOUNT_ONLY.url]
    none = replay(
        load_config(current), load_config(candidate), since=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert none.differences == () and none.replayed == 0


def test_the_command_prints_each_difference_with_its_reasons(configs: tuple[Path, Path]) -> None:
    current, candidate = configs
    args = ["replay", "--config", str(candidate), "--current", str(current)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert "(nothing is stored or sent)" in result.output
    assert (
        "alerts 2 under the current config, 2 under the candidate: 1 added, 1 removed"
        in " ".join(result.output.split())
    )
    assert f"+ alert on chat: {HEADCOUNT_ONLY.title}" in lines, result.output
    assert f"- alert on chat: {BUDGET_ONLY.title}" in lines, result.output
    assert "- significant_money (+0.20): US$50 million ≈ US$50,000,000" in lines, result.output
    bad = runner.invoke(app, [*args, "--since", "last week"])
    assert bad.exit_code != 0 and "is not a date" in str(bad.exception)
