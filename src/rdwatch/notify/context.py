"""What an alert needs from the store beyond the story view: the opening of each article (for
the lead) and the fact keys its reader already knows (the archive's, and for a follow-up those
known when the first alert on the story went out on that channel)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from sqlalchemy.orm import Session

from rdwatch.config import NotabilityConfig
from rdwatch.models import ArticleStatus, StoryView
from rdwatch.notify.summary import AlertContext
from rdwatch.store import outbox as outbox_store
from rdwatch.store.articles import archive_fact_keys, article_openings, story_watched_names


def load_alert_context(
    session: Session,
    story: StoryView,
    *,
    archive_keys: Set[str] | None = None,
    follow_up_channel: str | None = None,
    settings: NotabilityConfig | None = None,
) -> AlertContext:
    """`follow_up_channel`: the channel of a follow-up, whose first alert's facts count as known."""
    known = set(archive_fact_keys(session) if archive_keys is None else archive_keys)
    since_first_alert = False
    if follow_up_channel is not None:
        first = outbox_store.find_entry(session, story.id, follow_up_channel, "alert")
        if first is not None and first.sent_at is not None:
            known |= outbox_store.fact_keys_until(session, story.id, first.sent_at)
            since_first_alert = True
    settings = settings or NotabilityConfig()
    return AlertContext(
        known_keys=frozenset(known),
        texts=article_openings(session, list(_independent_ids([story]))),
        money_threshold_usd=settings.money_usd_threshold,
        since_first_alert=since_first_alert,
        watched=story_watched_names(session, [story.id]).get(story.id, ()),
        count_threshold=settings.count_threshold,
    )


def _independent_ids(stories: Iterable[StoryView]) -> Iterable[int]:
    for story in stories:
        for article in story.articles:
            if article.status != ArticleStatus.DUPLICATE:
                yield article.article_id


def load_digest_contexts(
    session: Session, stories: Sequence[StoryView], settings: NotabilityConfig | None = None
) -> dict[int, AlertContext]:
    """One context per story of a digest: known means known to the archive."""
    settings = settings or NotabilityConfig()
    known = frozenset(archive_fact_keys(session))
    texts = article_openings(session, list(_independent_ids(stories)))
    watched = story_watched_names(session, [s.id for s in stories])
    return {
        s.id: AlertContext(
            known_keys=known,
            texts=texts,
            money_threshold_usd=settings.money_usd_threshold,
            watched=watched.get(s.id, ()),
            count_threshold=settings.count_threshold,
        )
        for s in stories
    }
