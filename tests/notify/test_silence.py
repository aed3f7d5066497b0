"""Source-health alarms: a silent source alarmed once per silence, on the operations channels,
through the outbox; on a controllable clock, against a local feed and a local webhook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rdwatch import pipeline as core
from rdwatch.config import Config, parse_config
from rdwatch.models import RunSummary
from rdwatch.notify.silence import render_silence_alarm
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store.silences import SilenceEpisode, list_silences
from rdwatch.store.sources import list_source_health
from tests.conftest import make_config_data
from tests.fetch.servers import Server, rss, serve
from tests.notify.conftest import Clock
from tests.servers import Receiver

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def feed() -> Iterator[Server]:
    with serve() as server:
        _publish(server, 1)
        yield server


def _publish(server: Server, count: int) -> None:
    """The feed with `count` items (a new ETag each time it changes)."""
    items = [(f"Regional weather report {n}", f"http://127.0.0.1:9/w/{n}") for n in range(count)]
    server.route("quiet.xml", rss(*items), etag=f'"v{count}"')


def _config(tmp_path: Path, feed: Server, receiver: Receiver) -> Config:
    return parse_config(
        make_config_data(
            tmp_path,
            archive=None,
            sources=[{"name": "quiet", "url": feed.url("quiet.xml"), "expected_update_hours": 2}],
            fetch={"allow_private_addresses": True, "max_age_days": None, "follow_links": False},
            alerts={
                "channels": [
                    {"url": f"json://{receiver.base}/ops", "name": "ops", "operations": True},
                    {"url": f"json://{receiver.base}/news", "name": "news"},
                ]
            },
        )
    )


def _alarms(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, body)
        for (path, _), body in zip(receiver.requests, receiver.json_bodies(), strict=True)
        if "silent" in body["title"]
    ]


def _episodes(config: Config) -> list[SilenceEpisode]:
    db = Database(config.database_url)
    try:
        with db.session() as session:
            return list_silences(session)
    finally:
        db.dispose()


def _run(config: Config, clock: Clock, **later: float) -> RunSummary:
    clock.advance(**later)
    return core.run_once(config, clock=clock)


def test_a_silent_source_is_alarmed_once_per_silence_on_operations_channels(
    tmp_path: Path, feed: Server, receiver: Receiver
) -> None:
    config = _config(tmp_path, feed, receiver)
    clock = Clock(T0)
    first = _run(config, clock)
    assert first.silent_sources == () and _alarms(receiver) == []

    silent = _run(config, clock, hours=3)  # nothing new for 3 hours, 2 expected
    [(path, alarm)] = _alarms(receiver)
    assert path == "/ops", "only operations channels get source-health alarms"
    assert alarm["title"] == "rdwatch: source quiet is silent", alarm
    assert "since 2026-11-20 10:00 UTC (3.0 hours)" in alarm["message"], alarm
    assert "within 2.0 hours, from expected" in alarm["message"], alarm  # md-escaped key
    assert [s.split(":")[0] for s in silent.silent_sources] == ["quiet"]

    for hours in (1, 2, 3):  # still silent: the same episode, no second alarm
        assert _run(config, clock, hours=hours).silent_sources
    assert len(_alarms(receiver)) == 1

    _publish(feed, 2)  # items return: the silence is over
    back = _run(config, clock, hours=1)
    assert back.silent_sources == ()
    [episode] = _episodes(config)
    assert episode.started_at == T0 and episode.cleared_at == clock.now

    _run(config, clock, hours=3)  # silent again: a new episode, alarmed again, once
    _run(config, clock, hours=1)
    assert [path for path, _ in _alarms(receiver)] == ["/ops", "/ops"]
    second = _episodes(config)[1]
    assert second.started_at == clock.now - timedelta(hours=4) and second.cleared_at is None


def test_an_alarm_waits_in_the_outbox_while_its_channel_is_down_and_goes_once(
    tmp_path: Path, feed: Server, receiver: Receiver
) -> None:
    config = _config(tmp_path, feed, receiver)
    clock = Clock(T0)
    _run(config, clock)
    receiver.fail = True
    down = _run(config, clock, hours=3)
    assert [(story, channel) for story, channel, _ in down.alerts_failed] == [(None, "ops")]
    receiver.fail = False
    _run(config, clock, minutes=5)  # a new process: the queued alarm is found and sent
    _run(config, clock, minutes=5)
    assert len(_alarms(receiver)) == 1
    db = Database(config.database_url)
    try:
        with db.session() as session:
            [entry] = outbox_store.list_entries(session)
            health = {h.name: h for h in list_source_health(session)}
    finally:
        db.dispose()
    assert (entry.kind, entry.story_id, entry.status) == ("silence", None, "sent")
    assert health["quiet"].silent_since == T0


def test_a_source_that_never_brought_an_item_is_alarmed_after_its_period_since_added(
    tmp_path: Path, feed: Server, receiver: Receiver
) -> None:
    feed.route("quiet.xml", rss(), etag='"empty"')
    config = _config(tmp_path, feed, receiver)
    clock = Clock(T0)
    assert _run(config, clock).silent_sources == ()
    assert _run(config, clock, hours=1).silent_sources == ()
    assert _run(config, clock, hours=1, minutes=1).silent_sources
    [(_, alarm)] = _alarms(receiver)
    assert "since 2026-11-20 10:00 UTC" in alarm["message"], alarm


def test_the_alarm_reads_in_every_format() -> None:
    episode = SilenceEpisode(
        1, "tech<wire>", T0, T0 + timedelta(days=3), 2 * 86400, "learned", cleared_at=None
    )
    now = T0 + timedelta(days=3)
    text = render_silence_alarm(episode, "text", now)
    html = render_silence_alarm(episode, "html", now)
    markdown = render_silence_alarm(episode, "markdown", now)
    assert "No new item from tech<wire> since 2026-11-20 10:00 UTC (3.0 days)" in text.body
    assert "from its usual rhythm" in text.body and text.story_id is None
    assert "tech&lt;wire&gt;" in html.body and "<wire>" not in html.body
    assert "<wire>" not in markdown.body, markdown.body
