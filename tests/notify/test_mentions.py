"""Mentions in titles reach no one: `@everyone`, `@here`, `@channel` and the `<@…>`/`<!…>` forms,
checked in the payloads chat services would receive. Mattermost and a JSON webhook are local
receivers; Discord and Slack URLs name public hosts, so their requests are intercepted in the
process and never sent."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rdwatch import pipeline as core
from tests.notify.conftest import Intercepted, notable_article, open_pipeline
from tests.servers import Receiver

# What the services themselves would ping on, once apprise has rewritten the text for them (a
# `<!…>` apprise's Slack plugin rebuilds around a neutralised mention stays dead: `<!` then a
# zero-width space).
LIVE_IN_PAYLOAD = re.compile(r"@(?:everyone|here|channel|all)\b|<[@!#]\w|@&?\d", re.IGNORECASE)

TITLE = (
    "DAMO Academy unveils quantum lab with US$500 million budget "
    "@everyone @here @channel @all <@1234> <@&567> <!channel> <!here|here> <!everyone>"
)
DISCORD = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def _deliver_hostile_alert(tmp_path: Path, channels: list[dict[str, Any]]) -> None:
    pipeline = open_pipeline(tmp_path, channels)
    try:
        article = notable_article(TITLE)
        text = f"{article.text} Readers may reply to @channel or <@99> with questions."
        result = pipeline.ingest_article(replace(article, text=text))
        report = core.deliver(pipeline)
    finally:
        pipeline.close()
    assert result.alerts_queued == len(channels) and len(report.sent) == len(channels), report


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _assert_nobody_mentioned(payload: dict[str, Any]) -> None:
    texts = _strings(payload)
    assert any("quantum lab" in t for t in texts), payload
    for text in texts:
        assert not LIVE_IN_PAYLOAD.search(text), text


def test_webhook_and_mattermost_payloads_mention_nobody(tmp_path: Path, receiver: Receiver) -> None:
    channels = [
        {"url": f"json://{receiver.base}/hook", "name": "webhook"},
        {"url": f"mmost://{receiver.base}/hooktoken123", "name": "mattermost"},
    ]
    _deliver_hostile_alert(tmp_path, channels)
    assert len(receiver.requests) == 2
    for payload in receiver.json_bodies():
        _assert_nobody_mentioned(payload)


@pytest.mark.parametrize("url", [DISCORD, SLACK, f"{SLACK}?blocks=no"], ids=["discord", "slack",
                         "slack-legacy"])  # fmt: skip
def test_discord_and_slack_payloads_mention_nobody(
    tmp_path: Path, intercepted: Intercepted, url: str
) -> None:
    _deliver_hostile_alert(tmp_path, [{"url": url, "name": "chat"}])
    assert intercepted.requests, "apprise made no request"
    for target, body in intercepted.requests:
        assert target.startswith(("https://discord.com/", "https://hooks.slack.com/")), target
        payload = json.loads(body)
        _assert_nobody_mentioned(payload)
        assert not payload.get("allow_mentions"), payload  # apprise's Discord ping list


def test_the_interceptor_refuses_any_host_but_loopback(intercepted: Intercepted) -> None:
    import socket

    with socket.socket() as probe, pytest.raises(OSError, match="only loopback"):
        probe.connect(("192.0.2.1", 443))
