"""What the dedup tiers ask the store: exact hashes, LSH band matches, shared facts.

These lookups run for every incoming article, so their statements are built once at import with
bind parameters and run on the session's connection: SQLAlchemy then reuses their compiled form,
and a lookup costs ~50 µs instead of ~150 µs for building and running an ORM select each time
(the SQL itself takes a few µs). They read columns, never whole ORM rows (design §5).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Executable, Row, bindparam, func, select
from sqlalchemy.orm import Session

from rdwatch.dedup import Candidate, band_hashes, unpack_signature
from rdwatch.store.articles import chunks
from rdwatch.store.schema import ArticleRow, FactRow, LshBandRow

# At most this many articles sharing facts are considered per incoming article, most shared first.
FACT_CANDIDATE_LIMIT = 50

_CANDIDATE_COLUMNS = (
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.story_id,
    ArticleRow.signature,
    ArticleRow.title,
    ArticleRow.published,
)
_EXACT = (
    select(ArticleRow.id, ArticleRow.url, ArticleRow.story_id, ArticleRow.title)
    .where(ArticleRow.content_hash == bindparam("text_hash"))
    .order_by(ArticleRow.id)
    .limit(1)
)
_SHARING_A_BAND = select(*_CANDIDATE_COLUMNS).where(
    ArticleRow.id.in_(
        select(LshBandRow.article_id).where(
            LshBandRow.band_hash.in_(bindparam("band_hashes", expanding=True))
        )
    )
)
_shared_count = func.count(FactRow.id)
_SHARING_FACTS = select(*_CANDIDATE_COLUMNS).where(
    ArticleRow.id.in_(
        select(FactRow.article_id)
        .where(FactRow.key.in_(bindparam("keys", expanding=True)))
        .group_by(FactRow.article_id)
        .having(_shared_count >= 2)
        .order_by(_shared_count.desc(), FactRow.article_id.desc())
        .limit(FACT_CANDIDATE_LIMIT)
    )
)
_FACT_KEYS = select(FactRow.article_id, FactRow.key).where(
    FactRow.article_id.in_(bindparam("ids", expanding=True))
)
_STORIES_HOLDING = (
    select(FactRow.key, func.count(func.distinct(ArticleRow.story_id)).label("stories"))
    .join(ArticleRow, FactRow.article_id == ArticleRow.id)
    .where(FactRow.key.in_(bindparam("keys", expanding=True)))
    .group_by(FactRow.key)
)
_TEXTS = select(ArticleRow.id, ArticleRow.text).where(
    ArticleRow.id.in_(bindparam("ids", expanding=True))
)


def _rows(session: Session, statement: Executable, **params: Any) -> Sequence[Row[Any]]:
    return session.connection().execute(statement, params).all()


def find_exact(session: Session, text_hash: str) -> Candidate | None:
    """The first stored article with the same normalised-text hash."""
    rows = _rows(session, _EXACT, text_hash=text_hash)
    if not rows:
        return None
    row = rows[0]
    return Candidate(
        article_id=row.id, url=row.url, story_id=row.story_id, signature=(), title=row.title
    )


def find_candidates(session: Session, signature: Sequence[int]) -> list[Candidate]:
    """Stored articles sharing at least one LSH band with the signature (one indexed query)."""
    hashes = [h for _, h in band_hashes(signature)]
    return [_candidate(r) for r in _rows(session, _SHARING_A_BAND, band_hashes=hashes)]


def find_story_candidates(
    session: Session, band_candidates: Sequence[Candidate], distinctive_keys: Collection[str]
) -> list[Candidate]:
    """The same-story pool: the LSH candidates, then the articles sharing at least two of the
    distinctive fact keys, each with its stored fact keys."""
    pool = list(band_candidates)
    keys = list(set(distinctive_keys))
    if len(keys) >= 2:
        known = {c.article_id for c in pool}
        sharing = (_candidate(r) for r in _rows(session, _SHARING_FACTS, keys=keys))
        pool += [c for c in sharing if c.article_id not in known]
    return _with_fact_keys(session, pool)


def stories_holding(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """For each fact key, how many stories hold it (how common a fact is: background or news)."""
    counts: dict[str, int] = {}
    for chunk in chunks(list(set(keys))):
        rows = _rows(session, _STORIES_HOLDING, keys=list(chunk))
        counts.update({row.key: int(row.stories) for row in rows})
    return counts


def article_texts(session: Session, article_ids: Iterable[int]) -> dict[int, str]:
    """Stored texts by article id, for verifying near-duplicate estimates exactly."""
    wanted = list(set(article_ids))
    if not wanted:
        return {}
    return {row.id: row.text for row in _rows(session, _TEXTS, ids=wanted)}


def _with_fact_keys(session: Session, candidates: Sequence[Candidate]) -> list[Candidate]:
    keys: dict[int, set[str]] = {c.article_id: set() for c in candidates}
    for chunk in chunks(list(keys)):
        for row in _rows(session, _FACT_KEYS, ids=list(chunk)):
            keys[row.article_id].add(row.key)
    return [replace(c, fact_keys=frozenset(keys[c.article_id])) for c in candidates]


def _candidate(row: Row[Any]) -> Candidate:
    return Candidate(
        article_id=row.id,
        url=row.url,
        story_id=row.story_id,
        signature=unpack_signature(row.signature) if row.signature else (),
        title=row.title,
        published=row.published,
    )
