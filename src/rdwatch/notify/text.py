"""Text that came from articles, made safe to show in an alert, a digest or a run report.

Every string an outlet wrote (titles, sentences, names, publisher names) passes `clean_text`
before it reaches any format: whitespace collapsed, control and bidirectional-override
characters removed, and chat mentions neutralised. A zero-width space after `@` or `!` stops
`@everyone`, `@here`, `@channel`, `@all`, `<@123>`, `<@&role>` and Slack's `<!channel>` from
pinging anyone on Discord, Mattermost and Slack, and stops apprise's own mention detection
(Discord) from finding them; the brackets of a `<@…>` or `<!…>` form become ‹ › so apprise's
Slack rewriting does not rebuild one (were it to, the zero-width space would keep it dead). The
text still reads the same.
Then each format escapes its own syntax: `escape_markdown` for chat, jinja2's autoescaping for
HTML. URLs never go through `clean_text` (a `@` in a path is part of the address): they go
through `safe_url`, which only lets http(s) through, and in chat formats through `chat_url`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

ZERO_WIDTH_SPACE = "\u200b"
# C0 and C1 controls (terminal escape sequences among them) and the bidirectional overrides
# that can make a title read differently from what it says.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"([@!＠])(?=[\w&#])")
# Slack's `<@U123>`, `<!here>` and `<!here|label>`: apprise's Slack plugin turns any `@x…>`,
# `!x…>` or `!x|…>` back into a `<…>` form, so the brackets and the bar of such a run become
# ‹ › ¦.
_MENTION_TAG_OPEN = re.compile(r"<(?=[@!#＠])")
_MENTION_RUN = re.compile(r"[@!#＠][^\s<]*[>|][^\s<]*")
_RUN_SYNTAX = str.maketrans({">": "›", "|": "¦"})
# Characters that open an inline markdown construct anywhere in a line: emphasis, code, links,
# images (`![` needs the `[`), autolinks and raw HTML, tables, strikethrough.
_MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]<>|~])")
# Characters that only mean something at the start of a line: lists, headings, quotes.
_MARKDOWN_LINE_START = re.compile(r"^(\d*)([-+#>=.)])")
_URL_SAFE = "/:?#[]@!$&'*+,;=%~._-"


def clean_text(text: object) -> str:
    """One line of article text, fit for any alert format (see the module docstring)."""
    flat = " ".join(_INVISIBLE.sub(" ", str(text)).split())
    return neutralise_mentions(flat)


def neutralise_mentions(text: str) -> str:
    opened = _MENTION_TAG_OPEN.sub("‹", text)
    untagged = _MENTION_RUN.sub(lambda m: m.group(0).translate(_RUN_SYNTAX), opened)
    return _MENTION.sub(rf"\1{ZERO_WIDTH_SPACE}", untagged)


def escape_markdown(text: object, *, line_start: bool = False) -> str:
    """Cleaned text whose markdown characters are backslash-escaped (CommonMark escapes, which
    Discord, Mattermost and apprise's Slack conversion honour). `line_start`: the text begins a
    line, where "- ", "1. " or "# " would make a list or a heading."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", clean_text(text))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped) if line_start else escaped


def safe_url(url: str) -> str:
    """An http(s) URL safe inside `<…>`, `(…)` and `href="…"`; empty for any other scheme."""
    stripped = _INVISIBLE.sub("", url.strip())
    try:
        scheme = urlsplit(stripped).scheme.lower()
    except ValueError:
        return ""
    if scheme not in ("http", "https"):
        return ""
    return quote(stripped, safe=_URL_SAFE)


def chat_url(url: str) -> str:
    """`safe_url` with every `@` after the host percent-encoded: chat services, and apprise's
    Discord plugin before them, read `@everyone` or `@123` inside a link as a mention."""
    safe = safe_url(url)
    if "@" not in safe:
        return safe
    split = urlsplit(safe)
    head = f"{split.scheme}://{split.netloc}"
    return head + safe[len(head) :].replace("@", "%40")
