"""Source-health alarms: the message a silence episode sends on the operations channels."""

from __future__ import annotations

from datetime import datetime, timedelta

from rdwatch.health import human_span
from rdwatch.models import AlertMessage
from rdwatch.notify.render import message_title, render_template
from rdwatch.store.silences import SilenceEpisode

_ORIGINS = {
    "configured": "expected_update_hours",
    "learned": "its usual rhythm",
    "default": "the default for a source with little history",
}


def render_silence_alarm(episode: SilenceEpisode, body_format: str, now: datetime) -> AlertMessage:
    """Says which source is silent, since when, and what was expected; rendered when sent, so
    "silent for" is as of the delivery."""
    body = render_template(
        "silence",
        body_format,
        source=episode.source,
        since=episode.started_at,
        silent_for=human_span(now - episode.started_at),
        expected=human_span(timedelta(seconds=episode.expected_s)),
        origin=_ORIGINS.get(episode.basis, episode.basis),
    )
    title = message_title(f"source {episode.source} is silent", body_format)
    return AlertMessage(story_id=None, title=title, body=body, body_format=body_format)
