"""Write-behind for one ingest batch: what the batch decided, written in bulk when it ends.

Ingesting an article used to cost a dozen statements, and SQLAlchemy's work per statement was
most of a first poll's time. A batch now keeps what it decides here, and `flush` writes each table
once, with `executemany`: new stories and articles (their ids allocated here, which is safe
because a batch holds the ingest lock), facts, LSH bands, story aggregates and term counts,
publishers, scores and outbox rows. Reads made during the batch see what is pending: `aggregate`
returns a story as the batch left it, the same-story index (`story_index`) adds the pending term
counts and stories to the stored ones, and the copy tiers' lookups (`batch_lookups`) hold the
batch's own articles, so each decision sees the batch's earlier articles. A batch is one
transaction: nothing is half-written if a run is killed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from rdwatch.dedup import band_hashes
from rdwatch.models import Fact, Notability, StoryAggregate
from rdwatch.store.articles import fact_values
from rdwatch.store.schema import (
    ArticleRow,
    FactRow,
    LshBandRow,
    OutboxRow,
    StoryFactRow,
    StoryPublisherRow,
    StoryRow,
    StoryTermRow,
    TermStatRow,
)
from rdwatch.store.sql import execute, execute_plain_many, insert_for, run


@dataclass(slots=True)
class TermDelta:
    """A story's count changes for one term in this batch; `new`: no stored row yet."""

    articles: int = 0
    lead_articles: int = 0
    new: bool = False


@dataclass(frozen=True)
class NewStory:
    """A story this batch opened: what its row holds besides its aggregates."""

    title: str
    first_seen_at: datetime
    is_archive: bool
    first_article_id: int | None = None
    first_url: str = ""


@dataclass
class PendingWrites:
    stories: dict[int, StoryAggregate] = field(default_factory=dict)  # as the batch left them
    loaded: dict[int, StoryAggregate] = field(default_factory=dict)  # as stored before it
    created: dict[int, NewStory] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)
    terms: dict[str, dict[int, TermDelta]] = field(default_factory=lambda: defaultdict(dict))
    stories_gained: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by term
    publishers: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    bands: list[tuple[int, int, int]] = field(default_factory=list)  # article, band, hash
    outbox: dict[tuple[int, str, str], dict[str, Any]] = field(default_factory=dict)
    notability: dict[int, Notability] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)  # table → last id allocated
    stored_holding: dict[str, int] = field(default_factory=dict)  # term → stories, as stored
    # term → (story, articles, lead articles) of every stored story holding it, for terms read
    stored_holders: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    stored_story_rows: dict[int, Any] = field(default_factory=dict)  # candidate stories read

    # --- reads that see the batch ---

    def aggregate(self, session: Session, story_id: int) -> StoryAggregate:
        from rdwatch.store.stories import load_aggregate

        if story_id not in self.stories:
            story = load_aggregate(session, story_id)
            self.stories[story_id] = self.loaded[story_id] = story
        return self.stories[story_id]

    def count_stories(self, session: Session) -> int:
        """Stories stored or opened so far (an upper bound: merged stories keep their ids)."""
        return self._last_id(session, StoryRow)

    def new_story_pairs(self, term: str) -> int:
        """Stories that gained `term` in this batch."""
        return self.stories_gained.get(term, 0)

    def pairs(self, terms: Iterable[str]) -> Iterator[tuple[str, int, TermDelta]]:
        for term in terms:
            for story_id, delta in self.terms.get(term, {}).items():
                yield term, story_id, delta

    def queued(self, story_id: int, channel: str, kind: str) -> bool:
        return (story_id, channel, kind) in self.outbox

    # --- what the batch decided ---

    def open_story(self, session: Session, opened: NewStory, lead: str) -> StoryAggregate:
        """A new story, its id allocated now, its row written with the batch."""
        story = StoryAggregate(
            id=self._allocate(session, StoryRow),
            title=opened.title,
            is_archive=opened.is_archive,
            indexed_articles=0,
            lead=lead,
            facts=(),
            publishers=(),
            source_names=(),
            watched_in_title=(),
            watched_in_lead=(),
        )
        self.created[story.id], self.stories[story.id] = opened, story
        return story

    def add_article(self, session: Session, row: dict[str, Any]) -> int:
        """An article row (without its id), written with the batch; its id now."""
        article_id = self._allocate(session, ArticleRow)
        self.articles.append({**row, "id": article_id})
        opened = self.created.get(row["story_id"])
        if opened is not None and opened.first_article_id is None:
            self.created[row["story_id"]] = NewStory(
                opened.title, opened.first_seen_at, opened.is_archive, article_id, row["url"]
            )
        return article_id

    def add_facts(self, article_id: int, facts: Iterable[Fact]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        for fact in facts:
            rows.setdefault(fact.key, {"article_id": article_id, **fact_values(fact)})
        self.facts += rows.values()

    def add_bands(self, article_id: int, signature: Sequence[int]) -> None:
        """The article's LSH bands (a copy's are not indexed: its original answers for it)."""
        self.bands += ((article_id, band, value) for band, value in band_hashes(signature))

    def update_story(self, story: StoryAggregate) -> None:
        self.stories[story.id] = story

    def add_member_terms(
        self, story_id: int, terms: Collection[str], lead_terms: Collection[str], held: set[str]
    ) -> None:
        """One more article of the story carries `terms`; `held`: those the story had before."""
        in_lead = lead_terms if isinstance(lead_terms, (set, frozenset)) else set(lead_terms)
        by_term = self.terms
        for term in terms:
            by_story = by_term[term]
            delta = by_story.get(story_id)
            if delta is None:
                new = term not in held
                by_story[story_id] = TermDelta(1, int(term in in_lead), new)
                if new:
                    self.stories_gained[term] += 1
            else:
                delta.articles += 1
                delta.lead_articles += term in in_lead

    def add_publisher(self, story_id: int, publisher: str, article_id: int) -> None:
        self.publishers.append(
            {"story_id": story_id, "publisher": publisher, "article_id": article_id}
        )

    def set_notability(self, story_id: int, notability: Notability) -> None:
        self.notability[story_id] = notability

    def enqueue(self, row: dict[str, Any]) -> None:
        """An outbox row (story_id, channel, kind, created_at, score) for the batch to write."""
        self.outbox.setdefault((row["story_id"], row["channel"], row["kind"]), row)

    def clear(self) -> None:
        """Forget everything (after `flush`): the next reads go to the database."""
        self.__dict__.update(PendingWrites().__dict__)

    # --- one write per table ---

    def flush(self, session: Session) -> None:
        self._flush_new_stories(session)
        for table, rows in ((ArticleRow, self.articles), (FactRow, self.facts)):
            if rows:
                execute(session, insert(table), rows)
        if self.bands:
            execute_plain_many(session, _INSERT_BANDS, _BAND_COLUMNS, self.bands)
        self._advance_sequences(session)
        self._flush_stories(session)
        self._flush_terms(session)
        if self.publishers:
            statement = insert_for(session, StoryPublisherRow).on_conflict_do_nothing()
            execute(session, statement, self.publishers)
        if self.notability:
            rows = [
                {"p_story": i, "p_notable": n.notable, "p_score": round(n.score, 4),
                 "p_reasons": [str(r) for r in n.reasons]}
                for i, n in self.notability.items()
            ]  # fmt: skip
            execute(session, _SET_NOTABILITY, rows)
        if self.outbox:
            statement = insert_for(session, OutboxRow).on_conflict_do_nothing()
            execute(session, statement, list(self.outbox.values()))

    def _allocate(self, session: Session, table: Any) -> int:
        self.last_ids[table.__tablename__] = self._last_id(session, table) + 1
        return self.last_ids[table.__tablename__]

    def _last_id(self, session: Session, table: Any) -> int:
        name = table.__tablename__
        if name not in self.last_ids:
            self.last_ids[name] = int(run(session, select(func.max(table.id)))[0][0] or 0)
        return self.last_ids[name]

    def _flush_new_stories(self, session: Session) -> None:
        rows = []
        for story_id, opened in self.created.items():
            story = self.stories[story_id]
            rows.append(
                {"id": story_id, "title": opened.title, "first_seen_at": opened.first_seen_at,
                 "is_archive": opened.is_archive, "notable": False, "score": 0.0, "reasons": [],
                 "lead": story.lead, **_aggregate_values(story)}
            )  # fmt: skip
        if rows:
            execute(session, insert(StoryRow), rows)

    def _advance_sequences(self, session: Session) -> None:
        """PostgreSQL hands out ids from a sequence, which explicit ids do not move on."""
        if session.get_bind().dialect.name != "postgresql":
            return
        for table in ("stories", "articles"):
            if table in self.last_ids:
                execute(session, text(_SETVAL.format(table=table)))

    def _flush_stories(self, session: Session) -> None:
        changed = [
            s for i, s in self.stories.items() if i not in self.created and self.loaded.get(i) != s
        ]
        if changed:
            rows = [{"p_story": s.id, **_prefixed(_aggregate_values(s))} for s in changed]
            execute(session, _SET_AGGREGATES, rows)
        new_facts: list[dict[str, Any]] = []
        for story in (s for i, s in self.stories.items() if self.loaded.get(i) != s):
            loaded = self.loaded.get(story.id)
            before = {f.key: f for f in loaded.facts} if loaded else {}
            for position, fact in enumerate(story.facts):
                old = before.get(fact.key)
                if old is None:
                    row = {"story_id": story.id, "position": position, **fact_values(fact)}
                    new_facts.append(row)
                elif old != fact:
                    values = {f"p_{k}": v for k, v in fact_values(fact).items() if k != "key"}
                    execute(
                        session, _SET_FACT, {"p_story": story.id, "p_fact_key": fact.key, **values}
                    )
        if new_facts:
            execute(session, insert(StoryFactRow), new_facts)

    def _flush_terms(self, session: Session) -> None:
        new_rows: list[tuple[str, int, int, int]] = []
        bumps: list[tuple[str, int, int, int]] = []
        gained: list[tuple[str, int]] = []
        # In key order: each B-tree page is then visited once per batch, not once per row.
        for term, stories in sorted(self.terms.items()):
            before = len(new_rows)
            for story_id, delta in sorted(stories.items()):
                row = (term, story_id, delta.articles, delta.lead_articles)
                (new_rows if delta.new else bumps).append(row)
            if len(new_rows) > before:
                gained.append((term, len(new_rows) - before))
        if new_rows:
            execute_plain_many(session, _INSERT_TERMS, _TERM_COLUMNS, new_rows)
        if bumps:
            execute_plain_many(session, _BUMP_TERMS, _TERM_COLUMNS, bumps)
        if gained:
            execute_plain_many(session, _count_terms(session), ("term", "stories"), gained)


_TERM_COUNTS: dict[str, Any] = {}


def _count_terms(session: Session) -> Any:
    """Add to each term's count of stories (one statement per backend)."""
    backend = session.get_bind().dialect.name
    if backend not in _TERM_COUNTS:
        statement = insert_for(session, TermStatRow)
        _TERM_COUNTS[backend] = statement.on_conflict_do_update(
            index_elements=[TermStatRow.term],
            set_={"stories": TermStatRow.stories + statement.excluded.stories},
        )
    return _TERM_COUNTS[backend]


def _aggregate_values(story: StoryAggregate) -> dict[str, Any]:
    return {
        "indexed_articles": story.indexed_articles,
        "first_published": story.first_published,
        "last_published": story.last_published,
        "source_names": list(story.source_names),
        "watched_in_title": list(story.watched_in_title or ()),
        "watched_in_lead": list(story.watched_in_lead or ()),
    }


def _prefixed(values: dict[str, Any]) -> dict[str, Any]:
    return {f"p_{name}": value for name, value in values.items()}


_SETVAL = "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
_SET_AGGREGATES = (
    update(StoryRow)
    .where(StoryRow.id == bindparam("p_story"))
    .values(
        indexed_articles=bindparam("p_indexed_articles"),
        first_published=bindparam("p_first_published"),
        last_published=bindparam("p_last_published"),
        source_names=bindparam("p_source_names"),
        watched_in_title=bindparam("p_watched_in_title"),
        watched_in_lead=bindparam("p_watched_in_lead"),
    )
)
_SET_NOTABILITY = (
    update(StoryRow)
    .where(StoryRow.id == bindparam("p_story"))
    .values(
        notable=bindparam("p_notable"), score=bindparam("p_score"), reasons=bindparam("p_reasons")
    )
)
_SET_FACT = (
    update(StoryFactRow)
    .where(
        StoryFactRow.story_id == bindparam("p_story"), StoryFactRow.key == bindparam("p_fact_key")
    )
    .values(
        kind=bindparam("p_kind"),
        text=bindparam("p_text"),
        sentence=bindparam("p_sentence"),
        attributes=bindparam("p_attributes"),
    )
)
_BAND_COLUMNS = ("article_id", "band", "band_hash")
_INSERT_BANDS = insert(LshBandRow)
_TERM_COLUMNS = ("p_term", "p_story", "p_articles", "p_lead_articles")
_INSERT_TERMS = insert(StoryTermRow).values(
    term=bindparam("p_term"),
    story_id=bindparam("p_story"),
    articles=bindparam("p_articles"),
    lead_articles=bindparam("p_lead_articles"),
)
_BUMP_TERMS = (
    update(StoryTermRow)
    .where(StoryTermRow.term == bindparam("p_term"), StoryTermRow.story_id == bindparam("p_story"))
    .values(
        articles=StoryTermRow.articles + bindparam("p_articles"),
        lead_articles=StoryTermRow.lead_articles + bindparam("p_lead_articles"),
    )
)
