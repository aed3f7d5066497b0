"""The CLI contract (design §4.1): commands, exit codes, one-line errors, JSON outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.servers import Receiver, SiteServer

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


def test_bad_config_exits_non_zero_with_one_line_naming_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, fetch={"timeout_s": "soon"})
    result = rdwatch("run", "--no-prefect", "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "fetch.timeout_s" in lines[0]


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


@pytest.mark.parametrize("command", [["stories", "show", "999"], ["export", "--format", "csv"]])
def test_user_errors_exit_2(tmp_path: Path, command: list[str]) -> None:
    config = write_config(tmp_path)
    result = rdwatch(*command, "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("rdwatch: error:")
