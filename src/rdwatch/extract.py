"""Extraction: an article page or a feed entry → `Article` (main text, title, author, date).

Main text comes from trafilatura with comments excluded (it keeps them by default); the dedup
normaliser drops any boilerplate line that survives. When a page yields no usable text the feed
entry's own summary is used, and when that is empty too the item is reported, not stored.

A date comes from the feed entry or the page's metadata (meta tags, JSON-LD, `<time>`, the URL),
never from the body text: the extractor's "extensive" search turns a copyright year or a date in a
related-links box into the article's date (`2015-01-01` for a 2019 story), and a wrong date is
worse than none, since it keeps true matches apart. The publisher is the feed entry's `<source>`,
else the page's site name, else the URL's registered domain (`rdwatch.publishers`).

An aggregator's headline-only item (a Google News link, never fetched) becomes an article of its
headline and snippet, marked `headline_only`, so that users know its facts come from a headline.

Every string an `Article` takes from the source (title, text, author, publisher) is stripped of
escape sequences and control characters here (`rdwatch.untrusted`): from this point on, what
rdwatch stores, prints and sends holds none.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

import trafilatura
from bs4 import BeautifulSoup
from trafilatura.settings import Document

from rdwatch.errors import ExtractError
from rdwatch.models import Article, FeedItem
from rdwatch.publishers import publisher_of
from rdwatch.untrusted import one_line, strip_controls

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 80
MIN_HEADLINE_CHARS = 4
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def extract_article(html: str, *, item: FeedItem, url: str) -> Article:
    """The article on a downloaded page; falls back to the feed item's summary."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        with_metadata=True,
        fast=True,
        include_tables=False,
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "max_date": date.today().isoformat(),
        },
    )
    text = strip_controls(document.text or "").strip() if isinstance(document, Document) else ""
    if not isinstance(document, Document) or len(text) < MIN_TEXT_CHARS:
        return article_from_item(item, url=url)
    return Article(
        url=url,
        title=_clean(document.title or item.title) or url,
        text=text,
        source=item.source,
        published=_item_date(item) or _parse_date(document.date),
        guid=item.guid,
        author=_clean(document.author or item.author) or None,
        publisher=_publisher(url, item, site_name=document.sitename),
    )


def article_from_item(item: FeedItem, *, url: str | None = None) -> Article:
    """An article made of the feed entry alone (title + summary), for sources not followed."""
    parts = (item.title, html_to_text(item.summary))
    text = strip_controls("\n".join(part for part in parts if part)).strip()
    # A headline is all an aggregator item has; a Chinese one is often under 20 characters.
    if len(text) < (MIN_HEADLINE_CHARS if item.headline_only else 20):
        raise ExtractError(f"{url or item.url}: no article text on the page or in the feed entry")
    return Article(
        url=url or item.url,
        title=_clean(item.title) or (url or item.url),
        text=text,
        source=item.source,
        published=_item_date(item),
        guid=item.guid,
        author=_clean(item.author) or None,
        publisher=_publisher(url or item.url, item),
        headline_only=item.headline_only,
    )


def html_to_text(fragment: str) -> str:
    if "<" not in fragment:
        return fragment.strip()
    return BeautifulSoup(fragment, "lxml").get_text(" ", strip=True)


def _item_date(item: FeedItem) -> date | None:
    return item.published.date() if item.published else None


def _parse_date(value: str | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if not value:
        return None
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _publisher(url: str, item: FeedItem, *, site_name: str | None = None) -> str | None:
    name = publisher_of(url, feed_source=item.publisher, site_name=site_name, fallback=item.source)
    return _clean(name) or None


def _clean(title: str | None) -> str:
    """One line of text from a remote title or name: no controls, single spaces."""
    return one_line(title or "")
