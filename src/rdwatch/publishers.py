"""Who published an article: the outlet that counts in "covered by N independent outlets".

A configured source is not an outlet: a news-search feed carries items of dozens of publishers,
and one publisher can be reached through several feeds. In order of trust, the publisher is the
feed item's own `<source>` element, the page's site name (`og:site_name` and the like, as the
extractor reads it), and the registered domain of the article's URL ("www.reuters.com" and
"uk.reuters.com" are both "reuters.com", from the bundled Public Suffix List, never fetched). A
host with no registered domain (an address, `localhost`) names no publisher: the source's name
stands in for it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tld import get_fld

MAX_PUBLISHER_CHARS = 200
_ADDRESS = re.compile(r"(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(?::\d+)?", re.I)


def clean_publisher(name: str | None) -> str | None:
    """A publisher name as shown: spaces collapsed, bounded; None when empty or when it is only
    an address (`127.0.0.1:8080`, `localhost`: what an extractor reports for a page that names no
    site, which says nothing about who published it)."""
    cleaned = " ".join((name or "").split())[:MAX_PUBLISHER_CHARS].strip()
    if not cleaned or _ADDRESS.fullmatch(cleaned):
        return None
    return cleaned


def registered_domain(url: str) -> str | None:
    """ "news.example.co.uk" → "example.co.uk"; None for addresses, bare hosts and bad URLs."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    domain = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(domain) if domain else None


def publisher_of(
    url: str, *, feed_source: str | None = None, site_name: str | None = None, fallback: str
) -> str:
    """The first of the feed's `<source>`, the page's site name and the registered domain that
    is known; else `fallback` (the configured source's name)."""
    for candidate in (feed_source, site_name, registered_domain(url)):
        name = clean_publisher(candidate)
        if name is not None:
            return name
    return clean_publisher(fallback) or "unknown"
