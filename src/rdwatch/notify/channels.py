"""Alert channels: each configured apprise URL is its own channel with its own outbox rows.

`Apprise.notify()` returns one boolean for all its URLs, so every channel gets its own Apprise
object. With no channel configured, alerts go to the console channel, which prints
them and appends them to `data/alerts.jsonl`. Channel ids never contain the URL: URLs hold secrets.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import apprise

from rdwatch.config import AlertsConfig, ChannelConfig
from rdwatch.errors import NotifyError
from rdwatch.models import AlertMessage
from rdwatch.untrusted import RedactingFilter, redact

log = logging.getLogger(__name__)
CONSOLE_CHANNEL = "console"
_EMAIL_SCHEMES = ("mailto", "mailtos")


# apprise logs the URLs it is given, secrets and all.
logging.getLogger("apprise").addFilter(RedactingFilter())


class Sender(Protocol):
    """Anything that can deliver one rendered alert; raises NotifyError on failure.

    `receives` is "all", "alerts" or "digest" (ChannelConfig.kind).
    """

    channel_id: str
    body_format: str
    min_score: float | None
    receives: str

    def send(self, message: AlertMessage) -> None: ...


def wants_alert(sender: Sender, score: float) -> bool:
    """Whether this channel takes alerts (and follow-ups) on a story with this score."""
    if sender.receives == "digest":
        return False
    return sender.min_score is None or score >= sender.min_score


def wants_digest(sender: Sender) -> bool:
    return sender.receives != "alerts"


@dataclass
class AppriseSender:
    """One apprise URL."""

    channel_id: str
    body_format: str
    url: str
    tags: tuple[str, ...] = ()
    min_score: float | None = None
    receives: str = "all"

    def send(self, message: AlertMessage) -> None:
        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise NotifyError(f"channel {self.channel_id}: apprise does not accept this URL")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = notifier.notify(
                title=message.title,
                body=message.body,
                body_format=_APPRISE_FORMATS[message.body_format],
            )
        if not ok:
            detail = redact(" ".join(captured.getvalue().split()))[-300:] or "delivery failed"
            raise NotifyError(f"channel {self.channel_id}: {detail}")


@dataclass
class ConsoleSender:
    """Prints alerts and appends them to a JSON-lines file."""

    alerts_file: Path
    channel_id: str = CONSOLE_CHANNEL
    body_format: str = "text"
    min_score: float | None = None
    receives: str = "all"

    def send(self, message: AlertMessage) -> None:
        try:
            self.alerts_file.parent.mkdir(parents=True, exist_ok=True)
            record = {"story_id": message.story_id, "title": message.title, "body": message.body}
            with self.alerts_file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            reason = f"cannot write {self.alerts_file}: {exc.strerror}"
            raise NotifyError(f"console channel: {reason}") from exc
        print(f"\n=== ALERT: {message.title}\n{message.body}\n", flush=True)


_APPRISE_FORMATS = {
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
    "text": apprise.NotifyFormat.TEXT,
}


def channel_id(channel: ChannelConfig) -> str:
    """A stable, secret-free id: the configured name, else scheme + a hash of the URL."""
    if channel.name:
        return channel.name
    scheme = channel.url.split("://", 1)[0].lower() if "://" in channel.url else "url"
    digest = hashlib.sha256(channel.url.encode("utf-8")).hexdigest()[:10]
    return f"{scheme}-{digest}"


def default_format(url: str) -> str:
    scheme = url.split("://", 1)[0].lower()
    return "html" if scheme in _EMAIL_SCHEMES else "markdown"


def build_senders(settings: AlertsConfig, data_dir: Path) -> list[Sender]:
    """One sender per configured channel; the console sender when none is configured."""
    channels = list(settings.channels) + _apprise_file_channels(settings)
    if not channels:
        return [ConsoleSender(alerts_file=data_dir / "alerts.jsonl")]
    senders: list[Sender] = []
    for channel in channels:
        if not apprise.Apprise().add(channel.url):
            raise NotifyError(f"alerts.channels: {redact(channel.url)} is not a valid apprise URL")
        senders.append(
            AppriseSender(
                channel_id=channel_id(channel),
                body_format=channel.format or default_format(channel.url),
                url=channel.url,
                tags=tuple(channel.tags),
                min_score=effective_min_score(channel, settings.tag_min_scores),
                receives=channel.kind,
            )
        )
    ids = [s.channel_id for s in senders]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise NotifyError(f"alerts.channels: channel name(s) used twice: {', '.join(duplicated)}")
    return senders


def effective_min_score(channel: ChannelConfig, tag_min_scores: dict[str, float]) -> float | None:
    """The channel's own `min_score` or its tags' routing minimum, whichever is higher."""
    floors = [tag_min_scores[t] for t in channel.tags if t in tag_min_scores]
    if channel.min_score is not None:
        floors.append(channel.min_score)
    return max(floors) if floors else None


def _apprise_file_channels(settings: AlertsConfig) -> list[ChannelConfig]:
    if settings.apprise_config is None:
        return []
    config = apprise.AppriseConfig()
    if not settings.apprise_config.is_file() or not config.add(str(settings.apprise_config)):
        raise NotifyError(f"alerts.apprise_config: cannot read {settings.apprise_config}")
    channels = []
    for server in config.servers():
        url = server.url(privacy=False)
        channels.append(ChannelConfig(url=url, tags=sorted(str(t) for t in server.tags)))
    return channels
