"""Which channels a story's alert reaches, and why not the others.

A channel takes a story's alert when it takes alerts at all (`kind`), the story is notable and
its score is in an alerting urgency band (below `urgency.normal` a story is digest-only), the
score clears the channel's floor (`min_score`, its tags' `tag_min_scores`), and its `route`, if
any, selects the story: a route selects a story matching any value it lists, of any list.

Pure: the story comes in as a `RouteSubject`, the channels as `ChannelRules`. Every decision
carries its reason, so `rdwatch alerts route` shows the same decisions ingest makes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rdwatch.config import AlertsConfig, QuietHoursConfig, RouteConfig, UrgencyConfig
from rdwatch.models import Fact
from rdwatch.notify.channels import Sender, channel_id

ROLE_CHANGE = "role_change"  # a fact kind for routes: the story reports a change of role


class Tier(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    DIGEST_ONLY = "digest-only"


@dataclass(frozen=True)
class RouteSubject:
    """What routing reads of a story."""

    story_id: int
    score: float
    notable: bool
    watched: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    role_change: bool = False


@dataclass(frozen=True)
class ChannelRules:
    """One channel's alert settings, beside its sender."""

    channel: str
    receives: str = "all"
    min_score: float | None = None
    route: RouteConfig | None = None
    timezone: str = "UTC"
    quiet_hours: QuietHoursConfig | None = None
    daily_budget: int | None = None


@dataclass(frozen=True)
class RouteDecision:
    channel: str
    reaches: bool
    reason: str


def channel_rules(senders: Sequence[Sender], settings: AlertsConfig) -> list[ChannelRules]:
    """Rules per sender, in sender order; channels not in `settings.channels` (the console, an
    apprise config file's) have no route, quiet hours or budget."""
    configured = {channel_id(c): c for c in settings.channels}
    rules = []
    for sender in senders:
        channel = configured.get(sender.channel_id)
        base = ChannelRules(sender.channel_id, sender.receives, sender.min_score)
        if channel is not None:
            base = ChannelRules(
                sender.channel_id, sender.receives, sender.min_score, channel.route,
                channel.timezone, channel.quiet_hours, channel.daily_budget,
            )  # fmt: skip
        rules.append(base)
    return rules


def tier_of(score: float, urgency: UrgencyConfig) -> Tier:
    if urgency.urgent is not None and score >= urgency.urgent:
        return Tier.URGENT
    return Tier.NORMAL if score >= urgency.normal else Tier.DIGEST_ONLY


def route_story(
    subject: RouteSubject, rules: Sequence[ChannelRules], urgency: UrgencyConfig
) -> list[RouteDecision]:
    """One decision per channel, in the order given."""
    return [_decide(subject, r, urgency) for r in rules]


def alert_channels(
    subject: RouteSubject, rules: Sequence[ChannelRules], urgency: UrgencyConfig
) -> list[str]:
    """The channels the story's alert (and its updates) go to."""
    return [d.channel for d in route_story(subject, rules, urgency) if d.reaches]


def _decide(subject: RouteSubject, rules: ChannelRules, urgency: UrgencyConfig) -> RouteDecision:
    def no(reason: str) -> RouteDecision:
        return RouteDecision(rules.channel, False, reason)

    score = f"{subject.score:.2f}"
    if rules.receives == "digest":
        return no("the channel takes digests only")
    if not subject.notable:
        return no(f"the story is not notable (score {score})")
    if tier_of(subject.score, urgency) == Tier.DIGEST_ONLY:
        return no(f"digest-only: score {score} is below the normal band {urgency.normal:.2f}")
    if rules.min_score is not None and subject.score < rules.min_score:
        return no(f"score {score} is below the channel's minimum {rules.min_score:.2f}")
    if rules.route is None or rules.route.empty:
        return RouteDecision(rules.channel, True, "no route: the channel takes every story")
    matched = route_matches(rules.route, subject)
    if not matched:
        return no("its route selects none of the story's entities, tags, fact kinds or products")
    return RouteDecision(rules.channel, True, "route: " + ", ".join(matched))


def route_matches(route: RouteConfig, subject: RouteSubject) -> list[str]:
    """What the route selects in the story, as `entity T-Head`, `tag semiconductors`, …"""
    entities = _names(subject.watched) | _names(_fact_names(subject.facts, "org"))
    areas = _names(_fact_names(subject.facts, "area"))
    products = _names(_fact_names(subject.facts, "product"))
    kinds = {f.kind for f in subject.facts} | ({ROLE_CHANGE} if subject.role_change else set())
    found = [f"entity {e}" for e in route.entities if _norm(e) in entities]
    found += [f"tag {t}" for t in route.tags if _norm(t) in areas]
    found += [f"fact kind {k}" for k in route.fact_kinds if k.casefold() in kinds]
    found += [f"product {p}" for p in route.products if _norm(p) in products]
    return found


def _fact_names(facts: Sequence[Fact], kind: str) -> list[str]:
    """A fact's text as written and its key's id (the canonical name)."""
    names = []
    for fact in facts:
        if fact.kind == kind:
            names += [fact.text, fact.key.split(":", 1)[-1]]
    return names


def _names(values: Sequence[str]) -> set[str]:
    return {_norm(v) for v in values}


def _norm(value: str) -> str:
    # Spelling-insensitive as product keys are: "Qwen 3", "Qwen-3" and "qwen3" are one name.
    return re.sub(r"[\s\-_.]+", "", value.casefold())


def spike_channels(subject: RouteSubject, rules: Sequence[ChannelRules]) -> list[str]:
    """The channels a spike alert goes to: every channel taking alerts whose route, if any,
    selects the spike's subject. A spike is news by its volume: scores do not filter it."""
    return [
        r.channel
        for r in rules
        if r.receives != "digest"
        and (r.route is None or r.route.empty or route_matches(r.route, subject))
    ]
