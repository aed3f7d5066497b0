"""Feed bodies → FeedItems (RSS, Atom, RDF, JSON Feed) with feedparser.

feedparser gets the raw bytes and the response's Content-Type so it can detect the encoding
itself (BOM, HTTP charset, XML declaration, fallbacks). A "bozo" feed still yields every entry
feedparser could read, with a warning naming the problem; only a body with nothing usable raises
FetchError. Item URLs are made absolute against the feed URL and canonicalised. feedparser's
defaults (sanitised HTML, relative URIs resolved) keep summaries safe to render. Plain RSS 2.0
takes a faster path (`rss.py`) that yields the same items.

An item's publisher is its own `<source>` (Google News) or `News:Source` (Bing News), and a
" - Publisher" suffix on its title is removed. A Google News article link is kept as it is and the
item marked `headline_only` (see `aggregators`); a redirector link that names its destination
(Bing's `apiclick.aspx?url=…`) becomes the publisher's URL. Where a feed carries the full text
(`content:encoded`, Atom `<content>`) that longer text is the item's summary.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from rdwatch.errors import FetchError
from rdwatch.fetch.aggregators import aggregator_snippet, is_google_news_article, strip_publisher
from rdwatch.fetch.pages import looks_like_html
from rdwatch.fetch.rss import read_plain_rss
from rdwatch.fetch.urls import canonical_url, resolve_aggregator_url
from rdwatch.models import FeedItem

_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"charset\s*=", re.IGNORECASE)


def parse_feed(
    body: bytes, *, source: str, url: str, headers: Mapping[str, str] | None = None
) -> tuple[tuple[FeedItem, ...], str | None]:
    """Items of a feed body and a warning when the feed was not clean; FetchError when unusable."""
    content_type = _content_type(headers)
    if not body.strip():
        raise FetchError(url, "empty response body")
    if body.lstrip()[:1] in (b"{", b"["):
        return _parse_json_feed(body, source=source, url=url), None
    fast = read_plain_rss(body, content_type)
    if fast is not None:
        return _items(fast, source, url), None
    return _parse_with_feedparser(body, content_type, source=source, url=url)


def _parse_with_feedparser(
    body: bytes, content_type: str, *, source: str, url: str
) -> tuple[tuple[FeedItem, ...], str | None]:
    # Without a Content-Type feedparser flags every feed as bozo; application/xml without a
    # charset means "trust the XML declaration", which is what a missing header means too. So
    # does text/xml without a charset (RFC 7303), which many Chinese portals send with a GB18030
    # declaration, where feedparser would still apply RFC 3023's "us-ascii" and warn every poll.
    if not content_type or (
        content_type.lower().startswith("text/") and not _CHARSET.search(content_type)
    ):
        content_type = "application/xml"
    response_headers = {"content-location": url, "content-type": content_type}
    parsed = feedparser.parse(body, response_headers=response_headers)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FetchError(url, _unusable_reason(body, content_type, parsed))
    items = _items((_fields(e) for e in parsed.entries), source, url)
    return items, _warning(parsed, len(items))


def _unusable_reason(body: bytes, content_type: str, parsed: Any) -> str:
    if looks_like_html(body, content_type):
        return "not a feed (HTML page)"
    problem = parsed.get("bozo_exception")
    if problem is not None:
        return f"malformed XML: {_short(problem)}"
    return "not a feed (no RSS, Atom or JSON Feed found)"


def _warning(parsed: Any, count: int) -> str | None:
    if not parsed.bozo:
        return None
    problem = parsed.get("bozo_exception")
    name = type(problem).__name__ if problem is not None else "problem"
    if "Encoding" in name:
        return f"feed encoding problem ({_short(problem)}); read {count} item(s)"
    return f"feed is not well-formed ({_short(problem)}); read {count} item(s)"


def _short(problem: object) -> str:
    text = str(problem).strip() or type(problem).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _fields(entry: Any) -> dict[str, Any]:
    """The fields rdwatch uses from a feedparser entry (the same keys rss.py produces)."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return {
        "link": entry.get("link"),
        "title": _title_text(entry),
        "guid": entry.get("id") or None,
        "summary": _longest_text(entry),
        "published": datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC) if stamp else None,
        # An aggregator's item names its publisher: <source url="…">Reuters</source> (Google
        # News), <News:Source>Reuters</News:Source> (Bing News).
        "publisher": _text((entry.get("source") or {}).get("title") or entry.get("news_source")),
        "author": _text(entry.get("author")),
    }


def _longest_text(entry: Any) -> str:
    """The summary, or the full text when the feed carries it (`content:encoded`, Atom content)."""
    summary = str(entry.get("summary", "")).strip()
    for content in entry.get("content") or ():
        value = str(content.get("value") or "").strip()
        if "html" in str(content.get("type", "html")) and len(value) > len(summary):
            summary = value
    return summary


def _text(value: object) -> str | None:
    return " ".join(str(value or "").split()) or None


def _title_text(entry: Any) -> str:
    """Titles typed as HTML (Atom `type="html"`) as plain text, as the article title needs."""
    title = str(entry.get("title", ""))
    kind = str((entry.get("title_detail") or {}).get("type", ""))
    if "html" in kind and ("<" in title or "&" in title):
        return html.unescape(_TAG.sub("", title))
    return title


def _items(entries: Iterable[dict[str, Any]], source: str, feed_url: str) -> tuple[FeedItem, ...]:
    items = []
    for entry in entries:
        link = entry["link"] or _permalink(entry["guid"])
        if not link:
            continue  # nothing to follow or deduplicate by
        items.append(
            _item(entry, source, resolve_aggregator_url(_absolute(feed_url, link.strip())))
        )
    return tuple(items)


def _item(entry: dict[str, Any], source: str, link: str) -> FeedItem:
    publisher = entry.get("publisher")
    title = strip_publisher(entry["title"], publisher)
    summary = entry["summary"]
    headline_only = is_google_news_article(link)
    if headline_only:
        summary = aggregator_snippet(summary, title, publisher)
    return FeedItem(
        source=source,
        url=canonical_url(link),
        title=title,
        guid=entry["guid"],
        summary=summary,
        published=entry["published"],
        publisher=publisher,
        author=entry.get("author"),
        headline_only=headline_only,
    )


def _absolute(base: str, link: str) -> str:
    # urljoin parses both URLs; most feed links are already absolute.
    return link if link.startswith(("https://", "http://")) else urljoin(base, link)


def _permalink(guid: str | None) -> str | None:
    return guid if guid and guid.startswith(("http://", "https://")) else None


def _content_type(headers: Mapping[str, str] | None) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            return value
    return ""


def _parse_json_feed(body: bytes, *, source: str, url: str) -> tuple[FeedItem, ...]:
    """JSON Feed 1.x (feedparser reads only XML)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(url, f"malformed JSON: {_short(exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError(url, "not a feed (JSON without an items list)")
    items = []
    for entry in data["items"]:
        link = isinstance(entry, dict) and (entry.get("url") or entry.get("external_url"))
        if not isinstance(link, str) or not link:
            continue
        items.append(
            FeedItem(
                source=source,
                url=canonical_url(urljoin(url, link)),
                title=" ".join(str(entry.get("title") or "").split()),
                guid=str(entry["id"]) if entry.get("id") is not None else None,
                summary=str(entry.get("summary") or entry.get("content_html") or ""),
                published=_json_date(entry.get("date_published") or entry.get("date_modified")),
            )
        )
    return tuple(items)


def _json_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC)
