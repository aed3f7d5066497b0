"""Quiet hours and daily budgets on real deliveries (a local webhook receiver, a settable clock):
a held alert goes once when its window ends, across restarts; urgent alerts go through; a budget
sends the highest scores and folds the rest into the channel's next digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from rdwatch import pipeline as core
from rdwatch.digest import META_KEY, send_digests
from rdwatch.models import Article
from rdwatch.store import outbox as outbox_store
from rdwatch.store.meta import set_meta
from rdwatch.store.schema import OutboxRow
from tests.notify.conftest import Clock, notable_article, open_pipeline
from tests.servers import Receiver

NIGHT = {"start": "22:00", "end": "07:00", "timezone": "Europe/London"}
LATE = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # London is on UTC in November
MORNING = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
STORIES = [
    ("T-Head launches XuanTie C930 server processor with US$300 million fab deal",
     "T-Head, Alibaba's chip unit, launched the XuanTie C930 RISC-V processor for data centres "
     "on Monday and signed a US$300 million manufacturing agreement."),
    ("Alibaba Cloud opens Frankfurt data centre with US$200 million investment",
     "Alibaba Cloud announced a US$200 million investment in a new Frankfurt data centre, its "
     "third in Germany, serving European retailers and logistics companies from next spring."),
    ("Hupan Lab hires 300 researchers for protein folding project",
     "Hupan Lab, the Hangzhou research institute backed by Alibaba, said it will hire 300 "
     "researchers for a protein folding and drug discovery project funded with US$150 million."),
    ("DAMO Academy releases pancreatic cancer imaging model after US$80 million trial",
     "Alibaba DAMO Academy released a medical imaging model that detects pancreatic tumours in "
     "routine CT scans, after a US$80 million clinical trial across twelve hospitals."),
]  # fmt: skip


def _channel(receiver: Receiver, **settings: Any) -> list[dict[str, Any]]:
    return [{"url": f"json://{receiver.base}/chat", "name": "chat", **settings}]


def _deliver(tmp_path: Path, channels: list[dict[str, Any]], at: datetime) -> int:
    """One delivery run in a process of its own: the store reopened, nothing kept in memory."""
    pipeline = open_pipeline(tmp_path, channels, Clock(at))
    try:
        return len(core.deliver(pipeline).sent)
    finally:
        pipeline.close()


def _entries(pipeline: core.Pipeline) -> list[outbox_store.OutboxEntry]:
    with pipeline.db.session() as session:
        return outbox_store.list_entries(session)


def test_an_alert_held_by_quiet_hours_goes_once_when_they_end_across_restarts(
    tmp_path: Path, receiver: Receiver
) -> None:
    channels = _channel(receiver, quiet_hours=NIGHT)
    pipeline = open_pipeline(tmp_path, channels, Clock(LATE))
    try:
        pipeline.ingest_article(notable_article())
        at_night = core.deliver(pipeline)
        [held] = _entries(pipeline)
    finally:
        pipeline.close()
    assert at_night.sent == () and receiver.requests == []
    assert (held.status, held.next_attempt_at) == (outbox_store.PENDING, MORNING), held

    assert _deliver(tmp_path, channels, MORNING - timedelta(minutes=1)) == 0
    assert _deliver(tmp_path, channels, MORNING) == 1
    assert _deliver(tmp_path, channels, MORNING + timedelta(minutes=5)) == 0
    assert _deliver(tmp_path, channels, MORNING + timedelta(hours=1)) == 0
    assert len(receiver.requests) == 1, receiver.requests
    assert "quantum lab" in receiver.json_bodies()[0]["title"]


def test_an_urgent_alert_goes_through_quiet_hours(tmp_path: Path, receiver: Receiver) -> None:
    score = 0.95  # the notable article's score: above the urgent band
    channels = _channel(receiver, quiet_hours=NIGHT)
    pipeline = open_pipeline(
        tmp_path, channels, Clock(LATE), urgency={"urgent": score - 0.05, "normal": 0.5}
    )
    try:
        result = pipeline.ingest_article(notable_article())
        report = core.deliver(pipeline)
    finally:
        pipeline.close()
    assert result.notability is not None and result.notability.score == score, result
    assert len(report.sent) == 1 and len(receiver.requests) == 1, report


def test_a_budget_of_three_sends_the_top_three_and_folds_the_rest_into_the_digest(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    pipeline = open_pipeline(tmp_path, _channel(receiver, daily_budget=3), clock)
    articles = [notable_article()] + [
        Article(url=f"https://news.example/{i}", title=t, text=x, source="asia-tech-ledger")
        for i, (t, x) in enumerate(STORIES)
    ]
    scores = [0.6, 0.9, 0.55, 0.8, 0.7]
    try:
        story_ids = [pipeline.ingest_article(a).story_id for a in articles]
        with pipeline.db.session() as session:
            for story_id, score in zip(story_ids, scores, strict=True):
                session.execute(
                    update(OutboxRow).where(OutboxRow.story_id == story_id).values(score=score)
                )
            # The last digest went out after the stories were first seen: only a fold puts
            # them in the next one.
            set_meta(session, META_KEY.format(channel="chat"), "2026-11-20T09:30:00+00:00")
        clock.advance(hours=1)
        report = core.deliver(pipeline)
        again = core.deliver(pipeline)
        alerted = receiver.json_bodies()
        clock.advance(hours=1)
        [digest] = send_digests(pipeline.db, pipeline.senders, clock(), max_stories=10)
        entries = {e.story_id: e for e in _entries(pipeline)}
    finally:
        pipeline.close()

    assert len(report.sent) == 3 and again.sent == (), (report, again)
    top = {s for s, score in zip(story_ids, scores, strict=True) if score >= 0.7}
    assert {story for story, _ in report.sent} == top
    folded = {s for s, e in entries.items() if e.status == outbox_store.FOLDED}
    assert folded == set(story_ids) - top, entries
    assert all(entries[s].folded_at == clock() - timedelta(hours=1) for s in folded)
    assert (digest.stories, digest.sent) == (2, True), digest
    body = receiver.json_bodies()[len(alerted)]["message"].replace("\\", "")
    assert "quantum lab" in body and "Frankfurt" in body, body
    assert "XuanTie" not in body  # alerted, and first seen before the digest window
