"""Story updates: when an alerted story gains a material fact, an update says what changed,
rate-limited per story and channel (`alerts.update_every`, `alerts.max_updates_per_story`), on by
default; an alert stays one per story and channel, ever."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rdwatch import pipeline as core
from rdwatch.cli.alerts import _alert_record
from rdwatch.config import AlertsConfig, NotabilityConfig
from rdwatch.intelligence.updates import ChannelHistory, UpdateRules, plan_update
from rdwatch.models import Fact
from rdwatch.notify.render import MAX_CHAT_LINES
from rdwatch.store import outbox as outbox_store
from tests.intelligence.stories import PHOTONICS_AGREEING, PHOTONICS_FIRST, PHOTONICS_REVISED
from tests.notify.conftest import Clock, open_pipeline
from tests.notify.test_mentions import LIVE_IN_PAYLOAD
from tests.servers import Receiver

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
RULES = UpdateRules(every=timedelta(hours=6), max_per_story=2)
ONE_BN = Fact("money", "US$1 billion", "money:usd:1e9", value=1e9, currency="USD", usd=1e9)
BIGGER = Fact("money", "US$2 billion", "money:usd:2e9", value=2e9, currency="USD", usd=2e9)
SENT = ChannelHistory(alert_sent_at=T0, last_sent_at=T0, told=frozenset({ONE_BN.key}))


def _plan(history: ChannelHistory, now: datetime = T0 + timedelta(hours=1)) -> Any:
    return plan_update(history, (ONE_BN, BIGGER), set(), NotabilityConfig(), RULES, now)


def test_updates_are_on_by_default_every_six_hours_three_at_most() -> None:
    alerts = AlertsConfig()
    assert alerts.updates and alerts.update_interval == timedelta(hours=6)
    assert alerts.max_updates_per_story == 3


def test_an_update_waits_out_the_interval_since_the_last_message() -> None:
    plan = _plan(SENT)
    assert plan is not None and plan.sequence == 1
    assert plan.not_before == T0 + timedelta(hours=6)
    assert [str(c) for c in plan.changes] == ["amount: US$1 bn → US$2 bn"]
    assert _plan(SENT, T0 + timedelta(hours=9)).not_before == T0 + timedelta(hours=9)


def test_no_update_before_the_alert_while_one_waits_past_the_limit_or_without_change() -> None:
    assert _plan(ChannelHistory()) is None  # the alert will tell it all
    assert _plan(replace(SENT, waiting=True)) is None
    assert _plan(replace(SENT, updates=2)) is None
    told_all = replace(SENT, told=frozenset({ONE_BN.key, BIGGER.key}))
    assert _plan(told_all) is None


def _pipeline(tmp_path: Path, receiver: Receiver, clock: Clock, **alerts: Any) -> core.Pipeline:
    channel = {"url": f"json://{receiver.base}/h", "name": "chat", "format": "text"}
    return open_pipeline(tmp_path, [channel], clock, **alerts)


def _outbox(pipeline: core.Pipeline) -> list[tuple[str, int, str]]:
    with pipeline.db.session() as session:
        return [(e.kind, e.sequence, e.status) for e in outbox_store.list_entries(session)]


def test_an_amount_revised_by_a_second_outlet_makes_one_update_saying_what_changed(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock(T0)
    pipeline = _pipeline(tmp_path, receiver, clock)  # the default rate limit: 6 hours
    try:
        first = pipeline.ingest_article(PHOTONICS_FIRST)
        core.deliver(pipeline)
        clock.advance(hours=1)
        revised = pipeline.ingest_article(PHOTONICS_REVISED)
        core.deliver(pipeline)
        waiting = _outbox(pipeline)
        with pipeline.db.session() as session:
            listed = _alert_record(outbox_store.list_entries(session)[-1])
        clock.advance(hours=5)
        core.deliver(pipeline)
    finally:
        pipeline.close()

    assert revised.story_id == first.story_id, revised.decision
    assert waiting == [("alert", 0, "sent"), ("update", 1, "pending")]
    # `rdwatch alerts list --json` says when the waiting update may go.
    assert (listed["sequence"], listed["next_attempt_at"]) == (1, "2026-11-20T16:00:00+00:00")
    alert, update = receiver.json_bodies()
    assert update["title"] == f"rdwatch: Update: {PHOTONICS_FIRST.title}"
    body = update["message"]
    lines = body.splitlines()
    assert "Follow-up to alert #1 of 2026-11-20 10:00 UTC" in lines, body
    assert "- amount: US$1 bn → US$1.5 bn (Asia Ledger)" in lines, body
    assert "- person: Chen Hao, director of DAMO Academy (Asia Ledger)" in lines, body
    # New facts first, then the known ones; the disagreement is said too.
    facts = lines[lines.index("Key facts") + 1 : lines.index("Key facts") + 5]
    assert facts[0] == "- US$1.5 bn · new" and facts[-1].endswith("· known"), body
    assert "- amount: US$1 bn (Harbour Wire) vs US$1.5 bn (Asia Ledger)" in lines, body
    assert "2 facts new since the last alert" in body
    assert "amount" not in alert["message"].split("Key facts")[0]  # the alert had no changes


def test_updates_stop_at_the_limit_and_nothing_material_makes_none(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock(T0)
    pipeline = _pipeline(tmp_path, receiver, clock, update_every="0s", max_updates_per_story=1)
    try:
        pipeline.ingest_article(PHOTONICS_FIRST)
        core.deliver(pipeline)
        pipeline.ingest_article(PHOTONICS_AGREEING)  # the same amount and headcount
        core.deliver(pipeline)
        quiet = _outbox(pipeline)
        pipeline.ingest_article(PHOTONICS_REVISED)
        core.deliver(pipeline)
        bigger = replace(
            PHOTONICS_REVISED,
            url="https://asia-ledger.example/alibaba-photonics-2",
            text=PHOTONICS_REVISED.text.replace("US$1.5 billion", "US$2.5 billion"),
        )
        pipeline.ingest_article(bigger)
        core.deliver(pipeline)
        final = _outbox(pipeline)
    finally:
        pipeline.close()
    assert quiet == [("alert", 0, "sent")]
    assert final == [("alert", 0, "sent"), ("update", 1, "sent")]
    assert len(receiver.requests) == 2


def test_each_update_tells_what_changed_since_the_last_message(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock(T0)
    pipeline = _pipeline(tmp_path, receiver, clock, update_every="1h")
    try:
        pipeline.ingest_article(PHOTONICS_FIRST)
        core.deliver(pipeline)
        clock.advance(hours=2)
        pipeline.ingest_article(PHOTONICS_REVISED)
        core.deliver(pipeline)
        clock.advance(hours=2)
        bigger = replace(
            PHOTONICS_REVISED,
            url="https://delta-daily.example/photonics-2bn",
            publisher="Delta Daily",
            title="DAMO Academy raises photonic chip lab budget to US$2.5 billion",
            text="Alibaba's DAMO Academy has raised the budget of its photonic chip laboratory "
            "in Hangzhou to US$2.5 billion. The laboratory will employ 300 engineers when it "
            "opens in March 2027.",
        )
        pipeline.ingest_article(bigger)
        core.deliver(pipeline)
        outbox = _outbox(pipeline)
    finally:
        pipeline.close()
    assert outbox == [("alert", 0, "sent"), ("update", 1, "sent"), ("update", 2, "sent")]
    second = receiver.json_bodies()[2]["message"]
    assert "Follow-up 2 to alert #1" in second
    assert "- amount: US$1.5 bn → US$2.5 bn (Delta Daily)" in second.splitlines(), second


def test_an_update_with_changes_and_disputes_stays_within_the_chat_lines_and_pings_no_one(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock(T0)
    channel = {"url": f"json://{receiver.base}/h", "name": "chat"}  # markdown
    pipeline = open_pipeline(tmp_path, [channel], clock, update_every="0s")
    hostile = replace(PHOTONICS_REVISED, publisher="Asia Ledger @everyone <@123>")
    try:
        pipeline.ingest_article(PHOTONICS_FIRST)
        core.deliver(pipeline)
        pipeline.ingest_article(hostile)
        core.deliver(pipeline)
    finally:
        pipeline.close()
    update = receiver.json_bodies()[-1]["message"]
    lines = update.splitlines()
    assert len(lines) <= MAX_CHAT_LINES, update
    assert lines[2].startswith("**Changed:** amount: US$1 bn → US$1.5 bn (Asia Ledger"), update
    assert any(line.startswith("**Reports differ:** amount:") for line in lines), update
    assert not LIVE_IN_PAYLOAD.search(update), update
