"""Rendering alerts: chat markdown, email HTML, plain text — all from jinja2 templates over the
same `AlertParts` (what happened, key facts, why, who reports it).

Article text reaches the templates already cleaned (`notify.text`); HTML is autoescaped and
markdown escaped with the `md` filter. Links are only ever http(s) URLs with the characters that
could end a link or a tag percent-encoded. A chat alert stays within `MAX_CHAT_LINES` lines:
publishers beyond what fits are folded onto its last line, links kept, so the alert still carries
the URL of every article in the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rdwatch.models import AlertMessage, Fact, StoryView
from rdwatch.notify.summary import AlertContext, AlertParts, ArticleLink, build_parts
from rdwatch.notify.text import chat_url, clean_text, escape_markdown, safe_url

TEMPLATES = Path(__file__).parent / "templates"
# Every kind a stored fact can have that an alert may name (store column widths follow it).
KEY_FACT_KINDS = ("money", "count", "product", "person", "org", "date", "place", "area", "quote")
# Chat services without a title field (Mattermost) put the title on a line of its own above the
# body: nine body lines keep the whole message within ten.
MAX_CHAT_LINES = 9
_EXTENSIONS = {"markdown": "md", "html": "html", "text": "txt"}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters["md"] = escape_markdown
_environment.filters["md_line"] = lambda text: escape_markdown(text, line_start=True)
_environment.filters["url"] = safe_url
_environment.filters["chat_url"] = chat_url

__all__ = ["AlertContext", "escape_markdown", "render_alert", "safe_url"]


@dataclass(frozen=True)
class FollowUp:
    """What an update alert says on top of the story: which alert it follows (and how many
    updates came before it), what changed since the last message ("amount: US$1 bn → US$1.5 bn
    (Bloomberg)", cleaned) and the new facts."""

    first_alert_id: int
    first_sent_at: datetime
    new_facts: tuple[Fact, ...]
    changes: tuple[str, ...] = ()
    number: int = 1


def render_template(name: str, body_format: str, **context: Any) -> str:
    """Render `<name>.<md|html|txt>.j2` for the body format."""
    template = _environment.get_template(f"{name}.{_EXTENSIONS[body_format]}.j2")
    helpers = {"md_link": md_link, "chat_sources": chat_sources, "chat_facts": chat_facts}
    return template.render(**helpers, **context)


def render_alert(
    story: StoryView,
    body_format: str,
    *,
    kind: str = "alert",
    follow_up: FollowUp | None = None,
    context: AlertContext | None = None,
) -> AlertMessage:
    """The alert (or an update) for one story in one body format."""
    parts = build_parts(story, context)
    prefix = "Update: " if kind == "update" else ""
    title = f"{prefix}{clean_text(story.title)}"[:250]
    header_lines = 1 + bool(follow_up) + bool(parts.lead) + bool(parts.facts) + bool(parts.why)
    header_lines += bool(follow_up and follow_up.changes) + bool(parts.disputes)
    body = render_template(
        "alert",
        body_format,
        parts=parts,
        follow_up=follow_up,
        source_budget=MAX_CHAT_LINES - header_lines,
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
    return escape_markdown(text) if body_format == "markdown" else clean_text(text)


def md_link(text: str, url: str) -> str:
    """`[text](<url>)`, the link form CommonMark, Discord, Mattermost and apprise's Slack
    conversion all read; the escaped text alone when there is no http(s) URL."""
    label = escape_markdown(text)
    href = chat_url(url)
    return f"[{label}](<{href}>)" if href else label


def chat_facts(parts: AlertParts) -> str:
    """`**New:** RMB 2 bn (≈ US$280 m) · 300 engineers; **known:** T-Head` on one line."""
    new = " · ".join(escape_markdown(f.label) for f in parts.new_facts)
    known = " · ".join(escape_markdown(f.label) for f in parts.known_facts)
    if new and known:
        return f"**New:** {new}; **known:** {known}"
    return f"**New:** {new}" if new else f"**Known:** {known}"


def chat_sources(parts: AlertParts, budget: int) -> list[str]:
    """Markdown lines naming who reports the story, at most `budget` of them (at least one):
    one line per independent publisher with its headline and link, then the rest folded."""
    budget = max(budget, 1)
    lines = [_outlet_line(o.name, o.articles) for o in parts.outlets]
    folded: list[str] = []
    if len(lines) > budget or (parts.copies and len(lines) >= budget):
        keep = budget - 1
        rest = parts.outlets[keep:]
        lines = lines[:keep]
        count = len(rest)
        more = f"+{count} more {'outlet' if count == 1 else 'outlets'}"
        folded.append(f"{more}: " + " · ".join(md_link(o.name, o.articles[0].url) for o in rest))
        folded += [md_link(a.outlet, a.url) for o in rest for a in o.articles[1:]]
    if parts.copies:
        copies = " · ".join(md_link(c.outlet, c.url) for c in parts.copies)
        folded.append(f"{parts.copies_label}: {copies}")
    if folded:
        lines.append("- " + " · ".join(folded))
    return lines


def _outlet_line(name: str, articles: tuple[ArticleLink, ...]) -> str:
    links = " · ".join(md_link(a.title, a.url) for a in articles)
    return f"- **{escape_markdown(name)}**: {links}"


def render_test_message(channel: str, body_format: str, now: datetime) -> AlertMessage:
    """The message `rdwatch alerts test` sends: proves the channel works, says nothing else."""
    body = render_template("test", body_format, channel=channel, now=now)
    return AlertMessage(
        story_id=0, title="rdwatch: test message", body=body, body_format=body_format
    )
