"""`rdwatch explain`: every decision a run would make about one article, and nothing stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from rdwatch import pipeline as core
from rdwatch.config import Config, parse_config
from rdwatch.errors import ConfigError, FetchError, RdwatchError
from rdwatch.explain import Explanation, explain
from rdwatch.models import ArticleStatus, DedupTier
from tests.conftest import DATA, make_config_data
from tests.servers import SiteServer

ARCHIVE_004 = "archive://004_343b488ded391e63.txt"  # DAMO's postdoc unit (2023-12-20)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A database holding the imported archive (open_pipeline imports it on first use)."""
    settings = parse_config(make_config_data(tmp_path))
    core.open_pipeline(settings).close()
    return settings


def snapshot(config: Config) -> dict[str, Any]:
    """Every row of every table, and the console channel's alerts file."""
    database = config.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        # In a stable order: some tables have no rowid.
        rows = {
            t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables
        }
    alerts = config.data_dir / "alerts.jsonl"
    return {"rows": rows, "alerts": alerts.read_text() if alerts.exists() else None}


def explain_unchanged(config: Config, target: str) -> Explanation:
    """Explain `target` and prove the database and alerts file are exactly as before."""
    before = snapshot(config)
    assert sum(len(r) for r in before["rows"].values()) > 0, "the archive was not imported"
    result = explain(config, target)
    assert snapshot(config) == before, "explain changed the database or the alerts file"
    return result


def body_of(fixture: Path, tmp_path: Path) -> Path:
    """A dedup fixture's article without its metadata header, as a plain-text file."""
    text = fixture.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    path = tmp_path / fixture.name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_archive_reprint_at_a_url_is_a_duplicate_of_the_archive_article(
    config: Config, site: SiteServer
) -> None:
    result = explain_unchanged(config, site.url("articles/damo-postdoc-reprint.html"))
    assert result.article.url == site.url("articles/damo-postdoc-reprint.html")  # canonical
    assert result.decision.status == ArticleStatus.DUPLICATE, result.decision
    assert result.decision.tier in (DedupTier.NEAR, DedupTier.EXACT)
    assert result.decision.matched_url == ARCHIVE_004
    assert result.story is not None and result.story.is_archive
    assert result.neighbours[0].url == ARCHIVE_004 and result.neighbours[0].similarity > 0.5
    assert result.notability is None
    assert not result.alert.would_alert and "archive story" in result.alert.reason


def test_a_write_up_of_an_archived_event_joins_the_archive_story_unalerted(
    config: Config, tmp_path: Path
) -> None:
    path = body_of(DATA / "dedup" / "004_b_writeup.txt", tmp_path)
    result = explain_unchanged(config, str(path))
    assert result.article.title.startswith("DAMO Academy opens postdoctoral programme")
    assert result.decision.status == ArticleStatus.SAME_STORY, result.decision
    assert result.decision.matched_url == ARCHIVE_004
    assert result.story is not None and result.story.is_archive
    assert result.story.id == result.decision.story_id and result.story.articles == 1
    [nearest, *_] = result.neighbours
    threshold = config.dedup.same_story_threshold
    assert nearest.url == ARCHIVE_004 and nearest.story_score >= threshold > nearest.similarity
    assert "shared: " in nearest.story_detail
    assert not result.alert.would_alert and "archive story" in result.alert.reason


def test_a_new_announcement_is_new_notable_and_would_alert(config: Config, tmp_path: Path) -> None:
    html = (DATA / "site" / "articles" / "damo-quantum-singapore.html").read_text(encoding="utf-8")
    path = tmp_path / "quantum.html"
    path.write_text(html.replace("{{BASE}}", "https://techwire.example"), encoding="utf-8")
    result = explain_unchanged(config, str(path))
    assert result.article.url == "https://techwire.example/articles/damo-quantum-singapore.html"
    assert result.decision.status == ArticleStatus.NEW and result.story is None
    money = next(f for f in result.facts if f.kind == "money")
    assert money.usd == 500_000_000 and "US$500 million" in money.sentence
    assert result.notability is not None and result.notability.notable
    rules = {r.rule: r.weight for r in result.notability.reasons}
    assert {"watched_entity_in_title", "announcement_verb", "significant_money"} <= set(rules)
    assert result.notability.score == pytest.approx(sum(rules.values()))
    assert result.notability.score >= result.threshold
    assert result.alert.would_alert and result.alert.channels == ("console",)
    assert not (config.data_dir / "alerts.jsonl").exists()


def test_after_a_run_the_alerted_story_is_not_alerted_again_and_its_url_is_seen(
    site_config: Config, site: SiteServer, tmp_path: Path
) -> None:
    core.run_once(site_config)
    article = site.url("articles/damo-quantum-singapore.html")
    seen = explain_unchanged(site_config, article)
    assert seen.decision.tier == DedupTier.SEEN and not seen.alert.would_alert

    html = (DATA / "site" / "articles" / "damo-quantum-singapore.html").read_text(encoding="utf-8")
    copy = tmp_path / "syndicated.html"  # the same text under another address
    copy.write_text(html.replace("{{BASE}}", "https://elsewhere.example"), encoding="utf-8")
    result = explain_unchanged(site_config, str(copy))
    assert result.decision.status == ArticleStatus.DUPLICATE and result.decision.matched_url
    assert result.story is not None and not result.story.is_archive
    assert result.notability is not None and result.notability.notable
    assert not result.alert.would_alert
    assert "already has its alerts: alert on webhook (sent)" in result.alert.reason


def test_json_shape(config: Config, tmp_path: Path) -> None:
    path = body_of(DATA / "dedup" / "004_b_writeup.txt", tmp_path)
    record = explain(config, str(path)).to_dict()
    assert record["dedup"]["status"] == "same_story" and record["story"]["is_archive"] is True
    assert record["nearest"][0]["url"] == ARCHIVE_004
    assert all({"kind", "text", "sentence"} <= set(f) for f in record["facts"])
    assert record["alert"]["would_alert"] is False and record["notability"] is None


def test_user_errors(config: Config, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown source"):
        explain(config, str(tmp_path / "missing.html"), source="nope")
    with pytest.raises(RdwatchError, match="no such file"):
        explain(config, str(tmp_path / "missing.html"))
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(RdwatchError, match="empty"):
        explain(config, str(tmp_path / "empty.txt"))
    fast = config.model_copy(update={"fetch": config.fetch.model_copy(update={"retries": 0})})
    with pytest.raises(FetchError, match="connection refused"):
        explain(fast, "http://127.0.0.1:9/article.html")
    guarded = fast.model_copy(
        update={"fetch": fast.fetch.model_copy(update={"allow_private_addresses": False})}
    )
    with pytest.raises(FetchError, match="blocked"):
        explain(guarded, "http://127.0.0.1:9/article.html")


def test_a_notable_story_no_route_takes_is_not_alerted_and_says_so(tmp_path: Path) -> None:
    channels = [{"url": "json://127.0.0.1:9/h", "name": "people",
                 "route": {"fact_kinds": ["role_change"]}}]  # fmt: skip
    settings = parse_config(make_config_data(tmp_path, alerts={"channels": channels}))
    core.open_pipeline(settings).close()
    html = (DATA / "site" / "articles" / "damo-quantum-singapore.html").read_text(encoding="utf-8")
    path = tmp_path / "quantum.html"
    path.write_text(html.replace("{{BASE}}", "https://techwire.example"), encoding="utf-8")
    result = explain_unchanged(settings, str(path))
    assert result.notability is not None and result.notability.notable
    assert not result.alert.would_alert
    assert result.alert.reason == "notable, but no channel's route or urgency band takes it"
