"""Spike alerts end to end: articles ingested at a settable clock, a local webhook receiver; one
alert for a burst, none for a steady stream, routed like any alert."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from rdwatch import pipeline as core
from rdwatch.models import Article
from rdwatch.store import outbox as outbox_store
from tests.notify.conftest import Clock, open_pipeline
from tests.servers import Receiver

SPIKE = {"factor": 4, "min_publishers": 5, "window": "1h"}
TITLE = "T-Head shows XuanTie C930 RISC-V processor at Hangzhou developer event"
TEXT = (
    "T-Head, the chip unit of Alibaba, showed its XuanTie C930 RISC-V processor to developers "
    "in Hangzhou on Tuesday and said samples would reach partners next year."
)


def _report(outlet: str, n: int = 0) -> Article:
    """The same report as carried by one outlet."""
    return Article(
        url=f"https://{outlet}.example/xuantie-{n}", title=TITLE, text=TEXT, source="wires",
        publisher=outlet.title(),
    )  # fmt: skip


def _channels(receiver: Receiver) -> list[dict[str, Any]]:
    return [
        {"url": f"json://{receiver.base}/chips", "name": "chips",
         "route": {"entities": ["T-Head"]}},
        {"url": f"json://{receiver.base}/people", "name": "people",
         "route": {"fact_kinds": ["role_change"]}},
        {"url": f"json://{receiver.base}/digest", "name": "digest", "kind": "digest"},
    ]  # fmt: skip


def test_a_burst_of_eight_publishers_in_an_hour_is_alerted_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock()
    pipeline = open_pipeline(tmp_path, _channels(receiver), clock, spike=SPIKE)
    try:
        for i in range(8):
            pipeline.ingest_article(_report(f"outlet{i}"))
            clock.advance(minutes=6)
        first = core.deliver(pipeline)
        for i in range(8, 11):  # the burst goes on
            pipeline.ingest_article(_report(f"outlet{i}"))
            clock.advance(minutes=6)
        going_on = core.deliver(pipeline)
        clock.advance(minutes=1)
        again = core.deliver(pipeline)
        with pipeline.db.session() as session:
            entries = outbox_store.list_entries(session)
    finally:
        pipeline.close()

    # The story's own alert, and the spike: on the channel routing T-Head only.
    assert [channel for _, channel in first.sent] == ["chips", "chips"], first
    assert going_on.sent == () and again.sent == (), (going_on, again)
    spikes = [(e.channel, e.status) for e in entries if e.kind == "spike"]
    assert spikes == [("chips", "sent")], entries
    assert {path for path, _ in receiver.requests} == {"/chips"}
    [body] = [b for b in receiver.json_bodies() if "spike" in b["title"]]
    assert body["title"] == "rdwatch spike: T-Head: 8 publishers in 1h", body
    message = body["message"].replace("\\", "")
    assert "8 distinct publishers covered T-Head in 1h" in message, message
    assert "against a usual 1.0 per 1h over the previous 7 days" in message, message
    assert "XuanTie C930" in message and "https://outlet7.example/xuantie-0" in message, message


def test_a_steady_stream_is_not_a_spike(tmp_path: Path, receiver: Receiver) -> None:
    clock = Clock()
    settings = SPIKE | {"baseline_days": 1}
    pipeline = open_pipeline(tmp_path, _channels(receiver), clock, spike=settings)
    try:
        for hour in range(26):  # five outlets an hour, every hour, for a day and more
            for i in range(5):
                pipeline.ingest_article(_report(f"outlet{i}", hour))
            clock.advance(hours=1)
            core.deliver(pipeline)
        with pipeline.db.session() as session:
            entries = outbox_store.list_entries(session)
    finally:
        pipeline.close()
    assert [e for e in entries if e.kind == "spike"] == [], entries
    assert not any("spike" in b["title"] for b in receiver.json_bodies())
    assert clock() - timedelta(hours=26) < clock()
