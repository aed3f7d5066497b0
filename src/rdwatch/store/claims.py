"""Story claims: what each publisher reported on a story's subjects (`rdwatch.intelligence.claims`
decides what a claim is and when claims contradict; this module stores and reads them).

A story merged into another keeps its id on its claims; reading a story's claims takes in the
stories merged into it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from rdwatch.intelligence.claims import Claim, StoredClaim
from rdwatch.store.schema import ArticleRow, FactRow, StoryClaimRow, StoryRow
from rdwatch.store.sql import chunks, execute, insert_ignoring


def add_claims(
    session: Session, story_id: int, article_id: int, publisher: str, claims: Sequence[Claim]
) -> None:
    """Record one article's claims (a publisher stating a value again adds nothing)."""
    if not claims:
        return
    rows = [
        {"story_id": story_id, "subject": c.subject, "value": c.value, "publisher": publisher,
         "label": c.label, "number": c.number, "article_id": article_id}
        for c in claims
    ]  # fmt: skip
    execute(session, insert_ignoring(session, StoryClaimRow), rows)


def merged_into(session: Session, story_ids: Collection[int]) -> dict[int, int]:
    """Each story id with the ids of the stories merged into it (at any depth), mapped to it."""
    owner = {i: i for i in story_ids}
    frontier = list(story_ids)
    while frontier:
        found = []
        for chunk in chunks(frontier):
            query = select(StoryRow.id, StoryRow.merged_into_id).where(
                StoryRow.merged_into_id.in_(chunk)
            )
            for merged, into in session.execute(query):
                if merged not in owner and into is not None:
                    owner[merged] = owner[into]
                    found.append(merged)
        frontier = found
    return owner


def story_claims(session: Session, story_ids: Collection[int]) -> dict[int, list[StoredClaim]]:
    """The claims of each story (its merged stories' included), in the order they were made."""
    owner = merged_into(session, story_ids)
    claims: dict[int, list[StoredClaim]] = {i: [] for i in story_ids}
    for chunk in chunks(list(owner)):
        rows = session.scalars(
            select(StoryClaimRow)
            .where(StoryClaimRow.story_id.in_(chunk))
            .order_by(StoryClaimRow.article_id)
        )
        for r in rows:
            claim = StoredClaim(r.subject, r.value, r.label, r.number, r.publisher)
            claims[owner[r.story_id]].append(claim)
    return claims


def disputed_story_ids(session: Session) -> list[int]:
    """Stories (merged ones resolved to where they went) with a subject on which at least two
    values and two publishers were recorded: the candidates for a contradiction, newest first."""
    query = (
        select(StoryClaimRow.story_id)
        .group_by(StoryClaimRow.story_id, StoryClaimRow.subject)
        .having(func.count(distinct(StoryClaimRow.value)) > 1)
        .having(func.count(distinct(StoryClaimRow.publisher)) > 1)
    )
    ids = set(session.scalars(query))
    while moved := _merged_targets(session, ids):
        ids = {moved.get(i, i) for i in ids}
    return sorted(ids, reverse=True)


def _merged_targets(session: Session, story_ids: Collection[int]) -> dict[int, int]:
    targets: dict[int, int] = {}
    for chunk in chunks(list(story_ids)):
        query = select(StoryRow.id, StoryRow.merged_into_id).where(
            StoryRow.id.in_(chunk), StoryRow.merged_into_id.is_not(None)
        )
        targets.update((a, b) for a, b in session.execute(query) if b is not None)
    return targets


def first_reporters(
    session: Session, story_ids: Collection[int], keys: Collection[str]
) -> dict[str, str]:
    """For each fact key, the publisher of the story's first article to report it."""
    found: dict[str, str] = {}
    if not keys:
        return found
    query = (
        select(FactRow.key, ArticleRow.publisher, ArticleRow.source)
        .join(ArticleRow, FactRow.article_id == ArticleRow.id)
        .where(ArticleRow.story_id.in_(list(story_ids)), FactRow.key.in_(list(keys)))
        .order_by(ArticleRow.id)
    )
    for key, publisher, source in session.execute(query):
        found.setdefault(key, publisher or source)
    return found
