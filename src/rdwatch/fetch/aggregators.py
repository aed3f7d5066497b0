"""News aggregators' items as what they are: a headline pointing at somebody else's article.

A Google News item links to `news.google.com/rss/articles/<id>`; since 2024 the id is an opaque
token and the page behind it is a JavaScript interstitial that stays on news.google.com, so
fetching it yields no article. What the item does carry is its publisher (`<source>`), a title
ending in " - <publisher>", an HTML description that repeats the headline as a link (or lists
related headlines of other outlets), and a date. rdwatch keeps those and never fetches the link.

Everything here is pure: `is_google_news_article` says which links are such, `strip_publisher`
removes the publisher suffix from a title, and `aggregator_snippet` keeps what a description says
beyond the aggregator's own links.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

_GOOGLE_NEWS_PATH = re.compile(r"^/(?:rss/)?(?:articles|read)/[A-Za-z0-9_-]{8,}")
# Separators aggregators put between a headline and the outlet's name.
_SEPARATORS = (" - ", " – ", " — ", " | ")
_MIN_SNIPPET_CHARS = 20


def is_google_news_article(url: str) -> bool:
    """Whether `url` is a Google News article link (an opaque id, not the publisher's page)."""
    if "news.google.com" not in url:
        return False  # the common case, decided without parsing
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return host == "news.google.com" and bool(_GOOGLE_NEWS_PATH.match(parts.path))


def is_google_news_feed(url: str) -> bool:
    """Whether a source URL is a Google News feed (its items are headlines, not pages)."""
    try:
        return (urlsplit(url).hostname or "").lower() == "news.google.com"
    except ValueError:
        return False


def strip_publisher(title: str, publisher: str | None) -> str:
    """`title` without a trailing " - <publisher>" (the way aggregators label headlines).

    Only the named publisher is removed, once, and never the whole title: a headline that
    contains " - " of its own keeps it.
    """
    title = " ".join(title.split())
    name = " ".join((publisher or "").split())
    if not name:
        return title
    for separator in _SEPARATORS:
        suffix = f"{separator}{name}"
        if title.endswith(suffix) and len(title) > len(suffix):
            head = title[: -len(suffix)].strip()
            if head:
                return head
    return title


def aggregator_snippet(description: str, title: str, publisher: str | None) -> str:
    """What an aggregator's HTML description says beyond its own links: a snippet, or "".

    Google News descriptions are the headline as a link plus the outlet's name in a `<font>`,
    or an `<ol>` of related headlines from other outlets; neither is text of this article.
    """
    if not description.strip():
        return ""
    soup = BeautifulSoup(description, "lxml")
    for element in soup.find_all(["a", "font", "ol", "ul"]):
        if isinstance(element, Tag):
            element.decompose()
    text = " ".join(soup.get_text(" ", strip=True).split())
    for known in (title, publisher or ""):
        if known and text.startswith(known):
            text = text[len(known) :].strip()
    return text if len(text) >= _MIN_SNIPPET_CHARS else ""
