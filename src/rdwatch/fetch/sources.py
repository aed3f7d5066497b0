"""Polling sources: one SourceFetch per enabled source, whatever happens to the others.

A poll sends the stored validators (If-None-Match / If-Modified-Since); a 304, or an unchanged
body hash from a server without validators, means "not modified" and nothing is parsed. Sources
in backoff or gone are skipped (`skipped`, and a warning saying why). Items are resolved (Google
News links), canonicalised, filtered by age, and dropped when they link to a non-public address
or their link is longer than the store can index (`urls.MAX_URL_BYTES`).
A source's failure is a value (`SourceFetch.error`, typed by `SourceFetch.failure`), never an
exception.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from rdwatch.config import FetchConfig, SourceConfig
from rdwatch.errors import BlockedAddressError, FetchError
from rdwatch.fetch import http
from rdwatch.fetch.feeds import parse_feed
from rdwatch.fetch.guard import check_url
from rdwatch.fetch.pages import decode_html, parse_listing
from rdwatch.fetch.retry import failure_for_status, failure_of
from rdwatch.fetch.urls import MAX_URL_BYTES, canonical_url, fits_store, resolve_aggregator_url
from rdwatch.models import FeedItem, SourceFetch, SourceState
from rdwatch.untrusted import RedactingFilter

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # source and page URLs can hold passwords

# Version prefix: a change to what is hashed must not look like "unchanged" to old stored hashes.
_HASH_VERSION = "v1:"


async def fetch_sources(
    sources: Sequence[SourceConfig],
    settings: FetchConfig,
    states: Mapping[str, SourceState],
    *,
    client: httpx.AsyncClient,
    now: datetime,
) -> list[SourceFetch]:
    """Poll every enabled source concurrently within the client's limits; never raises for one."""
    enabled = [s for s in sources if s.enabled]
    polls = (_poll(s, settings, states.get(s.name), client, now) for s in enabled)
    return list(await asyncio.gather(*polls))


async def _poll(
    source: SourceConfig,
    settings: FetchConfig,
    state: SourceState | None,
    client: httpx.AsyncClient,
    now: datetime,
) -> SourceFetch:
    skipped = _skip_reason(state, now)
    if skipped is not None:
        return SourceFetch(source.name, source.url, warning=skipped, skipped=True)
    started = time.perf_counter()
    try:
        result = await _poll_source(source, settings, state, client, now)
    except FetchError as exc:
        result = SourceFetch(
            source.name,
            source.url,
            error=exc.reason,
            failure=failure_of(exc),
            retry_after_s=getattr(exc, "retry_after_s", None),
        )
    except Exception as exc:  # one source's bug must not lose the other sources' items
        log.exception("unexpected error polling %s", source.url)
        result = SourceFetch(source.name, source.url, error=f"internal error: {exc!r}")
    return replace(result, elapsed_s=time.perf_counter() - started)


def _skip_reason(state: SourceState | None, now: datetime) -> str | None:
    if state is None:
        return None
    if state.gone:
        return "skipped: source is gone (HTTP 410); re-enable it in the config to poll again"
    if state.hold_until is not None and state.hold_until > now:
        return f"skipped: backoff until {state.hold_until.isoformat(timespec='seconds')}"
    return None


async def _poll_source(
    source: SourceConfig,
    settings: FetchConfig,
    state: SourceState | None,
    client: httpx.AsyncClient,
    now: datetime,
) -> SourceFetch:
    response = await http.get(client, source.url, settings, headers=_conditional_headers(state))
    if response.status_code == 304:
        return _unchanged(source, state, 304)
    if not 200 <= response.status_code < 300:
        return _http_failure(source, response)
    body_hash = _HASH_VERSION + hashlib.sha256(response.body).hexdigest()
    if state is not None and state.body_hash == body_hash:
        return _unchanged(source, state, response.status_code)
    items, warning = _parse(source, response)
    items, dropped = await _screen(items, settings, client, now)
    items, too_long = _bounded(items)
    return SourceFetch(
        source.name,
        source.url,
        items=items,
        status_code=response.status_code,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        body_hash=body_hash,
        warning="; ".join(w for w in (warning, too_long, dropped) if w) or None,
    )


def _conditional_headers(state: SourceState | None) -> dict[str, str]:
    headers = {}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _unchanged(source: SourceConfig, state: SourceState | None, status: int) -> SourceFetch:
    return SourceFetch(
        source.name,
        source.url,
        status_code=status,
        not_modified=True,
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
        body_hash=state.body_hash if state else None,
    )


def _http_failure(source: SourceConfig, response: http.Response) -> SourceFetch:
    retry_after = response.retry_after_s() if response.status_code in (429, 503) else None
    return SourceFetch(
        source.name,
        source.url,
        error=http.status_reason(response),
        failure=failure_for_status(response.status_code, retry_after),
        status_code=response.status_code,
        retry_after_s=retry_after,
    )


def _parse(
    source: SourceConfig, response: http.Response
) -> tuple[tuple[FeedItem, ...], str | None]:
    if source.kind == "page":
        html = decode_html(response.body, response.headers)
        selector = source.item_selector or "a"
        items = parse_listing(html, source=source.name, url=response.final_url, selector=selector)
        if not items:
            raise FetchError(source.url, f"selector {selector!r} matched no article links")
        return items, None
    return parse_feed(
        response.body, source=source.name, url=response.final_url, headers=response.headers
    )


def _bounded(items: tuple[FeedItem, ...]) -> tuple[tuple[FeedItem, ...], str | None]:
    """Drop items whose link is too long to store; forget a guid that is (the link suffices)."""
    kept, too_long = [], []
    for item in items:
        if not fits_store(item.url):
            too_long.append(item.url)
            continue
        if item.guid is not None and not fits_store(item.guid):
            item = replace(item, guid=None)
        kept.append(item)
    if not too_long:
        return tuple(kept), None
    log.warning("dropped %d item(s) with a link over %d bytes", len(too_long), MAX_URL_BYTES)
    return tuple(kept), (
        f"dropped {len(too_long)} item(s) with a link over {MAX_URL_BYTES} bytes: "
        f"{too_long[0][:80]}…"
    )


async def _screen(
    items: tuple[FeedItem, ...], settings: FetchConfig, client: httpx.AsyncClient, now: datetime
) -> tuple[tuple[FeedItem, ...], str | None]:
    """Resolve aggregator links, drop stale items and items linking to non-public addresses."""
    items = tuple(_resolved(i) for i in items)
    if settings.max_age_days is not None:
        oldest = now - timedelta(days=settings.max_age_days)
        items = tuple(i for i in items if i.published is None or i.published >= oldest)
    if settings.allow_private_addresses:
        return items, None
    cache = http.client_state(client, settings).address_cache
    kept, blocked = [], []
    for item in items:
        try:
            await check_url(item.url, cache=cache)
        except BlockedAddressError as exc:
            blocked.append(f"{item.url} ({exc.reason})")
            continue
        except FetchError:
            pass  # unresolvable now; fetch_page checks again before any download
        kept.append(item)
    if blocked:
        log.warning("dropped items linking to non-public addresses: %s", "; ".join(blocked))
        return tuple(
            kept
        ), f"dropped {len(blocked)} item(s) linking to private addresses: {blocked[0]}"
    return tuple(kept), None


def _resolved(item: FeedItem) -> FeedItem:
    publisher = resolve_aggregator_url(item.url)
    return item if publisher == item.url else replace(item, url=canonical_url(publisher))
