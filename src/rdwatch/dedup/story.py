"""Same-story tier: another outlet's own write-up of an event already stored.

Two write-ups of one event share few sentences (archive 000 vs 001: Jaccard of word 3-shingles
0.08) but the event's numbers, names and places, roughly its headline, and its dates. A candidate
(from the LSH index or from shared distinctive facts) is scored on:

| component | weight | full marks when                                                          |
|-----------|-------:|--------------------------------------------------------------------------|
| facts     | 0.55   | shared distinctive facts worth ≥ `FACTS_FOR_FULL_MARKS` (see weights)    |
| entities  | 0.15   | organisations, places and research areas: Jaccard of the two sets ≥ 0.5   |
| title     | 0.15   | headline word Jaccard ≥ 0.5 (stop words dropped)                          |
| text      | 0.15   | estimated Jaccard of the texts ≥ 0.3 (a heavily edited copy)              |

A distinctive fact is an amount, a count, a person, a product or a quote; its worth is its kind's
weight (`FACT_KIND_WEIGHTS`) divided by √(number of stories that already hold it), so background
facts every DAMO article repeats ("2 billion customers", "Jeff Zhang") count less than the event's
own. Publication dates, when both are known: within the configured window the score gains
`DATE_BONUS`; more than `DATE_FAR_DAYS` apart the candidate is rejected (coverage of one event does
not span half a year; other events recur yearly). Undated articles are judged on content alone.

The weights were set on tests/data/dedup: write-ups (b) score 0.55–0.9 undated, other events (c)
≤ 0.35 undated; the configured threshold (0.5) sits between them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from rdwatch.dedup.minhash import estimate_jaccard
from rdwatch.dedup.near import Candidate
from rdwatch.dedup.text import title_words
from rdwatch.models import ArticleStatus, DedupDecision, DedupTier

WEIGHTS = {"facts": 0.55, "entities": 0.15, "title": 0.15, "text": 0.15}
FACT_KIND_WEIGHTS = {"money": 1.0, "product": 1.0, "quote": 1.0, "count": 0.75, "person": 0.5}
ENTITY_KINDS = ("org", "place", "area")
FACTS_FOR_FULL_MARKS = 3.0
ENTITIES_FOR_FULL_MARKS = 0.5
TITLE_FOR_FULL_MARKS = 0.5
TEXT_FOR_FULL_MARKS = 0.3
DATE_BONUS = 0.1
DATE_FAR_DAYS = 180


@dataclass(frozen=True)
class StoryQuery:
    """What is known about the incoming article for same-story matching."""

    signature: tuple[int, ...]
    fact_keys: frozenset[str]
    title: str
    published: date | None = None

    # Computed once per query, not once per candidate it is compared with.
    @cached_property
    def title_words(self) -> frozenset[str]:
        return frozenset(title_words(self.title))

    @cached_property
    def distinctive_keys(self) -> frozenset[str]:
        return distinctive_keys(self.fact_keys)

    @cached_property
    def entity_keys(self) -> frozenset[str]:
        return entity_keys(self.fact_keys)


@dataclass(frozen=True)
class StoryScore:
    score: float
    detail: str
    rejected: str | None = None


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def distinctive_keys(keys: Iterable[str]) -> frozenset[str]:
    """Fact keys specific enough to identify an event: amounts, counts, people, products, quotes."""
    return frozenset(k for k in keys if kind_of(k) in FACT_KIND_WEIGHTS)


def entity_keys(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in keys if kind_of(k) in ENTITY_KINDS)


def title_similarity(a: str, b: str) -> float:
    return _jaccard(frozenset(title_words(a)), frozenset(title_words(b)))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def fact_worth(key: str, stories_holding: Mapping[str, int]) -> float:
    return FACT_KIND_WEIGHTS.get(kind_of(key), 0.0) / math.sqrt(max(stories_holding.get(key, 1), 1))


def same_story_score(
    query: StoryQuery,
    candidate: Candidate,
    *,
    stories_holding: Mapping[str, int] | None = None,
    date_window_days: int = 14,
) -> StoryScore:
    holding = stories_holding or {}
    shared = query.distinctive_keys & distinctive_keys(candidate.fact_keys)
    worth = sum(fact_worth(k, holding) for k in shared)
    entities = _jaccard(query.entity_keys, entity_keys(candidate.fact_keys))
    titles = _jaccard(query.title_words, frozenset(title_words(candidate.title)))
    text = estimate_jaccard(query.signature, candidate.signature) if candidate.signature else 0.0
    parts = {
        "facts": min(worth / FACTS_FOR_FULL_MARKS, 1.0),
        "entities": min(entities / ENTITIES_FOR_FULL_MARKS, 1.0),
        "title": min(titles / TITLE_FOR_FULL_MARKS, 1.0),
        "text": min(text / TEXT_FOR_FULL_MARKS, 1.0),
    }
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    shown = ", ".join(sorted(k.split(":", 1)[1] for k in shared)[:5]) or "none"
    detail = (
        f"shared facts: {shown} (worth {worth:.2f}); entities {entities:.2f}; "
        f"title {titles:.2f}; text {text:.2f}"
    )
    if query.published is None or candidate.published is None:
        return StoryScore(round(score, 4), f"{detail}; undated, judged on content")
    days = abs((query.published - candidate.published).days)
    if days > DATE_FAR_DAYS:
        return StoryScore(round(score, 4), detail, f"published {days} days apart")
    if days <= date_window_days:
        score += DATE_BONUS
        detail += f"; published {days} day(s) apart (+{DATE_BONUS:.2f})"
    else:
        detail += f"; published {days} days apart"
    return StoryScore(round(score, 4), detail)


@dataclass(frozen=True)
class StoryRules:
    """The configured part of the same-story decision (`dedup` in the config)."""

    threshold: float = 0.5
    date_window_days: int = 14


def _scored(
    query: StoryQuery,
    candidates: Sequence[Candidate],
    rules: StoryRules,
    stories_holding: Mapping[str, int] | None,
) -> list[tuple[StoryScore, Candidate]]:
    return [
        (
            same_story_score(
                query,
                candidate,
                stories_holding=stories_holding,
                date_window_days=rules.date_window_days,
            ),
            candidate,
        )
        for candidate in candidates
    ]


@dataclass(frozen=True)
class StoryMatch:
    """The same-story verdict: the story joined, or why the closest candidate was not enough."""

    decision: DedupDecision | None
    closest: str | None


def match_story(
    query: StoryQuery,
    candidates: Sequence[Candidate],
    *,
    rules: StoryRules,
    stories_holding: Mapping[str, int] | None = None,
) -> StoryMatch:
    """Score every candidate once; join the best one's story when it reaches the threshold."""
    scored = _scored(query, candidates, rules, stories_holding)
    joined = _join_best(scored, rules)
    if joined is not None:
        return StoryMatch(joined, None)
    return StoryMatch(None, _closest(scored, rules))


def _join_best(
    scored: Sequence[tuple[StoryScore, Candidate]], rules: StoryRules
) -> DedupDecision | None:
    eligible = [s for s in scored if not s[0].rejected]
    if not eligible:
        return None
    best, candidate = max(eligible, key=lambda s: s[0].score)
    if best.score < rules.threshold:
        return None
    return DedupDecision(
        status=ArticleStatus.SAME_STORY,
        tier=DedupTier.SAME_STORY,
        reason=(
            f"same story as {candidate.url} "
            f"(score {best.score:.2f} ≥ {rules.threshold:.2f}; {best.detail})"
        ),
        matched_article_id=candidate.article_id,
        matched_url=candidate.url,
        story_id=candidate.story_id,
        similarity=best.score,
    )


def _closest(scored: Sequence[tuple[StoryScore, Candidate]], rules: StoryRules) -> str | None:
    if not scored:
        return None
    best, candidate = max(scored, key=lambda s: s[0].score)
    why = best.rejected or f"score {best.score:.2f} < {rules.threshold:.2f}"
    return f"closest story: {candidate.url} ({why}; {best.detail})"
