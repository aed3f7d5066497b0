"""Rendering alerts: chat markdown, email HTML, plain text — all from jinja2 templates.

All text that comes from articles is escaped for the target format: HTML through autoescaping,
markdown by backslash-escaping its control characters and neutralising raw HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rdwatch.models import AlertMessage, Fact, StoryView

TEMPLATES = Path(__file__).parent / "templates"
KEY_FACT_KINDS = ("money", "count", "product", "person", "org", "date", "place", "area", "quote")
MAX_KEY_FACTS = 6
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


_environment.filters["md"] = escape_markdown


def key_facts(story: StoryView, limit: int = MAX_KEY_FACTS) -> list[Fact]:
    """The facts an alert shows first: money and counts before people, places and areas."""
    order = {kind: i for i, kind in enumerate(KEY_FACT_KINDS)}
    ranked = sorted(story.facts, key=lambda f: order.get(f.kind, len(order)))
    return ranked[:limit]


def render_alert(story: StoryView, body_format: str, *, kind: str = "alert") -> AlertMessage:
    """The alert for one story in one body format (markdown, html or text)."""
    template = _environment.get_template(f"alert.{_EXTENSIONS[body_format]}.j2")
    prefix = "Update: " if kind == "update" else ""
    title = f"{prefix}{' '.join(story.title.split())}"[:250]
    body = template.render(
        story=story,
        title=title,
        facts=key_facts(story),
        all_facts=story.facts,
        reasons=story.reasons,
        articles=story.articles,
        is_update=kind == "update",
    )
    return AlertMessage(
        story_id=story.id, title=f"rdwatch: {title}", body=body, body_format=body_format
    )


_EXTENSIONS = {"markdown": "md", "html": "html", "text": "txt"}
