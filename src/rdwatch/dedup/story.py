"""Same-story tier: another outlet's own write-up of an event already stored.

Independent write-ups of one event share almost no sentences (word-shingle Jaccard 0.00–0.07 on
real coverage), so an article is compared with what a whole story says, through the terms of
`rdwatch.dedup.terms` (names, products, numbers with units, rare words, facts). The store keeps,
for each story, how many of its articles carry each term, and for each term how many stories hold
it; a candidate story is scored by how much of the article's term weight it covers:

    score = Σ over the article's terms t that the story holds of  w(t) · idf(t) · √share(t)
            ─────────────────────────────────────────────────────────────────────────────
                       Σ over the article's terms t of  w(t) · idf(t)

`w` is the term's weight in the article, `idf = ln(1 + (N + 5) / (stories holding t + 1))` for N
stored stories, and `share` the fraction of the story's articles that carry the term, so that a
big story's rare stray terms do not attract everything. Terms held by more than a fifth of the
stories (and more than `BACKGROUND_MIN_STORIES`) are background ("Alibaba", "cloud") and left out
of both sums.

Dates, when both are known: an article published more than the configured window (default 30
days) outside the story's coverage dates is rejected (quarterly results and yearly reports recur);
within it the score gains `DATE_BONUS`. Undated articles are judged on content alone. The default
threshold (0.16) and weights were set on the dev part of the real-coverage corpus (`make eval`).

When an article reaches the merge threshold (default 0.3) for several stories, it bridges them:
they are merged into one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rdwatch.dedup.terms import FACT_PREFIX
from rdwatch.models import ArticleStatus, DedupDecision, DedupTier

SCRIPTS = ("fact", "name", "english", "chinese")
# Words of one language: when a story holds none of the article's, the two are written in
# different languages and are compared on facts, names and numbers alone.
LANGUAGE_SCRIPTS = frozenset({"english", "chinese"})
_CJK = re.compile(r"[\u3400-\u9fff]")
# One shared term is a coincidence (a company both mention, "10%"): a story needs two.
MIN_SHARED_TERMS = 2
_PERCENT = re.compile(r"\d(?:pct)$|^fact:percent:")
_WORDS = re.compile(r"[a-z0-9]+")
BACKGROUND_SHARE = 0.2
BACKGROUND_MIN_STORIES = 3
IDF_SMOOTHING = 5
DATE_BONUS = 0.05
SHOWN_TERMS = 6


@dataclass(frozen=True)
class StoryCandidate:
    """A stored story as the same-story tier sees it: its aggregates for the article's terms."""

    story_id: int
    title: str
    indexed_articles: int
    term_articles: Mapping[str, int] = field(default_factory=dict)
    lead_terms: frozenset[str] = frozenset()  # of the article's terms, those in a member's lead
    first_article_id: int | None = None
    first_url: str = ""
    first_published: date | None = None
    last_published: date | None = None


@dataclass(frozen=True)
class StoryQuery:
    """The incoming article as the same-story tier sees it."""

    terms: Mapping[str, float]
    anchors: frozenset[str] = frozenset()
    published: date | None = None


@dataclass(frozen=True)
class TermStats:
    """How common the article's terms are among the stored stories."""

    stories_total: int
    stories_holding: Mapping[str, int]

    def is_background(self, term: str) -> bool:
        held = self.stories_holding.get(term, 0)
        return held > BACKGROUND_MIN_STORIES and held > BACKGROUND_SHARE * self.stories_total

    def idf(self, term: str) -> float:
        held = self.stories_holding.get(term, 0)
        return math.log(1.0 + (self.stories_total + IDF_SMOOTHING) / (held + 1.0))


@dataclass(frozen=True)
class StoryRules:
    """The configured part of the same-story decision (`dedup` in the config)."""

    threshold: float = 0.15
    date_window_days: int = 30
    # An article that also reaches this score for another story bridges the two: they merge.
    merge_threshold: float = 0.5


@dataclass(frozen=True)
class StoryScore:
    story_id: int
    score: float
    shared: tuple[str, ...]
    detail: str
    rejected: str | None = None


@dataclass(frozen=True)
class StoryMatch:
    """The verdict: the story joined (and the others the article bridges), or why not."""

    decision: DedupDecision | None
    bridged: tuple[int, ...] = ()
    closest: str | None = None


Masses = Mapping[str, Mapping[str, float]]


def query_masses(query: StoryQuery, stats: TermStats) -> Masses:
    """Each term's weight × idf, by script, background left out: computed once per article."""
    masses: dict[str, dict[str, float]] = {script: {} for script in SCRIPTS}
    for term, weight in query.terms.items():
        if not stats.is_background(term):
            masses[script_of(term)][term] = weight * stats.idf(term)
    return masses


def score_story(
    query: StoryQuery,
    candidate: StoryCandidate,
    stats: TermStats,
    rules: StoryRules,
    masses: Masses | None = None,
) -> StoryScore:
    masses = masses if masses is not None else query_masses(query, stats)
    members = max(candidate.indexed_articles, 1)
    covered = total = 0.0
    shared: list[tuple[float, str]] = []
    for script, terms in masses.items():
        held = {t: candidate.term_articles[t] for t in terms if t in candidate.term_articles}
        if not held and script in LANGUAGE_SCRIPTS:
            continue  # a story in another language: judged on names, numbers and facts
        total += sum(terms.values())
        for term, count in held.items():
            part = terms[term] * math.sqrt(min(count / members, 1.0))
            covered += part
            shared.append((part, term))
    score = covered / total if total else 0.0
    names = tuple(t for _, t in sorted(shared, reverse=True))
    detail = "shared: " + (", ".join(names[:SHOWN_TERMS]) or "nothing")
    scored = StoryScore(candidate.story_id, score, names, detail)
    if distinct_things(names) < MIN_SHARED_TERMS:
        why = f"fewer than {MIN_SHARED_TERMS} shared names, facts or words besides percentages"
        return StoryScore(candidate.story_id, round(score, 4), names, detail, why)
    if query.anchors and not any(
        a in candidate.lead_terms and not stats.is_background(a) for a in query.anchors
    ):
        why = "none of the article's headline and lead anchors is in the story's leads"
        return StoryScore(candidate.story_id, round(score, 4), names, detail, why)
    return _dated(scored, query.published, candidate, rules)


def distinct_things(terms: Sequence[str]) -> int:
    """How many different things the terms name: a word inside a fact's name is that fact
    ("tencent" and fact:org:tencent are one company), and a percentage is not a thing."""
    fact_words = {w for t in terms if t.startswith(FACT_PREFIX) for w in _WORDS.findall(t)}
    return sum(
        not _PERCENT.search(t) and (t.startswith(FACT_PREFIX) or t not in fact_words) for t in terms
    )


def script_of(term: str) -> str:
    """What a term is written in: facts, names and numbers are read alike in every language."""
    if term.startswith(FACT_PREFIX):
        return "fact"
    if _CJK.search(term):
        return "chinese"
    if any(c.isdigit() for c in term):
        return "name"
    return "english"


def _dated(
    scored: StoryScore, published: date | None, candidate: StoryCandidate, rules: StoryRules
) -> StoryScore:
    first, last = candidate.first_published, candidate.last_published
    if published is None or first is None or last is None:
        return _rounded(scored, f"{scored.detail}; undated, judged on content")
    days = max((first - published).days, (published - last).days, 0)
    if days > rules.date_window_days:
        why = f"published {days} days outside the story's coverage dates"
        return StoryScore(
            scored.story_id, round(scored.score, 4), scored.shared, scored.detail, why
        )
    return _rounded(
        StoryScore(scored.story_id, scored.score + DATE_BONUS, scored.shared, scored.detail),
        f"{scored.detail}; within {days} day(s) of its coverage (+{DATE_BONUS:.2f})",
    )


def _rounded(scored: StoryScore, detail: str) -> StoryScore:
    return StoryScore(
        scored.story_id, round(scored.score, 4), scored.shared, detail, scored.rejected
    )


def match_story(
    query: StoryQuery, candidates: Sequence[StoryCandidate], stats: TermStats, rules: StoryRules
) -> StoryMatch:
    """Score every candidate once; join the best one that reaches the threshold."""
    masses = query_masses(query, stats)
    scored = [score_story(query, c, stats, rules, masses) for c in candidates]
    eligible = sorted(
        (s for s in scored if not s.rejected and s.score >= rules.threshold),
        key=lambda s: (-s.score, s.story_id),
    )
    if not eligible:
        return StoryMatch(None, closest=_closest(scored, rules))
    best = eligible[0]
    story = next(c for c in candidates if c.story_id == best.story_id)
    decision = DedupDecision(
        status=ArticleStatus.SAME_STORY,
        tier=DedupTier.SAME_STORY,
        reason=(
            f"same story as story {best.story_id} “{story.title}”, first reported at "
            f"{story.first_url or '?'} (score {best.score:.2f} ≥ {rules.threshold:.2f}; "
            f"{best.detail})"
        ),
        matched_article_id=story.first_article_id,
        matched_url=story.first_url or None,
        story_id=best.story_id,
        similarity=best.score,
    )
    bridged = tuple(s.story_id for s in eligible[1:] if s.score >= rules.merge_threshold)
    return StoryMatch(decision, bridged=bridged if best.score >= rules.merge_threshold else ())


def _closest(scored: Sequence[StoryScore], rules: StoryRules) -> str | None:
    if not scored:
        return None
    best = max(scored, key=lambda s: (s.score, -s.story_id))
    why = best.rejected or f"score {best.score:.2f} < {rules.threshold:.2f}"
    return f"closest story: story {best.story_id} ({why}; {best.detail})"
