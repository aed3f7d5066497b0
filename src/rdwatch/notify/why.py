"""Why an alert fired, in words: "DAMO Academy in the headline · announces a launch · RMB 2 bn
(above US$10 m) · 300 engineers · reported by 2 independent outlets · 3 facts not in the archive".

A story stores its notability reasons as `rule (+0.25): detail` strings (`models.Reason`). Rule
identifiers belong to `rdwatch explain` and the export; an alert says what each rule saw. A rule
this module does not know still shows its detail, never its identifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rdwatch.notify.amounts import SAME_AMOUNT_TOLERANCE, Amount, format_money
from rdwatch.notify.text import clean_text

_REASON = re.compile(r"^(?P<rule>[a-z_]+) \((?P<weight>[+-]?[\d.]+)\): (?P<detail>.*)$", re.S)
_USD = re.compile(r"≈ US\$([\d,]+(?:\.\d+)?)")
# What an announcement verb announces, matched by prefix ("launches", "unveiled"). Verbs with a
# common other sense ("open source", "plans", "named after") are quoted as found instead.
VERB_PHRASES = (
    (("launch", "release", "introduc", "debut", "unveil", "发布", "推出"), "announces a launch"),
    (("invest", "投资"), "announces an investment"),
    (("commit", "pledg"), "announces a commitment"),
    (("establish", "set up", "sets up", "founds", "founded", "成立"), "announces a new entity"),
    (("appoint", "任命"), "announces an appointment"),
    (("hire", "hiring", "recruit"), "announces hiring"),
    (("acquir", "收购"), "announces an acquisition"),
    (("partner",), "announces a partnership"),
    (("expand",), "announces an expansion"),
    (("announc", "宣布"), "makes an announcement"),
)  # fmt: skip


@dataclass(frozen=True)
class ParsedReason:
    rule: str
    weight: float
    detail: str


@dataclass(frozen=True)
class WhyFacts:
    """What the phrases need besides the reasons: the story as it stands now."""

    headline: str
    amounts: Sequence[Amount]
    outlets: int
    new_facts: int
    money_threshold_usd: float
    since_first_alert: bool = False


def parse_reason(text: str) -> ParsedReason:
    match = _REASON.match(text)
    if match is None:
        return ParsedReason("", 0.0, text)
    return ParsedReason(match["rule"], float(match["weight"]), match["detail"])


def watched_names(reasons: Sequence[str]) -> list[str]:
    """The watched entities notability found in the title or lead, as their canonical names."""
    for reason in map(parse_reason, reasons):
        if reason.rule in ("watched_entity_in_title", "watched_entity_in_lead"):
            return [n.strip() for n in reason.detail.split(",") if n.strip()]
    return []


def why_phrases(reasons: Sequence[str], facts: WhyFacts) -> list[str]:
    """One phrase per reason that fired, in the order notability scored them."""
    phrases = [_phrase(parse_reason(r), facts) for r in reasons]
    return [clean_text(p) for p in phrases if p]


def _phrase(reason: ParsedReason, facts: WhyFacts) -> str:
    rule, detail = reason.rule, reason.detail
    if rule in ("watched_entity_in_title", "watched_entity_in_lead"):
        where = "the headline" if rule.endswith("title") else "the opening lines"
        return f"{_names(detail, facts.headline)} in {where}"
    if rule == "announcement_verb":
        return _announcement(detail.strip("“”\"' "))
    if rule == "significant_money":
        return _money(detail, facts)
    if rule == "several_outlets":
        return f"reported by {facts.outlets} independent outlets"
    if rule == "new_facts":
        return _novelty(facts)
    if rule == "source_weight":
        return "from a trusted source" if reason.weight > 0 else "from a low-weight source"
    if rule == "market_news":
        return detail.replace("market news: ", "reads as market news: ", 1)
    if rule == "role_change":
        return f"new role: {detail}"
    return detail  # significant_count's detail is the count itself ("300 engineers")


def _names(detail: str, headline: str) -> str:
    names = [n.strip() for n in detail.split(",") if n.strip()]
    in_headline = [n for n in names if n.lower() in headline.lower()]
    return " and ".join(in_headline or names)


def _announcement(verb: str) -> str:
    lowered = verb.lower()
    for stems, phrase in VERB_PHRASES:
        if any(lowered.startswith(stem) for stem in stems):
            return phrase
    return f"“{verb}” in the headline or lead"


def _money(detail: str, facts: WhyFacts) -> str:
    above = f"above {format_money(facts.money_threshold_usd, 'USD')}"
    match = _USD.search(detail)
    usd = float(match.group(1).replace(",", "")) if match else None
    for amount in facts.amounts:
        if usd is not None and amount.usd is not None and _close(amount.usd, usd):
            return f"{amount.short} ({above})"
    return f"{detail.split('≈')[0].strip()} ({above})"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_AMOUNT_TOLERANCE * max(a, b)


def _novelty(facts: WhyFacts) -> str:
    """Counted on the facts as the alert shows them (one amount once), against what the reader
    already had: the archive, and for an update the last message on the story too."""
    count = facts.new_facts
    noun = "fact" if count == 1 else "facts"
    if not count:
        return ""
    if facts.since_first_alert:
        return f"{count} {noun} new since the last alert"
    return f"{count} {noun} not in the archive"
