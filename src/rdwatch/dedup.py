"""Deduplication: is an article already known, and as what?

Tiers, cheapest first (design §1.3); every decision carries its tier and reason:
- seen: same canonical URL or feed guid (handled before download, in the pipeline);
- exact: same normalised-text hash → duplicate;
- near: MinHash estimated Jaccard ≥ threshold against LSH candidates → duplicate;
- same story: shared distinctive facts / moderate text similarity → joins that story;
- otherwise new.

Everything here is pure: the store supplies candidates, this module decides. The hash is versioned
(`v1:`) so a change to normalisation can be detected and re-hashed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rensa import RMinHash

from rdwatch.models import ArticleStatus, DedupDecision, DedupTier

HASH_VERSION = "v1"
NUM_PERM = 128
# 16 bands × 8 rows: catches pairs at Jaccard ≈ 0.5 and above with high probability, so the band
# index finds both near duplicates (≥ 0.8, verified by the estimate) and same-story candidates
# (design §5: automatic banding for 0.8 missed ~15% of pairs at 0.89).
BANDS = 16
ROWS_PER_BAND = NUM_PERM // BANDS
MINHASH_SEED = 20171011

# Lines that are page furniture, not article text; compared after normalisation.
_BOILERPLATE_LINE = re.compile(
    r"^(share (this|the) (article|story|post)|must read|related( articles| stories)?|"
    r"comments powered by .*|leave a (comment|reply)|more from .*|top topics|"
    r"copyright .*|all rights reserved.*|follow (us|him|her) on .*|sign up for .*|"
    r"subscribe( to .*)?|advertisement|read more|click here .*|about (the )?author.*)$"
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+", re.UNICODE)
_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """NFKC, case-folded, boilerplate lines dropped, punctuation and whitespace collapsed."""
    kept = []
    for line in unicodedata.normalize("NFKC", text).casefold().splitlines():
        line = _PUNCT_OR_SPACE.sub(" ", line).strip()
        if line and not _BOILERPLATE_LINE.match(line):
            kept.append(line)
    return " ".join(kept)


def content_hash(text: str) -> str:
    """A versioned hash of the normalised text; equal hashes mean exact duplicates."""
    digest = hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()
    return f"{HASH_VERSION}:{digest}"


def is_cjk(text: str) -> bool:
    """True when CJK characters make up a noticeable part of the text."""
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and len(_CJK.findall(text)) / letters > 0.3


def shingles(normalised: str, *, words: int = 3, chars: int = 3) -> set[str]:
    """Word k-shingles for Latin text, character k-shingles (spaces removed) for CJK text."""
    if is_cjk(normalised):
        compact = normalised.replace(" ", "")
        if len(compact) <= chars:
            return {compact} if compact else set()
        return {compact[i : i + chars] for i in range(len(compact) - chars + 1)}
    tokens = _WORD.findall(normalised)
    if len(tokens) <= words:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + words]) for i in range(len(tokens) - words + 1)}


def minhash_signature(shingle_set: Iterable[str]) -> tuple[int, ...]:
    minhash = RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    minhash.update(sorted(shingle_set))
    return tuple(minhash.digest())


def signature_of(text: str, *, words: int = 3, chars: int = 3) -> tuple[int, ...]:
    return minhash_signature(shingles(normalise_text(text), words=words, chars=chars))


def pack_signature(signature: Sequence[int]) -> bytes:
    return array("I", signature).tobytes()


def unpack_signature(data: bytes) -> tuple[int, ...]:
    values = array("I")
    values.frombytes(data)
    return tuple(values)


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The fraction of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def band_hashes(signature: Sequence[int]) -> list[tuple[int, int]]:
    """(band, signed 64-bit hash) per LSH band; the band number is folded into the hash."""
    result = []
    for band in range(BANDS):
        rows = signature[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND]
        payload = array("I", [band, *rows]).tobytes()
        digest = hashlib.blake2b(payload, digest_size=8).digest()
        result.append((band, int.from_bytes(digest, "big", signed=True)))
    return result


@dataclass(frozen=True)
class Candidate:
    """A stored article that might match: what the store knows about it, nothing more."""

    article_id: int
    url: str
    story_id: int
    signature: tuple[int, ...]
    fact_keys: frozenset[str] = frozenset()
    title: str = ""


def decide(
    *,
    text_hash: str,
    signature: Sequence[int],
    exact_match: Candidate | None,
    candidates: Sequence[Candidate],
    near_threshold: float,
) -> DedupDecision:
    """Exact and near-duplicate tiers; returns NEW when neither matches."""
    if exact_match is not None:
        return DedupDecision(
            status=ArticleStatus.DUPLICATE,
            tier=DedupTier.EXACT,
            reason=f"same normalised text as {exact_match.url}",
            matched_article_id=exact_match.article_id,
            matched_url=exact_match.url,
            story_id=exact_match.story_id,
            similarity=1.0,
        )
    best, similarity = nearest(signature, candidates)
    if best is not None and similarity >= near_threshold:
        return DedupDecision(
            status=ArticleStatus.DUPLICATE,
            tier=DedupTier.NEAR,
            reason=(
                f"near-duplicate of {best.url} "
                f"(estimated Jaccard {similarity:.2f} ≥ {near_threshold:.2f})"
            ),
            matched_article_id=best.article_id,
            matched_url=best.url,
            story_id=best.story_id,
            similarity=round(similarity, 4),
        )
    detail = f"; nearest {best.url} at {similarity:.2f}" if best is not None else ""
    return DedupDecision(
        status=ArticleStatus.NEW,
        tier=DedupTier.NEW,
        reason=f"no stored article is similar enough{detail}",
        similarity=round(similarity, 4) if best is not None else None,
    )


def nearest(
    signature: Sequence[int], candidates: Sequence[Candidate]
) -> tuple[Candidate | None, float]:
    best: Candidate | None = None
    best_similarity = 0.0
    for candidate in candidates:
        similarity = estimate_jaccard(signature, candidate.signature)
        if best is None or similarity > best_similarity:
            best, best_similarity = candidate, similarity
    return best, best_similarity


# Same-story scoring: (component, weight). Fact overlap dominates because two outlets' write-ups of
# one event share its numbers and names far more than their wording (archive 000 vs 001: estimated
# Jaccard ≈ 0.05, yet the same US$15 billion, 100 researchers and Jeff Zhang).
SAME_STORY_WEIGHTS = {"facts": 0.5, "text": 0.3, "title": 0.2}
DISTINCTIVE_FACT_KINDS = ("money", "count", "person", "product")
FACTS_FOR_FULL_MARKS = 3
TEXT_SIMILARITY_FOR_FULL_MARKS = 0.5


def distinctive_keys(keys: Iterable[str]) -> frozenset[str]:
    """Fact keys specific enough to identify an event (amounts, counts, people, products)."""
    return frozenset(k for k in keys if k.split(":", 1)[0] in DISTINCTIVE_FACT_KINDS)


def title_similarity(a: str, b: str) -> float:
    words_a, words_b = set(_WORD.findall(a.casefold())), set(_WORD.findall(b.casefold()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def same_story_score(
    *, signature: Sequence[int], fact_keys: frozenset[str], title: str, candidate: Candidate
) -> tuple[float, str]:
    shared = distinctive_keys(fact_keys) & distinctive_keys(candidate.fact_keys)
    text = estimate_jaccard(signature, candidate.signature) if candidate.signature else 0.0
    titles = title_similarity(title, candidate.title)
    score = (
        SAME_STORY_WEIGHTS["facts"] * min(len(shared) / FACTS_FOR_FULL_MARKS, 1.0)
        + SAME_STORY_WEIGHTS["text"] * min(text / TEXT_SIMILARITY_FOR_FULL_MARKS, 1.0)
        + SAME_STORY_WEIGHTS["title"] * titles
    )
    shown = ", ".join(sorted(k.split(":", 1)[1] for k in shared)[:4]) or "none"
    detail = f"shared facts: {shown}; text {text:.2f}; title {titles:.2f}"
    return round(score, 4), detail


def find_same_story(
    *,
    signature: Sequence[int],
    fact_keys: frozenset[str],
    title: str,
    candidates: Sequence[Candidate],
    threshold: float,
) -> DedupDecision | None:
    """The best-scoring candidate's story when it reaches the threshold."""
    best: tuple[float, str, Candidate] | None = None
    for candidate in candidates:
        score, detail = same_story_score(
            signature=signature, fact_keys=fact_keys, title=title, candidate=candidate
        )
        if best is None or score > best[0]:
            best = (score, detail, candidate)
    if best is None or best[0] < threshold:
        return None
    score, detail, candidate = best
    return DedupDecision(
        status=ArticleStatus.SAME_STORY,
        tier=DedupTier.SAME_STORY,
        reason=f"same story as {candidate.url} (score {score:.2f} ≥ {threshold:.2f}; {detail})",
        matched_article_id=candidate.article_id,
        matched_url=candidate.url,
        story_id=candidate.story_id,
        similarity=score,
    )
