"""Write-behind for one ingest batch: what the batch decided, written in bulk when it ends.

Ingesting an article reads a few rows and writes many (its facts, the story's aggregates, the
story's term counts). Written one statement at a time that was most of the cost of a first poll,
so a batch keeps them here and `flush` writes each table once per batch, with `executemany`.
Reads made during the batch see what is pending: `aggregate` returns a story as the batch left it,
and the same-story index (`story_index`) adds the pending term counts to the stored ones, so each
decision sees the batch's own earlier articles. Articles, new stories and outbox rows are written
at once (their ids and unique constraints are needed immediately); a batch is one transaction, so
nothing is half-written if a run is killed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from rdwatch.models import Fact, Notability, StoryAggregate
from rdwatch.store.articles import fact_values
from rdwatch.store.schema import (
    FactRow,
    StoryFactRow,
    StoryPublisherRow,
    StoryRow,
    StoryTermRow,
    TermStatRow,
)
from rdwatch.store.sql import execute, insert_for, run


@dataclass
class TermDelta:
    """A story's count changes for one term in this batch; `new`: no stored row yet."""

    articles: int = 0
    lead_articles: int = 0
    new: bool = False


@dataclass
class PendingWrites:
    stories: dict[int, StoryAggregate] = field(default_factory=dict)  # as the batch left them
    loaded: dict[int, StoryAggregate] = field(default_factory=dict)  # as stored before it
    terms: dict[str, dict[int, TermDelta]] = field(default_factory=lambda: defaultdict(dict))
    publishers: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    notability: dict[int, Notability] = field(default_factory=dict)
    stories_total: int | None = None

    # --- reads that see the batch ---

    def aggregate(self, session: Session, story_id: int) -> StoryAggregate:
        from rdwatch.store.stories import load_aggregate

        if story_id not in self.stories:
            story = load_aggregate(session, story_id)
            self.stories[story_id] = self.loaded[story_id] = story
        return self.stories[story_id]

    def count_stories(self, session: Session) -> int:
        """Stories stored so far (an upper bound: merged stories keep their ids)."""
        if self.stories_total is None:
            self.stories_total = int(run(session, select(func.max(StoryRow.id)))[0][0] or 0)
        return self.stories_total

    def new_story_pairs(self, term: str) -> int:
        """Stories that gained `term` in this batch."""
        return sum(delta.new for delta in self.terms.get(term, {}).values())

    def pairs(self, terms: Iterable[str]) -> Iterator[tuple[str, int, TermDelta]]:
        for term in terms:
            for story_id, delta in self.terms.get(term, {}).items():
                yield term, story_id, delta

    # --- what the batch decided ---

    def add_story(self, story: StoryAggregate) -> None:
        self.stories[story.id] = story
        if self.stories_total is not None:
            self.stories_total = max(self.stories_total, story.id)

    def add_facts(self, article_id: int, facts: Iterable[Fact]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        for fact in facts:
            rows.setdefault(fact.key, {"article_id": article_id, **fact_values(fact)})
        self.facts += rows.values()

    def update_story(self, story: StoryAggregate) -> None:
        self.stories[story.id] = story

    def add_member_terms(
        self, story_id: int, terms: Collection[str], lead_terms: Collection[str], held: set[str]
    ) -> None:
        """One more article of the story carries `terms`; `held`: those the story had before."""
        in_lead = set(lead_terms)
        for term in terms:
            delta = self.terms[term].get(story_id)
            if delta is None:
                delta = self.terms[term][story_id] = TermDelta(new=term not in held)
            delta.articles += 1
            delta.lead_articles += term in in_lead

    def add_publisher(self, story_id: int, publisher: str, article_id: int) -> None:
        self.publishers.append(
            {"story_id": story_id, "publisher": publisher, "article_id": article_id}
        )

    def set_notability(self, story_id: int, notability: Notability) -> None:
        self.notability[story_id] = notability

    def clear(self) -> None:
        """Forget everything (after `flush`): the next reads go to the database."""
        self.stories.clear()
        self.loaded.clear()
        self.terms.clear()
        self.publishers.clear()
        self.facts.clear()
        self.notability.clear()

    # --- one write per table ---

    def flush(self, session: Session) -> None:
        if self.facts:
            execute(session, insert(FactRow), self.facts)
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

    def _flush_stories(self, session: Session) -> None:
        changed = [s for i, s in self.stories.items() if self.loaded.get(i) != s]
        if changed:
            execute(session, _SET_AGGREGATES, [_aggregate_row(s) for s in changed])
        new_facts: list[dict[str, Any]] = []
        for story in changed:
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
        new_rows: list[dict[str, Any]] = []
        bumps: list[dict[str, Any]] = []
        gained: dict[str, int] = defaultdict(int)
        for term, stories in self.terms.items():
            for story_id, delta in stories.items():
                row = {"p_term": term, "p_story": story_id, "p_articles": delta.articles,
                       "p_lead_articles": delta.lead_articles}  # fmt: skip
                if delta.new:
                    new_rows.append(row)
                    gained[term] += 1
                else:
                    bumps.append(row)
        if new_rows:
            execute(session, _INSERT_TERMS, new_rows)
        if bumps:
            execute(session, _BUMP_TERMS, bumps)
        if gained:
            statement = insert_for(session, TermStatRow)
            statement = statement.on_conflict_do_update(
                index_elements=[TermStatRow.term],
                set_={"stories": TermStatRow.stories + statement.excluded.stories},
            )
            execute(session, statement, [{"term": t, "stories": n} for t, n in gained.items()])


def _aggregate_row(story: StoryAggregate) -> dict[str, Any]:
    return {
        "p_story": story.id,
        "p_indexed_articles": story.indexed_articles,
        "p_first_published": story.first_published,
        "p_last_published": story.last_published,
        "p_source_names": list(story.source_names),
        "p_watched_in_title": list(story.watched_in_title or ()),
        "p_watched_in_lead": list(story.watched_in_lead or ()),
    }


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
