"""Run reports: the Prefect new-stories artifact escapes outlet text as the chat alert does, and
the run-summary artifact names every failed source without its password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.models import RunSummary
from rdwatch.report import (
    human_interval,
    new_stories_markdown,
    source_health_rows,
    summary_markdown,
)
from rdwatch.store.sources import SourceHealth
from tests.conftest import make_config_data
from tests.notify.stories import hostile_story, photonics_story
from tests.notify.test_text import LIVE_MENTION
from tests.test_cli_untrusted import hostile_sources

CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
RAW_HTML = re.compile(r"(?<!\\)<(?!https?://)")  # a "<" that is neither escaped nor a link's


def test_new_stories_table_shows_key_facts_and_links() -> None:
    table = new_stories_markdown([photonics_story()])
    row = table.splitlines()[-1]
    assert "RMB 3 bn (≈ US$420 m); 400 researchers; Guangjian-1" in row, row
    assert "[Harbour Tech Journal](<https://news.example/harbour-tech-journal/1>)" in row
    assert len(CELL_SEPARATOR.findall(row)) == 8, row  # seven cells, none split by a title


def test_titles_with_html_markdown_links_and_mentions_are_inert() -> None:
    table = new_stories_markdown([hostile_story()])
    row = table.splitlines()[-1]
    assert not RAW_HTML.search(row), row
    assert r"\<script\>" in row and r"\<img src=x onerror=alert(2)\>" in row
    assert "[click here](" not in row and r"\[click here\](http://evil.example/x)" in row
    assert "javascript:" not in row and "](<http://evil" not in row
    assert not LIVE_MENTION.search(row), row
    assert len(CELL_SEPARATOR.findall(row)) == 8, row


def test_failed_sources_and_alerts_are_escaped_too() -> None:
    now = datetime(2026, 3, 3, tzinfo=UTC)
    summary = RunSummary(
        started_at=now,
        finished_at=now,
        sources_failed=(("feed|x", "https://a.example/feed", "HTTP 404 Not [/red] Found <b>"),),
        alerts_failed=((1, "chat", "500 <script>x</script> @everyone"),),
    )
    text = summary_markdown(summary)
    assert r"HTTP 404 Not \[/red\] Found \<b\>" in text and r"feed\|x" in text
    assert not RAW_HTML.search(text) and not LIVE_MENTION.search(text), text


def test_the_run_summary_artifact_redacts_source_passwords(tmp_path: Path) -> None:
    with hostile_sources() as base:
        private = base.replace("://", "://reader:s3cret-pw@")
        config = parse_config(
            make_config_data(
                tmp_path,
                archive=None,
                sources=[
                    {"name": "private", "url": f"{private}/members.xml"},
                    {"name": "refused", "url": "http://reader:s3cret-pw@127.0.0.1:9/feed"},
                    {"name": "broken", "url": f"{base}/gone.xml"},
                ],
                fetch={"allow_private_addresses": True, "retries": 0},
            )
        )
        summary = core.run_once(config)
    artifact = summary_markdown(summary)
    assert len(summary.sources_failed) == 3, artifact
    # In a report cell "@" gets a zero-width space (no chat reads a mention) and "*" is escaped.
    plain = artifact.replace("\u200b", "").replace("\\*", "*")
    assert f"| private | {base.replace('://', '://reader:***@')}/members.xml |" in plain
    assert "| refused | http://reader:***@127.0.0.1:9/feed |" in plain, artifact
    assert "| broken |" in artifact and r"HTTP 404 Not \[/red\] Found" in artifact
    assert "s3cret-pw" not in artifact


def test_health_rows_show_the_adapted_interval_and_a_silence() -> None:
    def health(name: str, **fields: object) -> SourceHealth:
        base: dict[str, object] = {
            "name": name, "url": f"http://127.0.0.1:9/{name}", "kind": "feed",
            "last_attempt_at": None, "last_success_at": None, "last_new_item_at": None,
            "consecutive_failures": 0, "last_error": None, "next_poll_at": None, "gone": False,
        }  # fmt: skip
        return SourceHealth(**{**base, **fields})

    since = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    rows = source_health_rows(
        [
            health("quiet", interval_s=3600.0, silent_since=since),
            health("steady", interval_s=900.0),
            health("new"),
        ],
        every={"quiet": timedelta(minutes=15), "steady": timedelta(minutes=15)},
    )
    quiet, steady, new = rows
    assert (quiet["status"], quiet["silent since"]) == ("silent", "2026-11-20 10:00 UTC")
    assert quiet["polled every"] == "1h (every 15m)" and steady["polled every"] == "15m"
    assert (new["status"], new["polled every"], new["silent since"]) == ("ok", "—", "—")
    assert human_interval(timedelta(days=1, hours=6, minutes=5)) == "1d 6h"
    assert human_interval(timedelta(minutes=22, seconds=30)) == "22m 30s"
