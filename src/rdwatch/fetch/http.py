"""HTTP for every fetch: bounded, polite, and failing with a short reason.

Invariants of `get`:
- at most `concurrency` requests in flight per client and `per_host_concurrency` per host;
- each attempt (all redirect hops and the whole body) ends within `timeout_s`;
- redirects are followed here, at most `max_redirects`, each hop through the address guard;
- a body is never held past `max_bytes` DECODED bytes, so a gzip bomb stops early;
- 429/5xx, timeouts and dropped connections are retried `retries` times with exponential backoff
  and jitter; `Retry-After` is honoured up to `timeout_s`, a longer one ends the attempts and the
  response is returned for the caller to schedule the next poll.
Non-2xx statuses are returned, not raised; transport problems raise FetchError with a reason.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.fetch.guard import check_url
from rdwatch.fetch.transport import PerHostTransport

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Bodies never read: redirects are followed, 204/304 have none (most steady-state answers are 304).
_NO_BODY_STATUSES = REDIRECT_STATUSES | {204, 304}
# First retry waits about this long, doubling after; small because a run polls many sources.
BACKOFF_BASE_S = 0.5


@dataclass(frozen=True)
class Response:
    """A fully read response: final URL after redirects, status, headers and decoded body."""

    url: str
    final_url: str
    status_code: int
    reason: str
    headers: httpx.Headers
    body: bytes

    def retry_after_s(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class TransientError(FetchError):
    """A failure worth retrying (timeout, refused or dropped connection)."""


@dataclass
class _ClientState:
    """Per-client limits and caches; created lazily on the client's event loop."""

    everything: asyncio.Semaphore
    per_host: dict[str, asyncio.Semaphore]
    address_cache: dict[str, str | None] = field(default_factory=dict)
    robots: dict[str, object] = field(default_factory=dict)
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))


_STATES: weakref.WeakKeyDictionary[httpx.AsyncClient, _ClientState] = weakref.WeakKeyDictionary()


def build_client(settings: FetchConfig) -> httpx.AsyncClient:
    """An AsyncClient with rdwatch's User-Agent and timeouts; redirects are followed by `get`."""
    connect = min(settings.timeout_s, 10.0)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_s, connect=connect),
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate, br"},
        transport=PerHostTransport(settings.per_host_concurrency),
    )


def client_state(client: httpx.AsyncClient, settings: FetchConfig) -> _ClientState:
    """The limits and caches shared by every fetch made through `client`."""
    state = _STATES.get(client)
    if state is None:
        per_host = settings.per_host_concurrency
        state = _ClientState(
            everything=asyncio.Semaphore(settings.concurrency),
            per_host=defaultdict(lambda: asyncio.Semaphore(per_host)),
        )
        _STATES[client] = state
    return state


async def get(
    client: httpx.AsyncClient,
    url: str,
    settings: FetchConfig,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET `url` within rdwatch's limits, retrying transient failures; see the module invariants."""
    for attempt in range(settings.retries + 1):
        last = attempt == settings.retries
        try:
            response = await _attempt(client, url, settings, headers or {})
        except TransientError as exc:
            if last:
                raise
            log.info("retrying %s after %s", url, exc.reason)
            await asyncio.sleep(_backoff(attempt, settings))
            continue
        if response.status_code not in RETRY_STATUSES or last:
            return response
        wait = response.retry_after_s()
        if wait is not None and wait > settings.timeout_s:
            return response  # too long to wait within this run: the store schedules the next poll
        log.info("retrying %s after HTTP %d", url, response.status_code)
        await asyncio.sleep(wait if wait is not None else _backoff(attempt, settings))
    raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int, settings: FetchConfig) -> float:
    # Full jitter keeps many sources on one host from retrying in lockstep.
    ceiling = min(BACKOFF_BASE_S * 2**attempt, settings.timeout_s)
    return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def _attempt(
    client: httpx.AsyncClient, url: str, settings: FetchConfig, headers: Mapping[str, str]
) -> Response:
    state = client_state(client, settings)
    host = urlsplit(url).netloc.lower()
    # Take the host slot first so a request queued behind a busy host holds no global slot.
    async with state.per_host[host], state.everything:
        try:
            async with asyncio.timeout(settings.timeout_s):
                return await _follow_redirects(client, url, settings, headers, state)
        except TimeoutError:
            raise TransientError(url, f"timed out after {settings.timeout_s:g}s") from None


async def _follow_redirects(
    client: httpx.AsyncClient,
    url: str,
    settings: FetchConfig,
    headers: Mapping[str, str],
    state: _ClientState,
) -> Response:
    current, seen = url, [url]
    while True:
        if not settings.allow_private_addresses:
            await check_url(current, cache=state.address_cache)
        status, reason, response_headers, body = await _read(client, current, settings, headers)
        location = response_headers.get("location")
        if status not in REDIRECT_STATUSES or not location:
            return Response(url, current, status, reason, response_headers, body)
        current = _next_hop(url, current, location, seen, settings)
        seen.append(current)


def _next_hop(url: str, current: str, location: str, seen: list[str], settings: FetchConfig) -> str:
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme not in ("http", "https"):
        raise FetchError(url, f"redirect to a non-http URL: {target}")
    if target in seen:
        raise FetchError(url, f"redirect loop ({' → '.join([*seen[-2:], target])})")
    if len(seen) > settings.max_redirects:
        raise FetchError(url, f"too many redirects (more than {settings.max_redirects})")
    return target


async def _read(
    client: httpx.AsyncClient, url: str, settings: FetchConfig, headers: Mapping[str, str]
) -> tuple[int, str, httpx.Headers, bytes]:
    try:
        async with client.stream("GET", url, headers=headers) as response:
            body = b""
            if response.status_code not in _NO_BODY_STATUSES:
                body = await _read_capped(url, response, settings.max_bytes)
            return response.status_code, response.reason_phrase, response.headers, body
    except httpx.HTTPError as exc:
        raise _describe(url, exc, settings) from None


async def _read_capped(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response larger than {max_bytes} bytes")
    chunks, size = [], 0
    # aiter_bytes yields DECODED bytes (gzip/deflate/br), so the cap also stops compression bombs.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"response larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(url: str, exc: httpx.HTTPError, settings: FetchConfig) -> FetchError:
    """A short, human reason for a transport failure."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(url, f"timed out after {settings.timeout_s:g}s")
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower() or _caused_by(exc, ConnectionRefusedError):
            return TransientError(url, "connection refused")
        if "name or service not known" in text.lower() or "nodename" in text.lower():
            return FetchError(url, f"cannot resolve host {urlsplit(url).hostname}")
        return TransientError(url, f"cannot connect: {text}")
    if isinstance(exc, httpx.DecodingError):
        return FetchError(url, f"could not decode the compressed body: {text}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return TransientError(url, f"connection broken: {text}")
    return FetchError(url, f"HTTP error: {text}")


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    # anyio reports "All connection attempts failed"; the OS error is further down the chain.
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def status_reason(response: Response) -> str:
    """`HTTP 404 Not Found`, with the wait for 429/503 when the server gave one."""
    reason = f"HTTP {response.status_code} {response.reason}".strip()
    wait = response.retry_after_s()
    if response.status_code in (429, 503) and wait is not None:
        reason += f" (retry after {wait:.0f}s)"
    return reason
