"""Notability: should this story be alerted, and why?

A score is the sum of named, weighted rules; each contributing rule becomes a `Reason` so the alert
can say why it fired. A story must mention a watched entity at all to be notable: rdwatch follows
Alibaba and DAMO Academy R&D, not every article its sources carry. Novelty compares the story's
facts with the archive's: facts the archive already holds do not make a story new. A known
person reported in a new role (found by the people timeline) is news of its own.
Pure functions; the pipeline supplies the story's facts, outlets and the archive's fact keys.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rdwatch.config import NotabilityConfig
from rdwatch.models import Fact, Notability, Reason

# Default rule weights; `notability.weights` in config overrides any of them. Chosen so that a
# watched entity in the headline plus one announcement verb and one new significant fact reach the
# default threshold of 0.5, while a passing mention of Alibaba with no new facts does not.
DEFAULT_WEIGHTS: dict[str, float] = {
    "watched_entity_in_title": 0.25,
    "watched_entity_in_lead": 0.15,
    "announcement_verb": 0.2,
    "significant_money": 0.2,
    "significant_count": 0.1,
    "several_outlets": 0.1,
    "source_weight": 0.1,
    "new_facts": 0.2,
    "role_change": 0.2,  # a known person in a new role: an appointment is R&D news
    "market_news": 0.5,  # subtracted: results, share prices and sales are not R&D news
}
ANNOUNCEMENT_VERBS = (
    "launch", "invest", "establish", "unveil", "appoint", "acquire", "announce", "open",
    "found", "set up", "sets up", "release", "introduce", "debut", "recruit", "hire", "build",
    "partner", "expand", "name", "start", "kick off", "kicks off", "plan", "commit", "pledge",
    "成立", "发布", "推出", "投资", "宣布", "任命", "收购",
)  # fmt: skip
_VERB_PATTERN_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}
_MARKET_PATTERN_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}
# Fact kinds whose novelty matters: a new amount, headcount, product, person or unit is news;
# a new place name or research area alone is not.
NOVEL_KINDS = frozenset({"money", "count", "product", "person", "org"})
LEAD_SENTENCES_CHARS = 400


@dataclass(frozen=True)
class StoryEvidence:
    """What notability looks at for one story."""

    title: str
    lead: str
    facts: Sequence[Fact]
    watched_in_title: Sequence[str]
    watched_in_lead: Sequence[str]
    outlets: Collection[str]
    source_weight: float = 1.0
    # Known people the story reports in a new role: "Lin Meiqi: director → chief scientist".
    role_changes: Sequence[str] = ()


def score_story(
    evidence: StoryEvidence, archive_fact_keys: Collection[str], settings: NotabilityConfig
) -> Notability:
    weights = {**DEFAULT_WEIGHTS, **settings.weights}
    if not evidence.watched_in_title and not evidence.watched_in_lead:
        reason = Reason("no_watched_entity", 0.0, "no watched entity in the title or lead")
        return Notability(score=0.0, notable=False, reasons=(reason,))
    reasons = [
        r
        for r in (
            _watched_entity(evidence, weights),
            _announcement(evidence, weights, settings.verbs),
            _money(evidence.facts, settings, weights),
            _count(evidence.facts, settings, weights),
            _outlets(evidence.outlets, weights),
            _source_weight(evidence.source_weight, weights),
            _novelty(evidence.facts, archive_fact_keys, weights),
            _role_change(evidence.role_changes, weights),
            _market_news(evidence, settings.market_terms, weights),
        )
        if r is not None
    ]
    score = round(sum(r.weight for r in reasons), 4)
    return Notability(score=score, notable=score >= settings.threshold, reasons=tuple(reasons))


def _watched_entity(evidence: StoryEvidence, weights: dict[str, float]) -> Reason | None:
    if evidence.watched_in_title:
        names = ", ".join(evidence.watched_in_title)
        return Reason("watched_entity_in_title", weights["watched_entity_in_title"], names)
    names = ", ".join(evidence.watched_in_lead)
    return Reason("watched_entity_in_lead", weights["watched_entity_in_lead"], names)


def verb_pattern(extra: Sequence[str] = ()) -> re.Pattern[str]:
    """Announcement verbs with their inflections only: "found(s/ed)" but not "founder", "open"
    but not "open-source"."""
    verbs = tuple(dict.fromkeys((*ANNOUNCEMENT_VERBS, *extra)))
    pattern = _VERB_PATTERN_CACHE.get(verbs)
    if pattern is None:
        latin = sorted((v for v in verbs if v.isascii()), key=len, reverse=True)
        cjk = [v for v in verbs if not v.isascii()]
        # "open source" describes a licence, not an opening.
        alternatives = [
            r"(?<![\w])(?:" + "|".join(re.escape(v) for v in latin) + r")(?:s|es|ed|d|ing)?"
            r"(?![\w])(?![-\s]?sourc)"
        ]
        if cjk:
            alternatives.append("|".join(re.escape(v) for v in cjk))
        pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        _VERB_PATTERN_CACHE[verbs] = pattern
    return pattern


def _announcement(
    evidence: StoryEvidence, weights: dict[str, float], verbs: Sequence[str]
) -> Reason | None:
    pattern = verb_pattern(verbs)
    match = pattern.search(evidence.title) or pattern.search(evidence.lead[:LEAD_SENTENCES_CHARS])
    if match is None:
        return None
    return Reason("announcement_verb", weights["announcement_verb"], f"“{match.group(0)}”")


def _money(
    facts: Sequence[Fact], settings: NotabilityConfig, weights: dict[str, float]
) -> Reason | None:
    amounts = [
        f
        for f in facts
        if f.kind == "money"
        and (f.usd or 0) >= settings.money_usd_threshold
        and not is_market_figure(f, settings.market_terms)
    ]
    if not amounts:
        return None
    largest = max(amounts, key=lambda f: f.usd or 0)
    return Reason(
        "significant_money",
        weights["significant_money"],
        f"{largest.text} ≈ US${(largest.usd or 0):,.0f}",
    )


def is_market_figure(fact: Fact, market_terms: Sequence[str]) -> bool:
    """Revenue, share prices and valuations are market news, not an R&D commitment."""
    return fact.kind == "market" or bool(market_pattern(market_terms).search(fact.sentence))


def market_pattern(market_terms: Sequence[str]) -> re.Pattern[str]:
    """The market terms as whole words (plurals included), in any case."""
    terms = tuple(market_terms)
    pattern = _MARKET_PATTERN_CACHE.get(terms)
    if pattern is None:
        words = sorted((re.escape(t).replace("'", "['’]?") for t in terms), key=len, reverse=True)
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?:s)?(?![a-z])", re.I)
        _MARKET_PATTERN_CACHE[terms] = pattern
    return pattern


def _market_news(
    evidence: StoryEvidence, market_terms: Sequence[str], weights: dict[str, float]
) -> Reason | None:
    """Earnings, share prices, valuations and sales figures are market news, whatever else the
    story mentions: the headline says so, or the lead does more than once."""
    pattern = market_pattern(market_terms)
    in_title = pattern.search(evidence.title)
    in_lead = {m.group(0).lower() for m in pattern.finditer(evidence.lead[:LEAD_SENTENCES_CHARS])}
    if in_title is None and len(in_lead) < 2:
        return None
    shown = f"“{in_title.group(0)}” in the headline" if in_title else ", ".join(sorted(in_lead))
    return Reason("market_news", -weights["market_news"], f"market news: {shown}")


def _count(
    facts: Sequence[Fact], settings: NotabilityConfig, weights: dict[str, float]
) -> Reason | None:
    counts = [f for f in facts if f.kind == "count" and (f.value or 0) >= settings.count_threshold]
    if not counts:
        return None
    return Reason("significant_count", weights["significant_count"], counts[0].text)


def _outlets(outlets: Collection[str], weights: dict[str, float]) -> Reason | None:
    if len(outlets) < 2:
        return None
    weight = weights["several_outlets"] * min(len(outlets) - 1, 2)
    return Reason("several_outlets", weight, f"covered by {len(outlets)} outlets")


def _source_weight(source_weight: float, weights: dict[str, float]) -> Reason | None:
    if source_weight == 1.0:
        return None
    weight = round(weights["source_weight"] * (source_weight - 1.0), 4)
    return Reason("source_weight", weight, f"source weight {source_weight:g}")


def _novelty(
    facts: Sequence[Fact], archive_fact_keys: Collection[str], weights: dict[str, float]
) -> Reason | None:
    novel = [f for f in facts if f.kind in NOVEL_KINDS and f.key not in archive_fact_keys]
    if not novel:
        return None
    shown = "; ".join(f.text for f in novel[:3])
    return Reason(
        "new_facts", weights["new_facts"], f"{len(novel)} fact(s) not in the archive: {shown}"
    )


def _role_change(changes: Sequence[str], weights: dict[str, float]) -> Reason | None:
    if not changes:
        return None
    return Reason("role_change", weights["role_change"], "; ".join(changes[:3]))


def lead_of(text: str) -> str:
    """The opening of an article: where announcements put the news."""
    return text[:LEAD_SENTENCES_CHARS]


def notable_new_facts(
    facts: Sequence[Fact],
    known_keys: Collection[str],
    archive_fact_keys: Collection[str],
    settings: NotabilityConfig,
) -> tuple[Fact, ...]:
    """Facts worth one follow-up alert on an already-alerted story.

    New means unknown to the story when its first alert went out and to the archive. Notable means
    an amount or count above the significance thresholds, or a new product or person: the kinds of
    fact a reader of the first alert would want to hear about. Places, dates and quotes are not.
    """
    fresh = [f for f in facts if f.key not in known_keys and f.key not in archive_fact_keys]
    return tuple(f for f in fresh if _is_significant(f, settings))


def _is_significant(fact: Fact, settings: NotabilityConfig) -> bool:
    if fact.kind == "money":
        usd = fact.usd or 0
        return usd >= settings.money_usd_threshold and not is_market_figure(
            fact, settings.market_terms
        )
    if fact.kind == "count":
        return (fact.value or 0) >= settings.count_threshold
    return fact.kind in ("product", "person")
