"""The same-story index: which stories hold which terms, and how many stories hold each term.

Finding the stories an article may belong to is two indexed lookups whatever the store's size:
the stories holding the article's rarer terms (ranked here by the weight they share, only the best
`CANDIDATES` kept), then those stories' counts for the article's other terms. Joining a story adds
one row per new term or bumps a count; the cost does not depend on how many articles the story
already has. Terms held by more than `CANDIDATE_MAX_STORIES` stories still count in the score but
do not propose candidates (every story would be one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from rdwatch.dedup import StoryCandidate, TermStats
from rdwatch.store.schema import ArticleRow, StoryRow, StoryTermRow, TermStatRow
from rdwatch.store.sql import chunks, execute, insert_for, run

CANDIDATES = 20
CANDIDATE_MAX_STORIES = 50
# The article's heaviest terms that propose candidates (all of them count in the score).
PROPOSING_TERMS = 15

_STATS = select(TermStatRow.term, TermStatRow.stories).where(
    TermStatRow.term.in_(bindparam("terms", expanding=True))
)
_STORIES_TOTAL = select(func.max(StoryRow.id))
_HOLDING = select(
    StoryTermRow.term, StoryTermRow.story_id, StoryTermRow.articles, StoryTermRow.lead_articles
).where(StoryTermRow.term.in_(bindparam("terms", expanding=True)))
_HOLDING_IN = _HOLDING.where(StoryTermRow.story_id.in_(bindparam("stories", expanding=True)))
_member = aliased(ArticleRow)
_first_article = (
    select(_member.id)
    .where(_member.story_id == StoryRow.id)
    .order_by(_member.id)
    .limit(1)
    .correlate(StoryRow)
    .scalar_subquery()
)
_STORIES = (
    select(
        StoryRow.id,
        StoryRow.title,
        StoryRow.indexed_articles,
        StoryRow.first_published,
        StoryRow.last_published,
        ArticleRow.id.label("first_article_id"),
        ArticleRow.url.label("first_url"),
    )
    .join(ArticleRow, ArticleRow.id == _first_article, isouter=True)
    .where(StoryRow.id.in_(bindparam("stories", expanding=True)))
)
_STORY_TERMS = select(StoryTermRow.term, StoryTermRow.articles, StoryTermRow.lead_articles).where(
    StoryTermRow.story_id == bindparam("story")
)


def term_stats(session: Session, terms: Collection[str]) -> TermStats:
    holding: dict[str, int] = {}
    for chunk in chunks(list(terms)):
        holding.update((r.term, r.stories) for r in run(session, _STATS, {"terms": list(chunk)}))
    total = session.connection().execute(_STORIES_TOTAL).scalar() or 0
    return TermStats(stories_total=int(total), stories_holding=holding)


def find_story_candidates(
    session: Session, terms: Mapping[str, float], stats: TermStats
) -> list[StoryCandidate]:
    """The stories sharing the article's most telling terms, best first, with their counts."""
    scored = {t: w * stats.idf(t) for t, w in terms.items() if not stats.is_background(t)}
    rare = sorted(
        (t for t in scored if stats.stories_holding.get(t, 0) <= CANDIDATE_MAX_STORIES),
        key=lambda t: -scored[t],
    )[:PROPOSING_TERMS]
    if not rare:
        return []
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    leads: dict[int, set[str]] = defaultdict(set)
    rank: dict[int, float] = defaultdict(float)
    for row in run(session, _HOLDING, {"terms": rare}):
        _note(row, counts, leads)
        rank[row.story_id] += scored[row.term]
    best = sorted(rank, key=lambda s: (-rank[s], s))[:CANDIDATES]
    if not best:
        return []
    others = [t for t in scored if t not in set(rare)]
    if others:
        for row in run(session, _HOLDING_IN, {"terms": others, "stories": best}):
            _note(row, counts, leads)
    return [
        StoryCandidate(
            story_id=row.id,
            title=row.title,
            indexed_articles=row.indexed_articles,
            term_articles=counts[row.id],
            lead_terms=frozenset(leads[row.id]),
            first_published=row.first_published,
            last_published=row.last_published,
            first_article_id=row.first_article_id,
            first_url=row.first_url or "",
        )
        for row in sorted(run(session, _STORIES, {"stories": best}), key=lambda r: best.index(r.id))
    ]


def _note(row: Row[Any], counts: dict[int, dict[str, int]], leads: dict[int, set[str]]) -> None:
    counts[row.story_id][row.term] = row.articles
    if row.lead_articles:
        leads[row.story_id].add(row.term)


def index_terms(
    session: Session,
    story_id: int,
    terms: Collection[str],
    lead_terms: Collection[str],
    *,
    first: bool = False,
) -> None:
    """One more article of the story carries `terms`, `lead_terms` in its headline or lead
    (`first`: the story's first, so it holds none of them yet)."""
    if not terms:
        return
    held = (
        {r.term for r in run(session, _HOLDING_IN, {"terms": list(terms), "stories": [story_id]})}
        if not first
        else set()
    )
    in_lead = set(lead_terms)
    for group, lead in ((held & in_lead, 1), (held - in_lead, 0)):
        if group:
            execute(
                session,
                update(StoryTermRow)
                .where(StoryTermRow.story_id == story_id, StoryTermRow.term.in_(group))
                .values(
                    articles=StoryTermRow.articles + 1,
                    lead_articles=StoryTermRow.lead_articles + lead,
                ),
            )
    new = [t for t in terms if t not in held]
    if new:
        execute(
            session,
            insert_for(session, StoryTermRow),
            [
                {"term": t, "story_id": story_id, "articles": 1, "lead_articles": int(t in in_lead)}
                for t in new
            ],
        )
        _count_stories(session, new, +1)


def move_terms(session: Session, from_story: int, into_story: int) -> None:
    """A merge: the counts of `from_story` are added to `into_story`'s."""
    moving = {r.term: r for r in run(session, _STORY_TERMS, {"story": from_story})}
    both: list[str] = []
    for chunk in chunks(list(moving)):
        params = {"terms": list(chunk), "stories": [into_story]}
        both += [r.term for r in run(session, _HOLDING_IN, params)]
    for term in both:
        execute(
            session,
            update(StoryTermRow)
            .where(StoryTermRow.story_id == into_story, StoryTermRow.term == term)
            .values(
                articles=StoryTermRow.articles + moving[term].articles,
                lead_articles=StoryTermRow.lead_articles + moving[term].lead_articles,
            ),
        )
    for chunk in chunks(both):
        execute(
            session,
            delete(StoryTermRow).where(
                StoryTermRow.story_id == from_story, StoryTermRow.term.in_(chunk)
            ),
        )
        _count_stories(session, chunk, -1)
    execute(
        session,
        update(StoryTermRow).where(StoryTermRow.story_id == from_story).values(story_id=into_story),
    )


def _count_stories(session: Session, terms: Sequence[str], delta: int) -> None:
    if delta > 0:
        statement = insert_for(session, TermStatRow).on_conflict_do_update(
            index_elements=[TermStatRow.term],
            set_={"stories": TermStatRow.stories + delta},
        )
        execute(session, statement, [{"term": t, "stories": delta} for t in terms])
        return
    execute(
        session,
        update(TermStatRow)
        .where(TermStatRow.term.in_(terms))
        .values(stories=TermStatRow.stories + delta),
    )
