"""robots.txt for article pages, parsed with protego and cached per host for the client's life.

Feeds are meant to be polled, so robots.txt is consulted only for article pages (as feed readers
do). A missing robots.txt (4xx) allows everything; an unreachable one (network error, 5xx) also
allows, and says so in the log: refusing every article of a site over a flaky robots.txt would
silently lose coverage.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import httpx
from protego import Protego

from rdwatch.config import FetchConfig
from rdwatch.errors import BlockedAddressError, FetchError
from rdwatch.fetch import http

log = logging.getLogger(__name__)

_ALLOW_ALL = Protego.parse("")


async def robots_allows(client: httpx.AsyncClient, url: str, settings: FetchConfig) -> bool:
    """Whether robots.txt of `url`'s host lets rdwatch's User-Agent fetch it."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    state = http.client_state(client, settings)
    async with state.robots_locks[origin]:  # one download per host, however many pages wait
        rules = state.robots.get(origin)
        if rules is None:
            rules = await _load(client, origin, settings)
            state.robots[origin] = rules
    assert isinstance(rules, Protego)
    return bool(rules.can_fetch(url, settings.user_agent))


async def _load(client: httpx.AsyncClient, origin: str, settings: FetchConfig) -> Protego:
    robots_url = urlunsplit((*urlsplit(origin)[:2], "/robots.txt", "", ""))
    try:
        response = await http.get(client, robots_url, settings)
    except BlockedAddressError:
        raise
    except FetchError as exc:
        log.info("robots.txt of %s unavailable (%s); allowing", origin, exc.reason)
        return _ALLOW_ALL
    if response.status_code != 200:
        if response.status_code >= 500:
            log.info("robots.txt of %s: HTTP %d; allowing", origin, response.status_code)
        return _ALLOW_ALL
    return Protego.parse(response.body.decode("utf-8", errors="replace"))
