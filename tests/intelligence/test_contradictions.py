"""Contradictions: two outlets give one story different amounts; the story records each value
with its publishers, and alerts, `stories show`, `stories list --contradicted` and the export
say so. The export also marks each fact `novel` (first reported in its story, not archived)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rdwatch import pipeline as core
from rdwatch.cli import app
from rdwatch.config import load_config
from tests.conftest import write_config
from tests.intelligence.stories import (
    LIN_APPOINTED,
    PHOTONICS_AGREEING,
    PHOTONICS_FIRST,
    PHOTONICS_REVISED,
)
from tests.notify.conftest import Clock
from tests.servers import Receiver

runner = CliRunner()
DISPUTE = "amount: US$1 bn (Harbour Wire, Delta Daily) vs US$1.5 bn (Asia Ledger)"


@pytest.fixture
def disputed(tmp_path: Path, receiver: Receiver, database_url: str) -> tuple[Path, dict[str, int]]:
    """A store with the photonics story (two outlets agree, a third gives more) and another, on
    SQLite and PostgreSQL."""
    channel = {"url": f"json://{receiver.base}/h", "name": "chat", "format": "text"}
    alerts = {"channels": [channel], "updates": False}
    config = write_config(tmp_path, database_url=database_url, alerts=alerts)
    pipeline = core.open_pipeline(load_config(config), clock=Clock())
    try:
        ids = {
            a.publisher or "": pipeline.ingest_article(a).story_id or 0
            for a in (PHOTONICS_FIRST, PHOTONICS_AGREEING, PHOTONICS_REVISED)
        }
        ids["other"] = pipeline.ingest_article(LIN_APPOINTED).story_id or 0
        core.deliver(pipeline)
    finally:
        pipeline.close()
    return config, ids


def test_the_story_records_each_value_with_its_publishers(
    disputed: tuple[Path, dict[str, int]], receiver: Receiver
) -> None:
    config, ids = disputed
    story = ids["Harbour Wire"]
    assert ids["Asia Ledger"] == ids["Delta Daily"] == story

    shown = runner.invoke(app, ["stories", "show", str(story), "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert f"reports differ: {DISPUTE}" in shown.output, shown.output

    listed = runner.invoke(app, ["stories", "list", "--contradicted", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    rows = [int(m) for m in re.findall(r"^│ (\d+) ", listed.output, re.M)]
    assert rows == [story], listed.output
    assert f"story {story} reports differ: {DISPUTE}" in listed.output, listed.output

    [alert] = [b for b in receiver.json_bodies() if PHOTONICS_FIRST.title in b["title"]]
    assert f"- {DISPUTE}" in alert["message"].splitlines(), alert["message"]


def test_the_export_gains_contradictions_per_story_and_novel_per_fact(
    disputed: tuple[Path, dict[str, int]],
) -> None:
    config, _ = disputed
    result = runner.invoke(app, ["export", "--format", "jsonl", "--config", str(config)])
    assert result.exit_code == 0, result.output
    records = {r["url"]: r for r in map(json.loads, result.output.splitlines())}

    first, revised = records[PHOTONICS_FIRST.url], records[PHOTONICS_REVISED.url]
    assert (
        first["contradictions"]
        == revised["contradictions"]
        == [
            {
                "subject": "amount",
                "what": "amount",
                "values": [
                    {"value": "US$1 bn", "publishers": ["Harbour Wire", "Delta Daily"]},
                    {"value": "US$1.5 bn", "publishers": ["Asia Ledger"]},
                ],
            }
        ]
    )
    assert records[LIN_APPOINTED.url]["contradictions"] == []
    novel = {f["text"]: f["novel"] for f in revised["facts"]}
    assert novel["US$1.5 billion"] is True and novel["Chen Hao"] is True
    assert novel["300 engineers"] is False  # the first article reported it
    assert novel["DAMO Academy"] is False  # archived
    assert all(not f["novel"] for r in records.values() if r["status"] == "archive"
               for f in r["facts"])  # fmt: skip
    for record in records.values():  # additive: every §4.3 field is still there
        assert {"url", "title", "published", "source", "status", "story_id", "duplicate_of",
                "notable", "score", "reasons", "facts"} <= set(record)  # fmt: skip
