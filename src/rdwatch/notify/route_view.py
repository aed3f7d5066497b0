"""`rdwatch alerts route`: the routing decisions on a stored story, read as ingest makes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rdwatch.config import AlertsConfig
from rdwatch.errors import NotifyError
from rdwatch.notify.channels import Sender
from rdwatch.notify.routing import (
    RouteDecision,
    RouteSubject,
    Tier,
    channel_rules,
    route_story,
    tier_of,
)
from rdwatch.store import timeline as timeline_store
from rdwatch.store.articles import get_story, story_watched_names


@dataclass(frozen=True)
class StoryRoute:
    story_id: int
    title: str
    score: float
    tier: Tier
    decisions: tuple[RouteDecision, ...]


def route_stored_story(
    session: Session, story_id: int, senders: Sequence[Sender], settings: AlertsConfig
) -> StoryRoute:
    """Which channels the story's alert would reach with these settings, and why."""
    story = get_story(session, story_id)
    if story is None:
        raise NotifyError(f"no story with id {story_id} (see `rdwatch stories list`)")
    named = any(f.kind == "person" and f.role for f in story.facts)
    moved = named and bool(timeline_store.story_role_changes(session, story_id, limit=1))
    watched = story_watched_names(session, [story_id]).get(story_id, ())
    subject = RouteSubject(story_id, story.score, story.notable, watched, story.facts, moved)
    decisions = route_story(subject, channel_rules(senders, settings), settings.urgency)
    tier = tier_of(story.score, settings.urgency)
    return StoryRoute(story_id, story.title, story.score, tier, tuple(decisions))
