"""HTML pages: listing pages as sources, feed discovery, and text decoding of page bodies.

`parse_listing` turns a newsroom listing into FeedItems with the configured CSS selector; links
are resolved against the page's `<base href>` (or its URL) and canonicalised, and each URL appears
once, in page order.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from rdwatch.fetch.urls import canonical_url
from rdwatch.models import FeedItem

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


def parse_listing(html: str, *, source: str, url: str, selector: str) -> tuple[FeedItem, ...]:
    """Article links matched by `selector` on a listing page, as FeedItems in page order."""
    soup = BeautifulSoup(html, "lxml")
    base = _base_url(soup, url)
    items: dict[str, FeedItem] = {}
    for element in soup.select(selector):
        link = _link_of(element)
        href = link.get("href") if link is not None else None
        if not isinstance(href, str) or not href.strip():
            continue
        target = urljoin(base, href.strip())
        if urlsplit(target).scheme not in ("http", "https"):
            continue  # javascript:, mailto:, …
        article_url = canonical_url(target)
        title = " ".join((link or element).get_text(" ", strip=True).split())
        items.setdefault(article_url, FeedItem(source=source, url=article_url, title=title))
    return tuple(items.values())


def _link_of(element: Tag) -> Tag | None:
    if element.name == "a" and element.has_attr("href"):
        return element
    found = element.find("a", href=True)
    if isinstance(found, Tag):
        return found
    parent = element.find_parent("a", href=True)
    return parent if isinstance(parent, Tag) else None


def _base_url(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    href = base.get("href") if isinstance(base, Tag) else None
    return urljoin(url, href) if isinstance(href, str) else url


def discover_feed(html: str, base_url: str) -> str | None:
    """The first feed a page advertises with `<link rel="alternate" type=…>`, as an absolute URL."""
    soup = BeautifulSoup(html, "lxml")
    candidates: list[tuple[int, str]] = []
    for link in soup.find_all("link", href=True):
        rel = [r.lower() for r in (link.get("rel") or [])]
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            candidates.append((FEED_TYPES.index(kind), urljoin(base_url, str(link["href"]))))
    # RSS and Atom before JSON feeds; page order among equals (sort is stable).
    candidates.sort(key=lambda c: c[0])
    return candidates[0][1] if candidates else None


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Text of an HTML body: BOM, then the header charset, then `<meta charset>`, else UTF-8."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    content_type = _header(headers, "content-type")
    for match in (_HEADER_CHARSET.search(content_type), _META_CHARSET.search(body[:4096])):
        if match is None:
            continue
        charset = match.group(1)
        name = charset if isinstance(charset, str) else charset.decode("ascii", "replace")
        try:
            return body.decode(codecs.lookup(name).name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """Whether a body that should be a feed is really an HTML page."""
    if "html" in content_type.lower() and "xml" not in content_type.lower():
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    if not headers:
        return ""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""
