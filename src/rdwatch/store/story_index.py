"""The same-story index: which stories hold which terms, and how many stories hold each term.

Finding the stories an article may belong to is two indexed lookups whatever the store's size:
the stories holding the article's rarer terms (ranked here by the weight they share, only the best
`CANDIDATES` kept), then those stories' counts for the article's other terms. Joining a story adds
one row per new term or bumps a count; the cost does not depend on how many articles the story
already has. Terms held by more than `CANDIDATE_MAX_STORIES` stories still count in the score but
do not propose candidates (every story would be one). A batch's own changes wait in
`store.pending`; the lookups here add them to what is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from rdwatch.dedup import StoryCandidate, TermStats
from rdwatch.store.pending import PendingWrites
from rdwatch.store.schema import ArticleRow, StoryRow, StoryTermRow, TermStatRow
from rdwatch.store.sql import chunks, execute, read_plain_in, run

CANDIDATES = 20
CANDIDATE_MAX_STORIES = 50
# The article's heaviest terms that propose candidates (all of them count in the score).
PROPOSING_TERMS = 15
# A batch reads at its start every stored story holding one of its terms held this rarely.
PREFETCH_MAX_STORIES = 8

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


def term_stats(
    session: Session, terms: Collection[str], pending: PendingWrites | None = None
) -> TermStats:
    """How many stories hold each term (stored, plus the batch's new ones), and how many stories
    there are. Within a batch the stored counts are read once (`prefetch_term_stats`)."""
    if pending is None:
        total = int(run(session, _STORIES_TOTAL)[0][0] or 0)
        return TermStats(stories_total=total, stories_holding=_stored_holding(session, terms))
    prefetch_term_stats(session, terms, pending)
    stored = pending.stored_holding
    holding = {t: stored[t] + pending.new_story_pairs(t) for t in terms}
    return TermStats(
        stories_total=pending.count_stories(session),
        stories_holding={t: n for t, n in holding.items() if n},
    )


def prefetch_term_stats(session: Session, terms: Iterable[str], pending: PendingWrites) -> None:
    """Read the stored counts of the terms the batch has not asked about yet."""
    missing = [t for t in set(terms) if t not in pending.stored_holding]
    if missing:
        found = _stored_holding(session, missing)
        pending.stored_holding.update((t, found.get(t, 0)) for t in missing)


def _stored_holding(session: Session, terms: Collection[str]) -> dict[str, int]:
    holding: dict[str, int] = {}
    for chunk in chunks(list(terms)):
        rows = read_plain_in(session, _STATS, {"terms": chunk})
        holding.update((r.term, r.stories) for r in rows)
    return holding


def find_story_candidates(
    session: Session,
    terms: Mapping[str, float],
    stats: TermStats,
    pending: PendingWrites | None = None,
) -> list[StoryCandidate]:
    """The stories sharing the article's most telling terms, best first, with their counts
    (stored ones, plus what the batch has not written yet)."""
    scored, rare = _proposing(terms, stats)
    proposing = set(rare)
    # A term no story holds has no rows to read.
    rare = [t for t in rare if stats.stories_holding.get(t, 0)]
    if not rare:
        return []
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    leads: dict[int, set[str]] = defaultdict(set)
    for term, story_id, articles, lead_articles in _stored_holders(session, rare, pending):
        _note(counts, leads, story_id, term, articles, lead_articles)
    if pending is not None:
        for term, story_id, delta in pending.pairs(rare):
            _note(counts, leads, story_id, term, delta.articles, delta.lead_articles)
    rank = {s: sum(scored[t] for t in held) for s, held in counts.items()}
    best = sorted(rank, key=lambda s: (-rank[s], s))[:CANDIDATES]
    if not best:
        return []
    others = [t for t in scored if t not in proposing and stats.stories_holding.get(t, 0)]
    if others:
        for term, story_id, articles, lead_articles in _holders_among(
            session, others, best, pending
        ):
            _note(counts, leads, story_id, term, articles, lead_articles)
        if pending is not None:
            chosen = set(best)
            for term, story_id, delta in pending.pairs(others):
                if story_id in chosen:
                    _note(counts, leads, story_id, term, delta.articles, delta.lead_articles)
    rows = _story_rows(session, best, pending)
    return [_candidate(rows[i], counts, leads, pending) for i in best if i in rows]


def prefetch_candidates(
    session: Session, batch_terms: Iterable[Mapping[str, float]], pending: PendingWrites
) -> None:
    """Read, for a whole batch at once, the stored stories holding the terms its articles will
    propose candidates with (as the counts stand when it starts: a term the batch's own
    articles push past the limit is read again when needed, never wrongly), and those holding
    the batch's rarest other terms. Terms held more widely are read per article, for its
    candidate stories only."""
    stats = TermStats(pending.count_stories(session), pending.stored_holding)
    wanted: set[str] = set()
    for terms in batch_terms:
        wanted.update(t for t in _proposing(terms, stats)[1] if stats.stories_holding.get(t, 0))
        wanted.update(
            t for t in terms if 0 < stats.stories_holding.get(t, 0) <= PREFETCH_MAX_STORIES
        )
    _read_holders(session, wanted, pending)


def _proposing(terms: Mapping[str, float], stats: TermStats) -> tuple[dict[str, float], list[str]]:
    """The article's terms weighted by rarity, and the heaviest that propose candidates."""
    scored = {t: w * stats.idf(t) for t, w in terms.items() if not stats.is_background(t)}
    rare = sorted(
        (t for t in scored if stats.stories_holding.get(t, 0) <= CANDIDATE_MAX_STORIES),
        key=lambda t: -scored[t],
    )[:PROPOSING_TERMS]
    return scored, rare


def _stored_holders(
    session: Session, terms: Sequence[str], pending: PendingWrites | None
) -> Iterator[tuple[str, int, int, int]]:
    """(term, story, articles, lead articles) for each stored story holding one of `terms`."""
    if pending is None:
        for row in read_plain_in(session, _HOLDING, {"terms": terms}):
            yield row.term, row.story_id, row.articles, row.lead_articles
        return
    _read_holders(session, terms, pending)
    for term in terms:
        for story_id, articles, lead_articles in pending.stored_holders[term]:
            yield term, story_id, articles, lead_articles


def _holders_among(
    session: Session, terms: Sequence[str], stories: Sequence[int], pending: PendingWrites | None
) -> Iterator[tuple[str, int, int, int]]:
    """(term, story, articles, lead articles) for each stored row of one of `terms` in one of
    `stories`: from the batch's holders where it has read them, else from the store."""
    if pending is None:
        unread = list(terms)
    else:
        chosen = set(stories)
        unread = []
        for term in terms:
            held = pending.stored_holders.get(term)
            if held is None:
                if pending.stored_holding.get(term, 1):  # a term the store lacks has no rows
                    unread.append(term)
                continue
            for story_id, articles, lead_articles in held:
                if story_id in chosen:
                    yield term, story_id, articles, lead_articles
    if unread:
        for row in read_plain_in(session, _HOLDING_IN, {"terms": unread, "stories": stories}):
            yield row.term, row.story_id, row.articles, row.lead_articles


def _read_holders(session: Session, terms: Iterable[str], pending: PendingWrites) -> None:
    missing = [t for t in set(terms) if t not in pending.stored_holders]
    for term in missing:
        pending.stored_holders[term] = []
    for chunk in chunks(missing):
        for row in read_plain_in(session, _HOLDING, {"terms": chunk}):
            pending.stored_holders[row.term].append((row.story_id, row.articles, row.lead_articles))


def _story_rows(
    session: Session, story_ids: Sequence[int], pending: PendingWrites | None
) -> dict[int, Any]:
    """The candidate stories' rows (a stored row does not change during a batch: what the batch
    changes is read from its pending aggregates)."""
    if pending is None:
        return {r.id: r for r in run(session, _STORIES, {"stories": list(story_ids)})}
    cache = pending.stored_story_rows
    missing = [i for i in story_ids if i not in cache and i not in pending.created]
    if missing:
        cache.update((r.id, r) for r in run(session, _STORIES, {"stories": missing}))
    rows = {i: cache[i] for i in story_ids if i in cache}
    rows.update((i, _opened_row(i, pending)) for i in story_ids if i in pending.created)
    return rows


def _opened_row(story_id: int, pending: PendingWrites) -> Any:
    """A story this batch opened, as `_STORIES` would read it once written."""
    opened, story = pending.created[story_id], pending.stories[story_id]
    return SimpleNamespace(
        id=story_id,
        title=opened.title,
        indexed_articles=story.indexed_articles,
        first_published=story.first_published,
        last_published=story.last_published,
        first_article_id=opened.first_article_id,
        first_url=opened.first_url,
    )


def _note(
    counts: dict[int, dict[str, int]],
    leads: dict[int, set[str]],
    story_id: int,
    term: str,
    articles: int,
    lead_articles: int,
) -> None:
    counts[story_id][term] = counts[story_id].get(term, 0) + articles
    if lead_articles:
        leads[story_id].add(term)


def _candidate(
    row: Row[Any],
    counts: dict[int, dict[str, int]],
    leads: dict[int, set[str]],
    pending: PendingWrites | None,
) -> StoryCandidate:
    story = pending.stories.get(row.id) if pending is not None else None
    return StoryCandidate(
        story_id=row.id,
        title=row.title,
        indexed_articles=story.indexed_articles if story else row.indexed_articles,
        term_articles=counts[row.id],
        lead_terms=frozenset(leads[row.id]),
        first_published=story.first_published if story else row.first_published,
        last_published=story.last_published if story else row.last_published,
        first_article_id=row.first_article_id,
        first_url=row.first_url or "",
    )


def terms_held(
    session: Session, story_id: int, terms: Collection[str], pending: PendingWrites
) -> set[str]:
    """Which of `terms` the story already holds, stored or pending."""
    held = {t for t, *_ in _holders_among(session, list(terms), [story_id], pending)}
    return held | {t for t, s, _ in pending.pairs(terms) if s == story_id}


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
        _uncount_stories(session, chunk)
    execute(
        session,
        update(StoryTermRow).where(StoryTermRow.story_id == from_story).values(story_id=into_story),
    )


def _uncount_stories(session: Session, terms: Sequence[str]) -> None:
    """One story fewer holds each of `terms` (a merge; a batch's gains are written by
    `store.pending`)."""
    execute(
        session,
        update(TermStatRow)
        .where(TermStatRow.term.in_(terms))
        .values(stories=TermStatRow.stories - 1),
    )
