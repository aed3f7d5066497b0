"""Routing: channels select alerts by watched entity, tag, fact kind or product; urgency bands;
`rdwatch alerts route` shows the same decisions ingest makes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rdwatch import pipeline as core
from rdwatch.cli import app
from rdwatch.config import RouteConfig, UrgencyConfig, load_config
from rdwatch.models import Fact
from rdwatch.notify.routing import (
    ChannelRules,
    RouteSubject,
    Tier,
    alert_channels,
    route_story,
    tier_of,
)
from rdwatch.store import outbox as outbox_store
from tests.conftest import write_config
from tests.notify.conftest import notable_article
from tests.servers import Receiver

runner = CliRunner()
CHIP = Fact("area", "chips", "area:semiconductors")
XUANTIE = Fact("product", "XuanTie C930", "product:xuantie-c930")
PERSON = Fact("person", "Lin Yaqi", "person:lin yaqi", role="director")
RULES = [
    ChannelRules("everything"),
    ChannelRules("chips", route=RouteConfig(entities=["T-Head"], tags=["semiconductors"])),
    ChannelRules("people", route=RouteConfig(fact_kinds=["role_change"])),
    ChannelRules("xuantie", route=RouteConfig(products=["Xuantie C-930"])),
    ChannelRules("digest", receives="digest"),
    ChannelRules("high", min_score=0.9),
]


def _subject(**fields: object) -> RouteSubject:
    values: dict[str, object] = {"story_id": 1, "score": 0.7, "notable": True} | fields
    return RouteSubject(**values)  # type: ignore[arg-type]


def test_a_route_selects_by_entity_tag_fact_kind_or_product() -> None:
    urgency = UrgencyConfig()
    t_head = _subject(watched=("T-Head",))
    assert alert_channels(t_head, RULES, urgency) == ["everything", "chips"]
    by_tag = _subject(facts=(CHIP,))
    assert alert_channels(by_tag, RULES, urgency) == ["everything", "chips"]
    tag_as_written = RouteConfig(tags=["Chips"])
    assert alert_channels(by_tag, [ChannelRules("c", route=tag_as_written)], urgency) == ["c"]
    moved = _subject(facts=(PERSON,), role_change=True)
    assert alert_channels(moved, RULES, urgency) == ["everything", "people"]
    named_only = _subject(facts=(PERSON,))  # a person in a role, but no change of role
    assert alert_channels(named_only, RULES, urgency) == ["everything"]
    product = _subject(facts=(XUANTIE,), score=0.95)
    assert alert_channels(product, RULES, urgency) == ["everything", "xuantie", "high"]


def test_every_channel_not_reached_says_why() -> None:
    decisions = {d.channel: d for d in route_story(_subject(facts=(CHIP,)), RULES, UrgencyConfig())}
    assert decisions["chips"].reaches and decisions["chips"].reason == "route: tag semiconductors"
    assert not decisions["people"].reaches
    assert "selects none" in decisions["people"].reason
    assert decisions["digest"].reason == "the channel takes digests only"
    assert decisions["high"].reason == "score 0.70 is below the channel's minimum 0.90"
    quiet = route_story(_subject(notable=False), RULES[:1], UrgencyConfig())
    assert quiet[0].reason == "the story is not notable (score 0.70)", quiet


def test_urgency_bands_and_digest_only() -> None:
    bands = UrgencyConfig(urgent=0.85, normal=0.5)
    assert [tier_of(s, bands) for s in (0.9, 0.85, 0.6, 0.49)] == [
        Tier.URGENT, Tier.URGENT, Tier.NORMAL, Tier.DIGEST_ONLY,
    ]  # fmt: skip
    assert tier_of(0.99, UrgencyConfig()) == Tier.NORMAL  # no urgent band by default
    [decision] = route_story(_subject(score=0.45), RULES[:1], bands)
    assert not decision.reaches
    assert decision.reason == "digest-only: score 0.45 is below the normal band 0.50"


def test_ingest_queues_alerts_by_route_and_alerts_route_explains_it(
    tmp_path: Path, receiver: Receiver
) -> None:
    channels = [
        {"url": f"json://{receiver.base}/all", "name": "all"},
        {"url": f"json://{receiver.base}/quantum", "name": "quantum",
         "route": {"tags": ["quantum computing"]}},
        {"url": f"json://{receiver.base}/chips", "name": "chips",
         "route": {"entities": ["T-Head"], "tags": ["chips"]}},
        {"url": f"json://{receiver.base}/people", "name": "people",
         "route": {"fact_kinds": ["role_change"]}},
        {"url": f"json://{receiver.base}/damo", "name": "damo",
         "route": {"entities": ["DAMO Academy"]}},
    ]  # fmt: skip
    config = write_config(tmp_path, alerts={"channels": channels})
    pipeline = core.open_pipeline(load_config(config))
    try:
        result = pipeline.ingest_article(notable_article())
        with pipeline.db.session() as session:
            queued = {e.channel for e in outbox_store.list_entries(session)}
    finally:
        pipeline.close()
    assert queued == {"all", "quantum", "damo"}, queued
    assert receiver.requests == []  # routing queues; nothing was delivered

    out = runner.invoke(app, ["alerts", "route", str(result.story_id), "--config", str(config)])

    assert out.exit_code == 0, out.output
    rows = {line.split()[1]: line for line in out.output.splitlines() if "│" in line[:2]}
    assert f"story {result.story_id}: DAMO Academy unveils" in out.output, out.output
    assert "yes" in rows["all"] and "no route" in rows["all"], out.output
    assert "yes" in rows["quantum"] and "tag quantum computing" in rows["quantum"], out.output
    assert "yes" in rows["damo"] and "entity DAMO Academy" in rows["damo"], out.output
    for channel in ("chips", "people"):
        assert " no " in rows[channel] and "selects none" in rows[channel], out.output


def test_alerts_route_on_an_unknown_story_is_one_clear_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    out = runner.invoke(app, ["alerts", "route", "999", "--config", str(config)])
    assert out.exit_code == 2, out.output
    assert "no story with id 999" in out.output, out.output
