"""The digest: every story first seen since a channel's last digest, grouped and ranked.

`build_digest` is pure: stories in, groups out. `send_digests` is the thin shell the `digest` flow
calls: it reads the window per channel from the `meta` table (`digest.last_sent_at.<channel>`),
sends one message per channel, and moves that channel's window only when its message went out, so
a channel that is down gets the missed stories in its next digest. A story whose alert a channel's
daily budget folded in the window is in that channel's digest, whenever it was first seen.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rdwatch.config import NotabilityConfig
from rdwatch.errors import NotifyError
from rdwatch.models import AlertMessage, StoryView
from rdwatch.notify import Sender, redact, wants_digest
from rdwatch.notify.context import load_digest_contexts
from rdwatch.notify.render import render_template
from rdwatch.notify.summary import AlertContext, build_parts
from rdwatch.store import Database
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store.meta import get_meta, set_meta

log = logging.getLogger(__name__)
META_KEY = "digest.last_sent_at.{channel}"
FIRST_DIGEST_LOOKBACK = timedelta(days=1)  # a channel's first digest covers the last day
RECENT_STORIES_SCANNED = 5000  # newest stories looked at; a daily digest never needs more


@dataclass(frozen=True)
class DigestGroup:
    name: str
    stories: tuple[StoryView, ...]


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    groups: tuple[DigestGroup, ...]
    omitted: int = 0  # stories beyond the size limit

    @property
    def story_count(self) -> int:
        return sum(len(g.stories) for g in self.groups) + self.omitted


@dataclass(frozen=True)
class DigestResult:
    channel: str
    stories: int
    sent: bool
    error: str = ""


def build_digest(
    stories: Sequence[StoryView],
    since: datetime,
    until: datetime,
    max_stories: int,
    folded: Collection[int] = (),
) -> Digest:
    """Stories first seen in (since, until], or whose alert was `folded` into this digest, notable
    first, each group ranked by score then reach.

    Archive stories and stories that never mentioned a watched entity (score 0) are left out.
    """
    chosen = [
        s
        for s in stories
        if not s.is_archive and s.score > 0 and (since < s.first_seen <= until or s.id in folded)
    ]
    ranked = sorted(chosen, key=lambda s: (-s.score, -len(s.outlets), s.first_seen, s.id))
    shown = ranked[:max_stories]
    groups = (
        DigestGroup("Notable", tuple(s for s in shown if s.notable)),
        DigestGroup("Also covered", tuple(s for s in shown if not s.notable)),
    )
    return Digest(since, until, tuple(g for g in groups if g.stories), len(ranked) - len(shown))


def render_digest(
    digest: Digest, body_format: str, contexts: Mapping[int, AlertContext] | None = None
) -> AlertMessage:
    """The digest message, each story told with the parts its alert has (`notify.summary`)."""
    since = f"{digest.since:%Y-%m-%d %H:%M} UTC"
    title = f"rdwatch digest: {digest.story_count} story(ies) since {since}"
    contexts = contexts or {}
    parts = {s.id: build_parts(s, contexts.get(s.id)) for g in digest.groups for s in g.stories}
    body = render_template("digest", body_format, digest=digest, story_parts=parts)
    return AlertMessage(story_id=0, title=title, body=body, body_format=body_format)


def send_digests(
    db: Database,
    senders: Sequence[Sender],
    now: datetime,
    *,
    max_stories: int,
    settings: NotabilityConfig | None = None,
) -> list[DigestResult]:
    """One digest per digest-receiving channel, covering that channel's own window.

    `settings`: the notability config whose thresholds the stories' "why" quotes."""
    results = []
    for sender in (s for s in senders if wants_digest(s)):
        key = META_KEY.format(channel=sender.channel_id)
        with db.session() as session:
            since = _parse(get_meta(session, key)) or now - FIRST_DIGEST_LOOKBACK
            recent = article_store.list_stories(session, limit=RECENT_STORIES_SCANNED)
            folded = outbox_store.folded_story_ids(session, sender.channel_id, since, now)
            window = [s.id for s in recent if since < s.first_seen <= now]
            full = article_store.get_stories(session, sorted({*window, *folded}))
            digest = build_digest(full, since, now, max_stories, folded)
            shown = [s for g in digest.groups for s in g.stories]
            contexts = load_digest_contexts(session, shown, settings, sender.channel_id)
        results.append(_send_one(db, sender, digest, key, contexts))
    return results


def _send_one(
    db: Database, sender: Sender, digest: Digest, key: str, contexts: Mapping[int, AlertContext]
) -> DigestResult:
    if digest.story_count:
        try:
            sender.send(render_digest(digest, sender.body_format, contexts))
        except NotifyError as exc:
            error = redact(str(exc))
            log.warning("digest on %s failed: %s", sender.channel_id, error)
            return DigestResult(sender.channel_id, digest.story_count, False, error)
    with db.session() as session:
        set_meta(session, key, digest.until.isoformat())
    return DigestResult(sender.channel_id, digest.story_count, digest.story_count > 0)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
