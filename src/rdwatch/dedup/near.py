"""Exact and near-duplicate tiers: is this article a copy of one already stored?

The LSH index proposes candidates; their estimated Jaccard ranks them; the few above
`VERIFY_FLOOR` are checked exactly against their stored text (shingle sets), and a copy is a
duplicate when its exact Jaccard reaches the configured threshold or when nearly all of the shorter
text is found in the longer one (a reprint that dropped a paragraph or carries other furniture).

Thresholds, from the fixtures in tests/data/dedup (word 3-shingles, CJK character 3-shingles;
J = exact Jaccard, C = share of the shorter text's shingles found in the other):

| pair                                          | J           | C           |
|-----------------------------------------------|-------------|-------------|
| reprints (a), 5 archive articles + Chinese    | 0.73 – 0.90 | 0.89 – 0.98 |
| synthetic: one paragraph dropped              | 0.91 – 0.92 | ≈ 1.0       |
| synthetic: 5 % of words changed, scattered    | 0.78        | 0.88        |
| synthetic: 10 % of words changed, scattered   | 0.58 – 0.60 | 0.74        |
| independent write-ups of the same event (b)   | 0.01 – 0.09 | 0.04 – 0.18 |
| other events sharing vocabulary (c)           | ≤ 0.02      | ≤ 0.08      |

So C ≥ 0.8 separates copies from everything else with a wide margin at k=3 (k=2: reprints C ≥ 0.89,
others ≤ 0.34; k=1: others reach 0.75, too close). J alone (0.8) misses two of six reprints.
`MIN_SIZE_RATIO` keeps a round-up that quotes a short item in full from counting as its copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date

from rdwatch.dedup.minhash import estimate_jaccard
from rdwatch.models import ArticleStatus, DedupDecision, DedupTier

CONTAINMENT_THRESHOLD = 0.8
MIN_SIZE_RATIO = 0.5
# Candidates below this estimated Jaccard cannot be copies under either rule (C ≥ 0.8 with a size
# ratio ≥ 0.5 implies J ≥ 0.36; 0.3 leaves room for the estimate's ±0.04 standard error).
VERIFY_FLOOR = 0.3
VERIFY_LIMIT = 5


@dataclass(frozen=True)
class Candidate:
    """A stored article that might match: what the store knows about it, nothing more."""

    article_id: int
    url: str
    story_id: int
    signature: tuple[int, ...]
    fact_keys: frozenset[str] = frozenset()
    title: str = ""
    published: date | None = None


@dataclass(frozen=True)
class Overlap:
    """Exact shingle overlap of two texts."""

    jaccard: float
    containment: float
    size_ratio: float

    def is_copy(self, near_threshold: float) -> bool:
        return self.jaccard >= near_threshold or (
            self.containment >= CONTAINMENT_THRESHOLD and self.size_ratio >= MIN_SIZE_RATIO
        )


def overlap(a: AbstractSet[str], b: AbstractSet[str]) -> Overlap:
    if not a or not b:
        return Overlap(0.0, 0.0, 0.0)
    shared = len(a & b)
    smaller, larger = sorted((len(a), len(b)))
    return Overlap(shared / (len(a) + len(b) - shared), shared / smaller, smaller / larger)


def shortlist(
    signature: Sequence[int], candidates: Sequence[Candidate]
) -> list[tuple[Candidate, float]]:
    """The candidates worth an exact check, best estimate first."""
    scored = [(c, estimate_jaccard(signature, c.signature)) for c in candidates]
    close = sorted((s for s in scored if s[1] >= VERIFY_FLOOR), key=lambda s: -s[1])
    return close[:VERIFY_LIMIT]


def decide(
    *,
    text_hash: str,
    signature: Sequence[int],
    exact_match: Candidate | None,
    candidates: Sequence[Candidate],
    near_threshold: float,
    shingle_set: AbstractSet[str] | None = None,
    stored_shingles: Mapping[int, AbstractSet[str]] | None = None,
) -> DedupDecision:
    """Exact and near-duplicate tiers; returns NEW when neither matches.

    `stored_shingles` maps shortlisted candidates to their shingle sets; without them (or without
    the article's own `shingle_set`) a candidate is judged on its estimated Jaccard alone.
    """
    if exact_match is not None:
        return DedupDecision(
            status=ArticleStatus.DUPLICATE,
            tier=DedupTier.EXACT,
            reason=f"exact: same normalised text as {exact_match.url}",
            matched_article_id=exact_match.article_id,
            matched_url=exact_match.url,
            story_id=exact_match.story_id,
            similarity=1.0,
        )
    stored = stored_shingles or {}
    best: tuple[Candidate, float, Overlap | None] | None = None
    for candidate, estimate in shortlist(signature, candidates):
        known = stored.get(candidate.article_id)
        exact = overlap(shingle_set, known) if shingle_set and known else None
        copy = exact.is_copy(near_threshold) if exact else estimate >= near_threshold
        if copy and (best is None or _similarity(estimate, exact) > _similarity(*best[1:])):
            best = (candidate, estimate, exact)
    if best is not None:
        return _near_duplicate(*best, near_threshold)
    nearest, similarity = nearest_candidate(signature, candidates)
    detail = f"; nearest {nearest.url} at ~{similarity:.2f}" if nearest is not None else ""
    return DedupDecision(
        status=ArticleStatus.NEW,
        tier=DedupTier.NEW,
        reason=f"no stored article is a copy{detail}",
        similarity=round(similarity, 4) if nearest is not None else None,
    )


def _similarity(estimate: float, exact: Overlap | None) -> float:
    return exact.jaccard if exact else estimate


def _near_duplicate(
    candidate: Candidate, estimate: float, exact: Overlap | None, near_threshold: float
) -> DedupDecision:
    if exact is None:
        why = f"estimated Jaccard {estimate:.2f} ≥ {near_threshold:.2f}"
    elif exact.jaccard >= near_threshold:
        why = f"Jaccard {exact.jaccard:.2f} ≥ {near_threshold:.2f}, estimated {estimate:.2f}"
    else:
        why = (
            f"{exact.containment:.0%} of the shorter text found in the other "
            f"(≥ {CONTAINMENT_THRESHOLD:.0%}; Jaccard {exact.jaccard:.2f})"
        )
    return DedupDecision(
        status=ArticleStatus.DUPLICATE,
        tier=DedupTier.NEAR,
        reason=f"near-duplicate of {candidate.url} ({why})",
        matched_article_id=candidate.article_id,
        matched_url=candidate.url,
        story_id=candidate.story_id,
        similarity=round(_similarity(estimate, exact), 4),
    )


def nearest_candidate(
    signature: Sequence[int], candidates: Sequence[Candidate]
) -> tuple[Candidate | None, float]:
    best: Candidate | None = None
    best_similarity = 0.0
    for candidate in candidates:
        similarity = estimate_jaccard(signature, candidate.signature)
        if best is None or similarity > best_similarity:
            best, best_similarity = candidate, similarity
    return best, best_similarity
