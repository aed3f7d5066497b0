"""Reading intelligence back: a story's contradictions and changes, people's and organisations'
histories, for alerts, `rdwatch stories`, `rdwatch people`, `rdwatch orgs` and the export."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.changes import Change, story_changes
from rdwatch.intelligence.claims import Contradiction, find_contradictions
from rdwatch.intelligence.roles import plain_role
from rdwatch.intelligence.timeline import (
    APPOINTED,
    DEPARTED,
    ESTABLISHED,
    HEADCOUNT,
    OrgEntry,
    RoleEntry,
    describe_change,
)
from rdwatch.models import Fact, StoryView
from rdwatch.store import articles as article_store
from rdwatch.store import claims as claim_store
from rdwatch.store import timeline as timeline_store


def names_of(facts: Sequence[Fact]) -> dict[str, str]:
    """Fact keys to the names facts give them (a person's key to their name)."""
    return {f.key: f.text for f in facts if f.kind == "person"}


def contradictions_of(
    session: Session, stories: Mapping[int, Sequence[Fact]]
) -> dict[int, tuple[Contradiction, ...]]:
    """Each story's contradictions; `stories` maps story ids to their facts (to name people)."""
    claims = claim_store.story_claims(session, list(stories))
    return {
        story_id: find_contradictions(claims.get(story_id, ()), names_of(facts))
        for story_id, facts in stories.items()
    }


def role_changes(session: Session, story_id: int) -> list[str]:
    """The changes of role the story reports: "Lin Meiqi: director → chief scientist"."""
    return [describe_change(e) for e in timeline_store.story_role_changes(session, story_id, 10)]


def contradicted_stories(session: Session, limit: int | None = None) -> list[StoryView]:
    """Stories whose publishers disagree, newest first."""
    candidates = claim_store.disputed_story_ids(session)
    found: list[StoryView] = []
    for chunk_start in range(0, len(candidates), 200):
        views = article_store.get_stories(session, candidates[chunk_start : chunk_start + 200])
        disputes = contradictions_of(session, {v.id: v.facts for v in views})
        found += [v for v in views if disputes.get(v.id)]
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def changes_since(
    session: Session,
    story: StoryView,
    told: Collection[str],
    archive_keys: Collection[str],
    settings: NotabilityConfig,
) -> tuple[Change, ...]:
    """What changed in the story since a message told its reader `told`, with who first
    reported each change."""
    fresh = [f.key for f in story.facts if f.key not in told]
    reporters = claim_store.first_reporters(
        session, claim_store.merged_into(session, [story.id]), fresh
    )
    return story_changes(story.facts, told, archive_keys, settings, reporters)


@dataclass(frozen=True)
class Tenure:
    """One person in one role, from the first report to a departure (or still in post)."""

    name: str
    role: str
    org: str | None
    since: Any  # date | None
    until: Any  # date | None: still in post, as far as reported
    events: tuple[RoleEntry, ...]

    @property
    def left(self) -> bool:
        return any(e.event == DEPARTED for e in self.events)


def tenures(entries: Sequence[RoleEntry]) -> list[Tenure]:
    """Role reports (oldest first) folded into who held which role when: reports of one person
    in one role are one tenure, ended by a departure from it."""
    open_: dict[tuple[str, str], list[RoleEntry]] = {}
    done: list[list[RoleEntry]] = []
    for entry in entries:
        slot = (entry.person_key, plain_role(entry.role).lower())
        group = open_.setdefault(slot, [])
        group.append(entry)
        if entry.event == DEPARTED:
            done.append(open_.pop(slot))
    groups = sorted([*done, *open_.values()], key=lambda g: (g[0].name, _day(g[0])))
    return [_tenure(g) for g in groups]


def _tenure(group: list[RoleEntry]) -> Tenure:
    first, last = group[0], group[-1]
    started = next((e for e in group if e.event == APPOINTED), first)
    org = next((e.org for e in reversed(group) if e.org), None)
    until = last.reported_on if last.event == DEPARTED else None
    role = plain_role(first.role) or "(role not stated)"
    return Tenure(first.name, role, org, started.reported_on, until, tuple(group))


def _day(entry: RoleEntry) -> str:
    return entry.reported_on.isoformat() if entry.reported_on else ""


def people(session: Session, name: str | None = None) -> list[Tenure]:
    return tenures(timeline_store.person_timeline(session, name))


@dataclass(frozen=True)
class OrgHistory:
    """One organisation as reported over time."""

    name: str
    key: str
    events: tuple[OrgEntry, ...]
    people: tuple[Tenure, ...] = ()

    @property
    def headcounts(self) -> tuple[OrgEntry, ...]:
        return tuple(e for e in self.events if e.report.event == HEADCOUNT)

    @property
    def stories(self) -> int:
        return len({e.story_id for e in self.events})


def orgs(session: Session, name: str | None = None, *, every: bool = False) -> list[OrgHistory]:
    """Organisations with their events, most covered first. Without `name` (or `every`), only
    those with more than mentions: established, a headcount, or people in roles there; with
    `name`, the people reported in roles there too."""
    grouped: dict[str, list[OrgEntry]] = {}
    for entry in timeline_store.org_timeline(session, name):
        grouped.setdefault(entry.report.org_key, []).append(entry)
    staffed = {(e.org or "").lower() for e in timeline_store.person_timeline(session)}
    histories = []
    for key, events in grouped.items():
        org_name = events[0].report.name
        eventful = any(e.report.event in (ESTABLISHED, HEADCOUNT) for e in events)
        if not (name or every or eventful or org_name.lower() in staffed):
            continue
        staff = tuple(tenures(timeline_store.people_at(session, org_name))) if name else ()
        histories.append(OrgHistory(org_name, key, tuple(events), staff))
    return sorted(histories, key=lambda h: (-h.stories, h.name))


def export_records(session: Session) -> Iterator[dict[str, Any]]:
    """The export records (`rdwatch.store.articles.export_records`) with each story's
    contradictions, computed once per story."""
    cache: dict[int, list[dict[str, object]]] = {}
    for record in article_store.export_records(session):
        story_id = record["story_id"]
        if story_id not in cache:
            facts = article_store.story_facts(session, story_id)
            found = contradictions_of(session, {story_id: facts})[story_id]
            cache[story_id] = [c.to_dict() for c in found]
        yield {**record, "contradictions": cache[story_id]}
