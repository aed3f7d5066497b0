"""What the copy tiers ask the store about a whole batch, asked once for the batch.

Before a batch is decided, one query per kind fetches, for all its articles together, the stored
articles with the same URL or guid, the same text hash, and a shared LSH band; the batch's own
articles are added as they are stored (`add`), so each decision sees what came before it in the
batch exactly as a lookup per article would. This replaces a handful of statements per article,
whose SQLAlchemy overhead was most of a first poll's ingest cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from rdwatch.dedup import Candidate, band_hashes, unpack_signature
from rdwatch.store.schema import ArticleRow, LshBandRow
from rdwatch.store.sql import chunks, run

_STORED = select(ArticleRow.url, ArticleRow.guid).where(
    ArticleRow.url.in_(bindparam("urls", expanding=True))
    | ArticleRow.guid.in_(bindparam("guids", expanding=True))
)
_EXACT = select(
    ArticleRow.id, ArticleRow.url, ArticleRow.story_id, ArticleRow.title, ArticleRow.content_hash
).where(ArticleRow.content_hash.in_(bindparam("hashes", expanding=True)))
_BANDS = (
    select(
        LshBandRow.band_hash,
        ArticleRow.id,
        ArticleRow.url,
        ArticleRow.story_id,
        ArticleRow.signature,
        ArticleRow.title,
        ArticleRow.published,
    )
    .join(ArticleRow, ArticleRow.id == LshBandRow.article_id)
    .where(LshBandRow.band_hash.in_(bindparam("hashes", expanding=True)))
)
_TEXTS = select(ArticleRow.id, ArticleRow.text).where(
    ArticleRow.id.in_(bindparam("ids", expanding=True))
)


class BatchLookups:
    """Seen URLs and guids, exact hashes and LSH band matches for one batch of articles."""

    def __init__(
        self,
        session: Session,
        urls: Sequence[str],
        guids: Sequence[str],
        hashes: Sequence[str],
        signatures: Sequence[Sequence[int]],
    ) -> None:
        self._session = session
        self._urls: set[str] = set()
        self._guids: set[str] = set()
        self._exact: dict[str, Candidate] = {}
        self._bands: dict[int, dict[int, Candidate]] = defaultdict(dict)
        self._texts: dict[int, str] = {}
        self._fetch_stored(urls, [g for g in guids if g])
        self._fetch_exact(hashes)
        self._fetch_bands({h for s in signatures if s for _, h in band_hashes(s)})

    # --- reads ---

    def seen(self, url: str, guid: str | None) -> bool:
        return url in self._urls or (guid is not None and guid in self._guids)

    def exact(self, text_hash: str) -> Candidate | None:
        return self._exact.get(text_hash)

    def band_candidates(self, signature: Sequence[int]) -> list[Candidate]:
        found: dict[int, Candidate] = {}
        for _, value in band_hashes(signature):
            found.update(self._bands.get(value, {}))
        return list(found.values())

    def texts(self, article_ids: Iterable[int]) -> dict[int, str]:
        wanted = set(article_ids)
        missing = [i for i in wanted if i not in self._texts]
        if missing:
            self._texts.update((r.id, r.text) for r in run(self._session, _TEXTS, {"ids": missing}))
        return {i: self._texts[i] for i in wanted if i in self._texts}

    # --- the batch's own articles ---

    def add(self, candidate: Candidate, *, guid: str | None, text_hash: str, text: str,
            indexed: bool) -> None:  # fmt: skip
        """An article of this batch, now stored; `indexed`: its bands count (a copy's do not)."""
        self._urls.add(candidate.url)
        if guid:
            self._guids.add(guid)
        self._exact.setdefault(text_hash, replace(candidate, signature=()))
        self._texts[candidate.article_id] = text
        if indexed and candidate.signature:
            for _, value in band_hashes(candidate.signature):
                self._bands[value][candidate.article_id] = candidate

    def move_story(self, from_story: int, into_story: int) -> None:
        """A merge moved every article of one story into another."""

        def moved(candidate: Candidate) -> Candidate:
            if candidate.story_id != from_story:
                return candidate
            return replace(candidate, story_id=into_story)

        self._exact = {h: moved(c) for h, c in self._exact.items()}
        for matches in self._bands.values():
            for article_id, candidate in matches.items():
                matches[article_id] = moved(candidate)

    # --- fetching ---

    def _fetch_stored(self, urls: Sequence[str], guids: Sequence[str]) -> None:
        for chunk in chunks(list(urls)):
            rows = run(self._session, _STORED, {"urls": list(chunk), "guids": []})
            self._urls.update(r.url for r in rows)
        for chunk in chunks(list(guids)):
            rows = run(self._session, _STORED, {"urls": [], "guids": list(chunk)})
            self._guids.update(r.guid for r in rows if r.guid)

    def _fetch_exact(self, hashes: Sequence[str]) -> None:
        for chunk in chunks(sorted(set(hashes))):
            for row in sorted(run(self._session, _EXACT, {"hashes": list(chunk)}), key=_by_id):
                self._exact.setdefault(
                    row.content_hash,
                    Candidate(row.id, row.url, row.story_id, (), title=row.title),
                )

    def _fetch_bands(self, hashes: set[int]) -> None:
        for chunk in chunks(sorted(hashes)):
            for row in run(self._session, _BANDS, {"hashes": list(chunk)}):
                self._bands[row.band_hash][row.id] = _candidate(row)


def _by_id(row: Row[Any]) -> int:
    return int(row.id)


def _candidate(row: Row[Any]) -> Candidate:
    return Candidate(
        article_id=row.id,
        url=row.url,
        story_id=row.story_id,
        signature=unpack_signature(row.signature) if row.signature else (),
        title=row.title,
        published=row.published,
    )
