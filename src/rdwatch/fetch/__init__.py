"""Fetching (stopgap until the full fetch stage lands): feeds over httpx + feedparser."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import httpx
from bs4 import BeautifulSoup

from rdwatch.config import FetchConfig, SourceConfig
from rdwatch.errors import FetchError
from rdwatch.models import FeedItem, FetchedPage, SourceFetch, SourceState

_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def build_client(settings: FetchConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=settings.timeout_s,
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
    )


def canonical_url(url: str, html: str | None = None) -> str:
    if html:
        link = BeautifulSoup(html, "lxml").find("link", rel="canonical")
        href = link.get("href") if link else None
        if isinstance(href, str) and href.startswith(("http://", "https://")):
            url = href
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(_TRACKING)]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def parse_feed(
    body: bytes, *, source: str, url: str, headers: Mapping[str, str] | None = None
) -> tuple[tuple[FeedItem, ...], str | None]:
    parsed = feedparser.parse(body, response_headers=dict(headers or {}))
    if not parsed.entries and parsed.bozo:
        raise FetchError(url, f"not a feed: {parsed.bozo_exception}")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
        items.append(
            FeedItem(
                source=source,
                url=canonical_url(link),
                title=entry.get("title", ""),
                guid=entry.get("id"),
                summary=entry.get("summary", ""),
                published=published,
            )
        )
    warning = f"feed problem: {parsed.bozo_exception}" if parsed.bozo else None
    return tuple(items), warning


async def _fetch_one(
    source: SourceConfig, settings: FetchConfig, client: httpx.AsyncClient, now: datetime
) -> SourceFetch:
    try:
        response = await client.get(source.url)
    except httpx.HTTPError as exc:
        return SourceFetch(source.name, source.url, error=f"connection failed: {exc!r}")
    if response.status_code != 200:
        return SourceFetch(
            source.name,
            source.url,
            error=f"HTTP {response.status_code} {response.reason_phrase}",
            status_code=response.status_code,
            gone=response.status_code == 410,
        )
    try:
        items, warning = parse_feed(
            response.content, source=source.name, url=source.url, headers=response.headers
        )
    except FetchError as exc:
        return SourceFetch(source.name, source.url, error=exc.reason, status_code=200)
    if settings.max_age_days is not None:
        oldest = now - timedelta(days=settings.max_age_days)
        items = tuple(i for i in items if i.published is None or i.published >= oldest)
    return SourceFetch(
        source.name,
        source.url,
        items=items,
        status_code=200,
        warning=warning,
        body_hash=hashlib.sha256(response.content).hexdigest(),
    )


async def fetch_sources(
    sources: Sequence[SourceConfig],
    settings: FetchConfig,
    states: Mapping[str, SourceState],
    *,
    client: httpx.AsyncClient,
    now: datetime,
) -> list[SourceFetch]:
    return list(await asyncio.gather(*(_fetch_one(s, settings, client, now) for s in sources)))


async def fetch_page(url: str, settings: FetchConfig, *, client: httpx.AsyncClient) -> FetchedPage:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        raise FetchError(url, f"connection failed: {exc!r}") from None
    if response.status_code != 200:
        raise FetchError(url, f"HTTP {response.status_code}")
    return FetchedPage(url=url, final_url=str(response.url), html=response.text)


async def fetch_pages(
    urls: Sequence[str], settings: FetchConfig, *, client: httpx.AsyncClient
) -> dict[str, FetchedPage | FetchError]:
    async def one(url: str) -> FetchedPage | FetchError:
        try:
            return await fetch_page(url, settings, client=client)
        except FetchError as exc:
            return exc

    results = await asyncio.gather(*(one(u) for u in urls))
    return dict(zip(urls, results, strict=True))
