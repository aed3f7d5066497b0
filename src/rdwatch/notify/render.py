"""Rendering alerts: chat markdown, email HTML, plain text — all from jinja2 templates.

All text that comes from articles is escaped for the target format: HTML through autoescaping,
markdown by backslash-escaping its control characters and neutralising raw HTML. Links are only
ever http(s) URLs with the characters that could end a link or a tag percent-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rdwatch.models import AlertMessage, Fact, StoryView

TEMPLATES = Path(__file__).parent / "templates"
KEY_FACT_KINDS = ("money", "count", "product", "person", "org", "date", "place", "area", "quote")
MAX_KEY_FACTS = 6
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")
_EXTENSIONS = {"markdown": "md", "html": "html", "text": "txt"}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def safe_url(url: str) -> str:
    """An http(s) URL safe inside `<…>`, `(…)` and `href="…"`; empty for any other scheme."""
    if urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return ""
    return quote(url.strip(), safe="/:?#[]@!$&'*+,;=%~._-")


_environment.filters["md"] = escape_markdown
_environment.filters["url"] = safe_url


@dataclass(frozen=True)
class FollowUp:
    """What an update alert says on top of the story: the new facts and which alert it follows."""

    first_alert_id: int
    first_sent_at: datetime
    new_facts: tuple[Fact, ...]


def key_facts(story: StoryView, limit: int = MAX_KEY_FACTS) -> list[Fact]:
    """The facts an alert shows first: money and counts before people, places and areas."""
    order = {kind: i for i, kind in enumerate(KEY_FACT_KINDS)}
    ranked = sorted(story.facts, key=lambda f: order.get(f.kind, len(order)))
    return ranked[:limit]


def render_template(name: str, body_format: str, **context: Any) -> str:
    """Render `<name>.<md|html|txt>.j2` for the body format."""
    return _environment.get_template(f"{name}.{_EXTENSIONS[body_format]}.j2").render(**context)


def render_alert(
    story: StoryView, body_format: str, *, kind: str = "alert", follow_up: FollowUp | None = None
) -> AlertMessage:
    """The alert (or the one follow-up) for one story in one body format."""
    prefix = "Update: " if kind == "update" else ""
    title = f"{prefix}{' '.join(story.title.split())}"[:250]
    body = render_template(
        "alert",
        body_format,
        story=story,
        title=title,
        facts=key_facts(story),
        all_facts=story.facts,
        reasons=story.reasons,
        articles=story.articles,
        is_update=kind == "update",
        follow_up=follow_up,
    )
    return AlertMessage(
        story_id=story.id,
        title=message_title(title, body_format),
        body=body,
        body_format=body_format,
    )


def message_title(title: str, body_format: str) -> str:
    """The notification title: chat services render it as markdown, email uses it as Subject."""
    text = f"rdwatch: {title}"
    return escape_markdown(text) if body_format == "markdown" else text


def render_test_message(channel: str, body_format: str, now: datetime) -> AlertMessage:
    """The message `rdwatch alerts test` sends: proves the channel works, says nothing else."""
    body = render_template("test", body_format, channel=channel, now=now)
    return AlertMessage(
        story_id=0, title="rdwatch: test message", body=body, body_format=body_format
    )
