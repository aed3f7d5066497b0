"""Spike alerts: check coverage for spikes (`rdwatch.spikes`), record their episodes, queue one
alert per new episode on each channel that takes it, and render it.

A spike alert is an outbox row of kind `spike` on the story the spike is most about, its
`sequence` the episode's id: the unique constraint makes it once per episode and channel, and it
is delivered, held and retried like any alert.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from rdwatch.config import AlertsConfig, SpikeConfig
from rdwatch.errors import NotifyError
from rdwatch.models import AlertMessage, StoryView
from rdwatch.notify.channels import Sender
from rdwatch.notify.render import render_template
from rdwatch.notify.routing import RouteSubject, channel_rules, spike_channels
from rdwatch.notify.text import clean_text
from rdwatch.spikes import ENTITY, SpikeFinding, coverage_since, find_spikes
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store import spikes as spike_store
from rdwatch.store.articles import get_story, story_watched_names
from rdwatch.store.locks import lock_ingest

log = logging.getLogger(__name__)
SPIKE = "spike"


def queue_spikes(
    db: Database, senders: Sequence[Sender], settings: AlertsConfig, now: datetime
) -> int:
    """Check for spikes now; the number of spike alerts queued. Nothing when spikes are off."""
    if settings.spike is None:
        return 0
    spike = settings.spike
    with db.session() as session:
        lock_ingest(session)  # two runs checking at once would both open the episode
        found = spike_store.coverage(session, coverage_since(spike, now), now)
        episodes = spike_store.open_episodes(session)
        check = find_spikes(found, episodes.keys(), spike, now)
        spike_store.end_episodes(session, check.ended, now)
        queued = 0
        for finding in check.findings:
            if not finding.new:
                spike_store.extend_episode(session, episodes[finding.subject], now)
                continue
            spike_id = spike_store.start_episode(session, finding, now)
            log.info("coverage spike: %s, %d publishers", finding.label, finding.publishers)
            if spike_id is not None and finding.alert:
                queued += _enqueue(session, finding, spike_id, senders, settings, now)
    return queued


def _enqueue(
    session: Session,
    finding: SpikeFinding,
    spike_id: int,
    senders: Sequence[Sender],
    settings: AlertsConfig,
    now: datetime,
) -> int:
    story = get_story(session, finding.story_id)
    if story is None:
        return 0
    if finding.subject.startswith(ENTITY):
        watched: tuple[str, ...] = (finding.label,)
    else:
        watched = story_watched_names(session, [story.id]).get(story.id, ())
    subject = RouteSubject(story.id, story.score, story.notable, watched, story.facts)
    channels = spike_channels(subject, channel_rules(senders, settings))
    return sum(
        outbox_store.enqueue(
            session, story.id, channel, now, kind=SPIKE, score=story.score, sequence=spike_id
        )
        for channel in channels
    )


def render_spike(
    session: Session, spike_id: int, story: StoryView, body_format: str, spike: SpikeConfig | None
) -> AlertMessage:
    """The spike alert: what is covered, by how many publishers, against what baseline."""
    found = spike_store.get_spike(session, spike_id)
    if found is None:
        raise NotifyError(f"no spike episode {spike_id}")
    label = found.subject.removeprefix(ENTITY) if found.subject.startswith(ENTITY) else story.title
    window = spike.window if spike is not None else "window"
    days = spike.baseline_days if spike is not None else 7
    latest = story.articles[-1] if story.articles else None
    body = render_template(
        "spike", body_format, spike=found, label=clean_text(label),
        headline=clean_text(story.title), window=window, days=days,
        entity=found.subject.startswith(ENTITY),
        outlet=clean_text(latest.outlet) if latest else "", url=latest.url if latest else "",
    )  # fmt: skip
    title = f"rdwatch spike: {clean_text(label)}: {found.publishers} publishers in {window}"
    return AlertMessage(story_id=story.id, title=title, body=body, body_format=body_format)
