"""What the copy tiers ask the store: exact hashes and LSH band matches (the same-story tier's
lookups are in `story_index`).

These lookups run for every incoming article, so their statements are built once at import with
bind parameters and run on the session's connection: SQLAlchemy then reuses their compiled form,
and a lookup costs ~50 µs instead of ~150 µs for building and running an ORM select each time
(the SQL itself takes a few µs). They read columns, never whole ORM rows (design §5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Executable, Row, bindparam, select
from sqlalchemy.orm import Session

from rdwatch.dedup import Candidate, band_hashes, unpack_signature
from rdwatch.store.schema import ArticleRow, LshBandRow

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


def article_texts(session: Session, article_ids: Iterable[int]) -> dict[int, str]:
    """Stored texts by article id, for verifying near-duplicate estimates exactly."""
    wanted = list(set(article_ids))
    if not wanted:
        return {}
    return {row.id: row.text for row in _rows(session, _TEXTS, ids=wanted)}


def _candidate(row: Row[Any]) -> Candidate:
    return Candidate(
        article_id=row.id,
        url=row.url,
        story_id=row.story_id,
        signature=unpack_signature(row.signature) if row.signature else (),
        title=row.title,
        published=row.published,
    )
