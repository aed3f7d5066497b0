"""Outbox delivery to real local channels: webhook (json://, mmost://), SMTP (mailto://).

Covers the delivery promises: one alert per story per channel, a channel that is down
gets the alert exactly once on a later run, routing by score and tag, and secrets never shown.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from rdwatch import pipeline as core
from rdwatch.models import Article
from rdwatch.report import summary_markdown
from rdwatch.store import outbox as outbox_store
from tests.notify.conftest import Clock, notable_article, open_pipeline
from tests.notify.receivers import SmtpServer
from tests.servers import Receiver

HOSTILE = "DAMO Academy <script>alert('x')</script> unveils quantum lab with US$500 million budget"


def _entries(pipeline: core.Pipeline) -> list[outbox_store.OutboxEntry]:
    with pipeline.db.session() as session:
        return outbox_store.list_entries(session)


def test_json_and_mattermost_channels_each_get_the_alert_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    channels = [
        {"url": f"json://{receiver.base}/hook", "name": "webhook"},
        {"url": f"mmost://{receiver.base}/hooktoken123", "name": "mattermost"},
    ]
    pipeline = open_pipeline(tmp_path, channels)
    try:
        result = pipeline.ingest_article(notable_article(HOSTILE))
        first = core.deliver(pipeline)
        again = core.deliver(pipeline)
    finally:
        pipeline.close()

    assert result.alerts_queued == 2 and len(first.sent) == 2, (result, first)
    assert again.sent == () and again.failed == ()
    by_path = {path: body for path, body in receiver.requests}
    assert set(by_path) == {"/hook", "/hooks/hooktoken123"}, by_path
    chat = receiver.json_bodies()
    mattermost = next(b for p, b in zip(by_path, chat, strict=True) if p.startswith("/hooks"))
    text = mattermost["text"]
    assert "US$500 m" in text.replace("\\", ""), text
    assert "https://news.example/damo-quantum" in text
    assert "**Why** (score" in text and "announces a launch" in text
    assert "announcement_verb" not in text.replace("\\", "")
    assert len(text.splitlines()) <= 10, text  # the title Mattermost puts above the body included
    for body in (by_path["/hook"].decode(), text):
        assert "<script>" not in body, body


def test_email_is_multipart_html_and_text_with_the_hostile_title_escaped(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    pipeline = open_pipeline(tmp_path, [{"url": smtp.mailto(), "name": "email"}])
    try:
        pipeline.ingest_article(notable_article(HOSTILE))
        report = core.deliver(pipeline)
    finally:
        pipeline.close()

    assert len(report.sent) == 1, report
    [message] = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html, html
    assert "<table" in html and "US$500 m" in html and "style=" in html
    for part in (re.sub(r"<[^>]+>", "", html), text):  # the text part tells what the HTML does
        for shown in ("https://news.example/damo-quantum", "asia-tech-ledger", "200 researchers",
                      "US$500 m · new", "Why you got this (score", "announces a launch",
                      "committing US$500 million over the next five years"):  # fmt: skip
            assert shown in part, (shown, part)
    assert "quantum lab" in message["Subject"]


def test_a_channel_down_during_a_run_gets_the_alert_exactly_once_on_the_next_run(
    tmp_path: Path, receiver: Receiver, clock: Clock
) -> None:
    pipeline = open_pipeline(tmp_path, [{"url": f"json://{receiver.base}/hook"}], clock)
    try:
        pipeline.ingest_article(notable_article())
        receiver.fail = True
        down = core.deliver(pipeline)
        receiver.fail = False
        too_soon = core.deliver(pipeline)  # still inside the retry backoff
        clock.advance(minutes=15)  # the next scheduled run
        next_run = core.deliver(pipeline)
        clock.advance(minutes=15)
        after = core.deliver(pipeline)
        [entry] = _entries(pipeline)
    finally:
        pipeline.close()

    assert len(down.failed) == 1 and down.sent == (), down
    assert too_soon.sent == () and too_soon.failed == ()
    assert len(next_run.sent) == 1 and after.sent == ()
    assert len(receiver.requests) == 1
    assert (entry.status, entry.attempts) == ("sent", 2)


def test_failures_back_off_and_give_up_after_max_attempts(
    tmp_path: Path, receiver: Receiver, clock: Clock
) -> None:
    receiver.fail = True
    pipeline = open_pipeline(
        tmp_path, [{"url": f"json://{receiver.base}/hook"}], clock, max_attempts=3
    )
    try:
        pipeline.ingest_article(notable_article())
        failures = []
        for _ in range(5):
            failures.append(len(core.deliver(pipeline).failed))
            clock.advance(hours=1)
        [entry] = _entries(pipeline)
    finally:
        pipeline.close()
    assert failures == [1, 1, 1, 0, 0]
    assert (entry.status, entry.attempts) == ("gave_up", 3)
    assert entry.last_error


def test_failed_alerts_are_in_the_run_summary_and_artifact_without_secrets(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-hook-password"
    url = f"json://rdwatch:{secret}@{receiver.base}/hook?token={secret}"
    receiver.fail = True
    pipeline = open_pipeline(tmp_path, [{"url": url}])
    try:
        pipeline.ingest_article(notable_article())
        with caplog.at_level(logging.DEBUG):
            delivery = core.deliver(pipeline)
        [entry] = _entries(pipeline)
    finally:
        pipeline.close()
    summary = core.summarise(core.utc_now(), core.utc_now(), [], core.BatchResult(), delivery)
    artifact = summary_markdown(summary)

    assert len(summary.alerts_failed) == 1
    assert "Failed alerts" in artifact and entry.channel in artifact
    shown = [artifact, caplog.text, entry.last_error or "", entry.channel, repr(summary)]
    for text in shown:
        assert secret not in text, text


def test_routing_by_min_score_and_by_tag(tmp_path: Path, receiver: Receiver) -> None:
    channels = [
        {"url": f"json://{receiver.base}/chat", "name": "chat", "tags": ["chat"]},
        {"url": f"json://{receiver.base}/email", "name": "email", "tags": ["email"]},
        {"url": f"json://{receiver.base}/vip", "name": "vip", "min_score": 0.99},
        {"url": f"json://{receiver.base}/digest", "name": "digest-only", "kind": "digest"},
    ]
    pipeline = open_pipeline(tmp_path, channels, tag_min_scores={"email": 0.9})
    try:
        strong = pipeline.ingest_article(notable_article())
        weak = pipeline.ingest_article(
            Article(
                url="https://news.example/appointment",
                title="DAMO Academy appoints Zhou Jingren to lead research",
                text="Alibaba's DAMO Academy has appointed Zhou Jingren to lead its research.",
                source="shenzhen-tech-daily",
            ),
        )
        queued = {(e.story_id, e.channel) for e in _entries(pipeline)}
    finally:
        pipeline.close()

    assert strong.notability and weak.notability
    assert strong.notability.score >= 0.9 > weak.notability.score >= 0.5, (strong, weak)
    assert queued == {
        (strong.story_id, "chat"),
        (strong.story_id, "email"),
        (weak.story_id, "chat"),
    }


def test_channels_from_an_apprise_config_file(tmp_path: Path, receiver: Receiver) -> None:
    config_file = tmp_path / "apprise.yaml"
    config_file.write_text(
        f"urls:\n  - json://{receiver.base}/from-file:\n      - tag: chat\n", encoding="utf-8"
    )
    pipeline = open_pipeline(tmp_path, [], apprise_config=str(config_file))
    try:
        [sender] = pipeline.senders
        pipeline.ingest_article(notable_article())
        report = core.deliver(pipeline)
    finally:
        pipeline.close()
    assert sender.channel_id.startswith("json-") and "127.0.0.1" not in sender.channel_id
    assert len(report.sent) == 1
    assert [path for path, _ in receiver.requests] == ["/from-file"]
