"""Deduplication: is an article already known, and as what?

Tiers, cheapest first; every decision carries its tier, matched article, similarity and reason:
- seen: same canonical URL or feed guid (before download, in the pipeline);
- exact: same normalised-text hash → duplicate (`text`);
- near: a copy of a stored article, by exact shingle overlap of the LSH candidates → duplicate
  (`minhash`, `near`);
- same story: another write-up of a stored event, by the share of the article's distinctive terms
  (`terms`: names, products, numbers with units, rare words, facts) that the story holds, within
  its coverage dates → joins that story (`story`); an article that fits two stories merges them;
- otherwise new.

Everything here is pure: the store supplies candidates, this package decides. The hash is
versioned (`v2:`) so a change to normalisation can be detected and re-hashed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdwatch.dedup.minhash import (
    BANDS,
    NUM_PERM,
    ROWS_PER_BAND,
    band_hashes,
    estimate_jaccard,
    minhash_signature,
    pack_signature,
    unpack_signature,
)
from rdwatch.dedup.near import Candidate, Overlap, decide, nearest_candidate, overlap, shortlist
from rdwatch.dedup.story import (
    StoryCandidate,
    StoryMatch,
    StoryQuery,
    StoryRules,
    StoryScore,
    TermStats,
    match_story,
    score_story,
)
from rdwatch.dedup.terms import article_terms, background_terms
from rdwatch.dedup.text import (
    HASH_VERSION,
    content_hash,
    hash_normalised,
    is_cjk,
    normalise_text,
    shingles,
    shingles_of,
)


@dataclass(frozen=True)
class Fingerprint:
    """What dedup needs of one text, computed once: hash, shingles and MinHash signature."""

    text_hash: str
    shingles: frozenset[str]
    signature: tuple[int, ...]


def fingerprint(text: str, *, words: int = 3, chars: int = 3) -> Fingerprint:
    normalised = normalise_text(text)
    shingle_set = shingles(normalised, words=words, chars=chars)
    return Fingerprint(
        text_hash=hash_normalised(normalised),
        shingles=frozenset(shingle_set),
        signature=minhash_signature(shingle_set),
    )


def signature_of(text: str, *, words: int = 3, chars: int = 3) -> tuple[int, ...]:
    return minhash_signature(shingles_of(text, words=words, chars=chars))


__all__ = [
    "BANDS",
    "HASH_VERSION",
    "NUM_PERM",
    "ROWS_PER_BAND",
    "Candidate",
    "Fingerprint",
    "Overlap",
    "StoryCandidate",
    "StoryMatch",
    "StoryQuery",
    "StoryRules",
    "StoryScore",
    "TermStats",
    "article_terms",
    "background_terms",
    "band_hashes",
    "content_hash",
    "decide",
    "estimate_jaccard",
    "fingerprint",
    "is_cjk",
    "match_story",
    "minhash_signature",
    "nearest_candidate",
    "normalise_text",
    "overlap",
    "pack_signature",
    "score_story",
    "shingles",
    "shingles_of",
    "shortlist",
    "signature_of",
    "unpack_signature",
]
