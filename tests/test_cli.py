"""The CLI contract: commands, exit codes, one-line errors, JSON outputs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rdwatch.config import load_config
from rdwatch.store.database import POSTGRES_CONNECT_TIMEOUT_S
from tests.conftest import write_config
from tests.filesystems import read_only_folder, silent_server
from tests.servers import Receiver, SiteServer, serve_site

ROOT = Path(__file__).resolve().parent.parent


def rdwatch(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rdwatch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )


BAD_SELECTOR_PAGE = {
    "name": "n",
    "kind": "page",
    "url": "http://127.0.0.1:9/",
    "item_selector": "a:[",
}


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"fetch": {"timeout_s": "soon"}}, "fetch.timeout_s"),
        ({"fetch": {"timeout_s": float("inf")}}, "fetch.timeout_s"),
        ({"facts": {"gazetteer": "no/such/gazetteer.yaml"}}, "facts.gazetteer"),
        ({"sources": [{**BAD_SELECTOR_PAGE}]}, "sources.0.item_selector"),
        ({"sources": [{"name": "n", "url": "http://127.0.0.1:9/my feed"}]}, "sources.0.url"),
    ],
)
def test_bad_config_exits_non_zero_with_one_line_naming_the_key(
    tmp_path: Path, overrides: dict[str, object], key: str
) -> None:
    config = write_config(tmp_path, **overrides)
    result = rdwatch("run", "--no-prefect", "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{config}: {key}: " in lines[0]


def test_run_export_and_alerts_list(tmp_path: Path, site: SiteServer, receiver: Receiver) -> None:
    config = write_config(
        tmp_path,
        sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
        alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
    )
    run = rdwatch("run", "--no-prefect", "--config", str(config))
    assert run.returncode == 0, run.stderr + run.stdout
    assert "alerts sent" in run.stdout

    export = rdwatch("export", "--format", "jsonl", "--config", str(config))
    assert export.returncode == 0, export.stderr
    records = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(records) == 8
    assert {r["status"] for r in records} == {"archive", "new", "duplicate"}
    for record in records:
        assert set(record) >= {
            "url", "title", "published", "source", "status", "story_id", "duplicate_of",
            "notable", "score", "reasons", "facts",
        }  # fmt: skip

    alerts = rdwatch("alerts", "list", "--json", "--config", str(config))
    assert alerts.returncode == 0, alerts.stderr
    [alert] = json.loads(alerts.stdout)
    assert alert["channel"] == "webhook" and alert["status"] == "sent" and alert["attempts"] == 1
    assert isinstance(alert["story_id"], int)


def test_run_names_every_failed_source(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, sources=[{"name": "dead-host", "kind": "feed", "url": "http://127.0.0.1:9/x"}]
    )
    result = rdwatch("run", "--no-prefect", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "dead-host" in result.stdout and "http://127.0.0.1:9/x" in result.stdout


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = rdwatch("db", "upgrade", "--config", str(config))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "database" in result.stderr


def _one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr + result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("rdwatch: error: "), line
    for text in expected:
        assert text in line, line
    return line


def test_a_database_server_that_never_answers_is_one_clear_line(tmp_path: Path) -> None:
    with silent_server() as port:
        config = write_config(
            tmp_path, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/rdwatch"
        )
        started = time.monotonic()
        result = rdwatch("stories", "list", "--config", str(config))
    waited = time.monotonic() - started
    timeout = POSTGRES_CONNECT_TIMEOUT_S
    _one_line_error(result, f"no answer from 127.0.0.1:{port} within {timeout} s")
    # One wait of the connect timeout, not one per attempt, plus the process's start.
    assert waited < timeout + 8, waited


def test_a_database_folder_that_cannot_be_created_is_one_clear_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    config = write_config(tmp_path, database_url=f"sqlite:///{locked / 'data' / 'rdwatch.db'}")
    with read_only_folder(locked):
        result = rdwatch("run", "--no-prefect", "--config", str(config))
    _one_line_error(result, f"cannot create the database folder {locked / 'data'}")


def test_a_read_only_database_serves_reads_and_refuses_writes(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    config = write_config(tmp_path, database_url=f"sqlite:///{folder / 'rdwatch.db'}")
    imported = rdwatch("archive", "import", "config/archive", "--config", str(config))
    assert imported.returncode == 0, imported.stderr
    with read_only_folder(folder):
        for read in (["stories", "list"], ["sources", "list"], ["alerts", "list", "--json"]):
            result = rdwatch(*read, "--config", str(config))
            assert result.returncode == 0, f"{read}: {result.stderr}"
        export = rdwatch("export", "--config", str(config))
        assert export.returncode == 0, export.stderr
        assert {json.loads(line)["status"] for line in export.stdout.splitlines()} == {"archive"}
        run = rdwatch("run", "--no-prefect", "--config", str(config))
        _one_line_error(run, "rdwatch.db cannot be written", "read-only")
        assert sorted(p.name for p in folder.iterdir()) == ["rdwatch.db"]


@pytest.mark.parametrize("command", [["stories", "show", "999"], ["export", "--format", "csv"]])
def test_user_errors_exit_2(tmp_path: Path, command: list[str]) -> None:
    config = write_config(tmp_path)
    result = rdwatch(*command, "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("rdwatch: error:")


def test_explain_prints_each_decision_and_json(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    writeup = tmp_path / "writeup.txt"
    fixture = ROOT / "tests" / "data" / "dedup" / "004_b_writeup.txt"
    writeup.write_text(fixture.read_text(encoding="utf-8").split("\n---\n", 1)[1])
    result = rdwatch("explain", str(writeup), "--config", str(config))
    assert result.returncode == 0, result.stderr + result.stdout
    lines = {
        line.split(maxsplit=1)[0]: line for line in result.stdout.splitlines() if line[:1] != " "
    }
    assert "same_story (tier same_story): same story as story" in lines["dedup"]
    assert "archive://004_" in result.stdout
    assert "joins archive story" in lines["story"]
    assert "similarity" in lines["nearest"] and "count: 100 postdocs" in result.stdout
    assert lines["alert"].startswith("alert      no — joins archive story")

    as_json = rdwatch("explain", str(writeup), "--json", "--config", str(config))
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["dedup"]["tier"] == "same_story" and record["alert"]["would_alert"] is False


def test_explain_user_errors_are_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, fetch={"allow_private_addresses": True, "retries": 0})
    for target in (str(tmp_path / "missing.html"), "http://127.0.0.1:9/article.html"):
        result = rdwatch("explain", target, "--config", str(config))
        assert result.returncode == 2, result.stderr + result.stdout
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("rdwatch: error:") and target in result.stderr


HAND_WRITTEN = """\
# my rdwatch config
database_url: sqlite:///{db}   # local file
sources:
  - name: keep-me   # an old favourite
    kind: feed
    url: "https://example.com/feed.xml"

fetch:
  allow_private_addresses: true   # the test site is on 127.0.0.1
  retries: 0
"""


def test_sources_add_finds_the_pages_feed_and_keeps_the_config_readable(tmp_path: Path) -> None:
    site_root = tmp_path / "site"
    (site_root / "news").mkdir(parents=True)
    (site_root / "news" / "index.html").write_text(
        '<html><head><link rel="alternate" type="application/rss+xml" href="../feed.xml">'
        "</head><body>Newsroom</body></html>"
    )
    (site_root / "news" / "plain.html").write_text("<html><body>no feed here</body></html>")
    (site_root / "feed.xml").write_text((ROOT / "tests/data/site/feed.xml").read_text())
    config = tmp_path / "rdwatch.yaml"
    config.write_text(HAND_WRITTEN.format(db=tmp_path / "rd.db"))
    with serve_site(site_root) as site:
        added = rdwatch("sources", "add", site.url("news/index.html"), "--config", str(config))
        assert added.returncode == 0, added.stderr + added.stdout
        assert f"found feed {site.url('feed.xml')} on {site.url('news/index.html')}" in added.stdout
        assert "added source 127-0-0-1 (feed, 3 items now)" in added.stdout
        text = config.read_text()
        assert "# my rdwatch config" in text and "# an old favourite" in text
        assert [s.name for s in load_config(config).sources] == ["keep-me", "127-0-0-1"]

        errors = {
            "already exists": [site.url("news/index.html")],
            "no feed found": [site.url("news/plain.html"), "--name", "plain"],
            "HTTP 404": [site.url("news/gone.html"), "--name", "gone"],
        }
        for message, args in errors.items():
            result = rdwatch("sources", "add", *args, "--config", str(config))
            assert result.returncode == 2, result.stderr + result.stdout
            assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert config.read_text() == text
