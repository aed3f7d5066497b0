"""What an alert needs from the store beyond the story view: the opening of each article (for
the lead), the fact keys its reader already knows (the archive's, and for an update or a digest
those the last message on the story told that channel's reader) and where the story's publishers
disagree."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from sqlalchemy.orm import Session

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.views import contradictions_of
from rdwatch.models import ArticleStatus, StoryView
from rdwatch.notify.summary import AlertContext
from rdwatch.store import outbox as outbox_store
from rdwatch.store.articles import archive_fact_keys, article_openings, story_watched_names


def _contradictions(session: Session, stories: Sequence[StoryView]) -> dict[int, tuple[str, ...]]:
    found = contradictions_of(session, {s.id: s.facts for s in stories})
    return {story_id: tuple(str(c) for c in items) for story_id, items in found.items()}


def load_alert_context(
    session: Session,
    story: StoryView,
    *,
    archive_keys: Set[str] | None = None,
    follow_up_channel: str | None = None,
    settings: NotabilityConfig | None = None,
) -> AlertContext:
    """`follow_up_channel`: the channel of an update, whose last message's facts count as known."""
    known = set(archive_fact_keys(session) if archive_keys is None else archive_keys)
    since_first_alert = False
    if follow_up_channel is not None:
        told = told_on(session, [story.id], follow_up_channel).get(story.id)
        if told is not None:
            known |= told
            since_first_alert = True
    settings = settings or NotabilityConfig()
    disputes = _contradictions(session, [story])[story.id]
    return AlertContext(
        known_keys=frozenset(known),
        texts=article_openings(session, list(_independent_ids([story]))),
        money_threshold_usd=settings.money_usd_threshold,
        since_first_alert=since_first_alert,
        watched=story_watched_names(session, [story.id]).get(story.id, ()),
        count_threshold=settings.count_threshold,
        contradictions=disputes,
    )


def told_on(session: Session, story_ids: Sequence[int], channel: str) -> dict[int, set[str]]:
    """For each story with a message sent on the channel, the fact keys the last one told."""
    told: dict[int, set[str]] = {}
    last: dict[int, outbox_store.OutboxEntry] = {}
    for entry in outbox_store.story_history(session, story_ids):
        if (
            entry.story_id is None
            or entry.channel != channel
            or entry.sent_at is None
            or entry.told is None
        ):
            continue
        kept = last.get(entry.story_id)
        if kept is None or (entry.sent_at, entry.sequence) > (kept.sent_at, kept.sequence):
            last[entry.story_id] = entry
    for story_id, entry in last.items():
        told[story_id] = set(entry.told or ())
    return told


def _independent_ids(stories: Iterable[StoryView]) -> Iterable[int]:
    for story in stories:
        for article in story.articles:
            if article.status != ArticleStatus.DUPLICATE:
                yield article.article_id


def load_digest_contexts(
    session: Session,
    stories: Sequence[StoryView],
    settings: NotabilityConfig | None = None,
    channel: str | None = None,
) -> dict[int, AlertContext]:
    """One context per story of a digest: known means known to the archive, or told by the last
    alert or update on the story on `channel`."""
    settings = settings or NotabilityConfig()
    known = frozenset(archive_fact_keys(session))
    told = told_on(session, [s.id for s in stories], channel) if channel is not None else {}
    texts = article_openings(session, list(_independent_ids(stories)))
    watched = story_watched_names(session, [s.id for s in stories])
    disputes = _contradictions(session, stories)
    return {
        s.id: AlertContext(
            known_keys=known | told.get(s.id, set()),
            texts=texts,
            money_threshold_usd=settings.money_usd_threshold,
            watched=watched.get(s.id, ()),
            count_threshold=settings.count_threshold,
            contradictions=disputes.get(s.id, ()),
        )
        for s in stories
    }
