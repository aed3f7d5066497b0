"""`rdwatch alerts test|resend|list`: a result per channel, exit codes, secrets never printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rdwatch import pipeline as core
from rdwatch.cli import app
from rdwatch.config import load_config
from tests.conftest import write_config
from tests.notify.conftest import notable_article
from tests.notify.receivers import SmtpServer
from tests.servers import Receiver

SECRET = "hunter2-token"
runner = CliRunner()


def test_alerts_test_reports_each_channel_and_fails_when_one_is_down(
    tmp_path: Path, receiver: Receiver, smtp: SmtpServer
) -> None:
    config = write_config(
        tmp_path,
        alerts={
            "channels": [
                {"url": f"json://{receiver.base}/hook", "name": "chat"},
                {"url": smtp.mailto(), "name": "email"},
                {"url": f"json://bot:{SECRET}@127.0.0.1:9/down?token={SECRET}", "name": "dead"},
            ]
        },
    )
    result = runner.invoke(app, ["alerts", "test", "--config", str(config)])

    assert result.exit_code == 1, result.output
    lines = {line.split()[1]: line for line in result.output.splitlines() if "│" in line[:2]}
    assert "ok" in lines["chat"] and "ok" in lines["email"], result.output
    assert "FAILED" in lines["dead"], result.output
    assert SECRET not in result.output
    assert "test message" in receiver.json_bodies()[0]["title"]
    assert len(smtp.messages) == 1


def test_alerts_test_exits_zero_when_every_channel_works(
    tmp_path: Path, receiver: Receiver
) -> None:
    config = write_config(tmp_path, alerts={"channels": [{"url": f"json://{receiver.base}/h"}]})
    result = runner.invoke(app, ["alerts", "test", "--config", str(config)])
    assert result.exit_code == 0, result.output


def test_alerts_resend_sends_one_alert_again_and_list_hides_secrets(
    tmp_path: Path, receiver: Receiver
) -> None:
    url = f"json://bot:{SECRET}@{receiver.base}/hook"
    config = write_config(tmp_path, alerts={"channels": [{"url": url}]})
    pipeline = core.open_pipeline(load_config(config))
    try:
        pipeline.ingest_article(notable_article())
        core.deliver(pipeline)
    finally:
        pipeline.close()

    listed = runner.invoke(app, ["alerts", "list", "--json", "--config", str(config)])
    [alert] = json.loads(listed.output)
    resent = runner.invoke(app, ["alerts", "resend", str(alert["id"]), "--config", str(config)])
    missing = runner.invoke(app, ["alerts", "resend", "999", "--config", str(config)])

    assert alert["status"] == "sent"
    assert resent.exit_code == 0, resent.output
    assert f"alert {alert['id']}" in resent.output and "sent" in resent.output
    assert len(receiver.requests) == 2
    assert missing.exit_code != 0
    for output in (listed.output, resent.output):
        assert SECRET not in output
