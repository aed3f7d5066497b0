"""Article pages: download one or many, honouring robots.txt and the client's limits.

`fetch_pages` returns every URL's outcome as a value (page or FetchError); `iter_pages` yields
each as it arrives, so the caller can extract a page and drop its HTML before the next is in;
`fetch_page` raises.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence

import httpx

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.fetch import http
from rdwatch.fetch.guard import check_url
from rdwatch.fetch.pages import decode_html
from rdwatch.fetch.robots import robots_allows
from rdwatch.models import FetchedPage


async def fetch_page(url: str, settings: FetchConfig, *, client: httpx.AsyncClient) -> FetchedPage:
    """Download an article page; FetchError (or BlockedAddressError) says why it could not be."""
    if not settings.allow_private_addresses:
        # Before robots.txt, so not even robots.txt is requested from a forbidden host.
        await check_url(url, cache=http.client_state(client, settings).address_cache)
    if settings.respect_robots_txt and not await robots_allows(client, url, settings):
        raise FetchError(url, "disallowed by robots.txt")
    response = await http.get(client, url, settings)
    if response.status_code != 200:
        raise FetchError(url, http.status_reason(response))
    html = decode_html(response.body, response.headers)
    return FetchedPage(url=url, final_url=response.final_url, html=html, status_code=200)


async def fetch_pages(
    urls: Sequence[str], settings: FetchConfig, *, client: httpx.AsyncClient
) -> dict[str, FetchedPage | FetchError]:
    """Every URL's page or the FetchError it gave, concurrently within the client's limits."""
    return {url: page async for url, page in iter_pages(urls, settings, client=client)}


async def iter_pages(
    urls: Sequence[str], settings: FetchConfig, *, client: httpx.AsyncClient
) -> AsyncIterator[tuple[str, FetchedPage | FetchError]]:
    """Each URL's page or the FetchError it gave, as downloads finish. At most
    `settings.concurrency` pages are downloading or waiting to be taken at once: a consumer slower
    than the network (extraction) never has more than that many pages in memory."""

    async def one(url: str) -> tuple[str, FetchedPage | FetchError]:
        try:
            return url, await fetch_page(url, settings, client=client)
        except FetchError as exc:
            return url, exc

    waiting = iter(dict.fromkeys(urls))
    running = {
        asyncio.ensure_future(one(u)) for u in itertools.islice(waiting, settings.concurrency)
    }
    try:
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
                running |= {asyncio.ensure_future(one(u)) for u in itertools.islice(waiting, 1)}
    finally:
        for task in running:
            task.cancel()
