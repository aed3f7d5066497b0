"""HTTP for every fetch: bounded, polite, and failing with a short, typed reason.

Invariants of `get`:
- at most `concurrency` requests in flight per client and `per_host_concurrency` per host;
- each attempt (all redirect hops and the whole body) ends within `timeout_s`, and all attempts
  at one URL within its run budget (`retry.Budget`);
- redirects are followed here, at most `max_redirects`, each hop through the address guard;
- a body is never held past `max_bytes`, compressed or DECODED, and is decoded a bounded piece at
  a time (`decoding`), so a compression bomb stops at the cap without ever expanding in memory;
- failures are retried as `retry` says, and nowhere else; a host that answered with Retry-After
  is not asked again before that time by any request made through the same client.
Non-2xx statuses are returned, not raised; transport problems raise FetchError (TransientError,
ThrottledError) with a reason.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.fetch import decoding
from rdwatch.fetch.guard import check_url
from rdwatch.fetch.retry import RETRY_STATUSES, Budget, ThrottledError, TransientError
from rdwatch.fetch.transport import PerHostTransport
from rdwatch.untrusted import RedactingFilter

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # source and page URLs can hold passwords

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Bodies never used: redirects are followed, 204/304 have none (most steady-state answers are
# 304). They are still drained, up to _DRAIN_BYTES, so that the connection goes back to the pool:
# a response left unread closes its connection, and at a thousand 304s reconnecting cost more
# than the requests.
_UNUSED_BODY_STATUSES = REDIRECT_STATUSES | {204, 304}
_DRAIN_BYTES = 64 * 1024


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


@dataclass
class _ClientState:
    """Per-client limits and caches; created lazily on the client's event loop."""

    everything: asyncio.Semaphore
    per_host: dict[str, asyncio.Semaphore]
    address_cache: dict[str, str | None] = field(default_factory=dict)
    robots: dict[str, object] = field(default_factory=dict)
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    # host → time.monotonic() before which it asked (Retry-After) not to be called again
    not_before: dict[str, float] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[httpx.AsyncClient, _ClientState] = weakref.WeakKeyDictionary()


def build_client(settings: FetchConfig) -> httpx.AsyncClient:
    """An AsyncClient with rdwatch's User-Agent and timeouts; redirects are followed by `get`."""
    connect = min(settings.timeout_s, 10.0)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_s, connect=connect),
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": decoding.ACCEPT_ENCODING},
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
    """GET `url` within rdwatch's limits and its retry budget; see the module invariants."""
    budget = Budget(settings)
    state = client_state(client, settings)
    host = urlsplit(url).netloc.lower()
    while True:
        await _wait_for_host(url, host, state, budget)
        try:
            response = await _attempt(client, url, settings, headers or {}, budget)
        except TransientError as exc:
            wait = budget.backoff_s()
            if exc.timed_out or not budget.allows_retry(wait):
                raise
            log.info("retrying %s after %s", url, exc.reason)
            await asyncio.sleep(wait)
            continue
        if response.status_code not in RETRY_STATUSES:
            return response
        asked = response.retry_after_s()
        if asked is not None and response.status_code in (429, 503):
            state.not_before[host] = max(state.not_before.get(host, 0.0), time.monotonic() + asked)
        wait = asked if asked is not None else budget.backoff_s()
        if not budget.allows_retry(wait):
            return response  # the caller records it; a long Retry-After moves the next poll
        log.info("retrying %s after HTTP %d", url, response.status_code)
        await asyncio.sleep(wait)


async def _wait_for_host(url: str, host: str, state: _ClientState, budget: Budget) -> None:
    """Honour a Retry-After the host gave earlier in this run: wait if it fits, else give up."""
    wait = state.not_before.get(host, 0.0) - time.monotonic()
    if wait <= 0:
        return
    budget.begin()  # the wait counts against this URL's budget
    if not budget.fits_wait(wait):
        raise ThrottledError(
            url, f"{host} asked to wait {wait:.0f}s more (Retry-After)", retry_after_s=wait
        )
    await asyncio.sleep(wait)


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
    client: httpx.AsyncClient,
    url: str,
    settings: FetchConfig,
    headers: Mapping[str, str],
    budget: Budget,
) -> Response:
    state = client_state(client, settings)
    host = urlsplit(url).netloc.lower()
    # Take the host slot first so a request queued behind a busy host holds no global slot.
    async with state.per_host[host], state.everything:
        limit = budget.start_attempt()  # time queued for a slot is not the URL's to spend
        try:
            async with asyncio.timeout(limit):
                return await _follow_redirects(client, url, settings, headers, state)
        except TimeoutError:
            raise TransientError(url, f"timed out after {limit:g}s", timed_out=True) from None


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
            if response.status_code in _UNUSED_BODY_STATUSES:
                await decoding.drain_body(response, _DRAIN_BYTES)
            else:
                body = await decoding.read_body(url, response, settings.max_bytes)
            return response.status_code, response.reason_phrase, response.headers, body
    except httpx.HTTPError as exc:
        raise _describe(url, exc, settings) from None
    except httpx.InvalidURL as exc:  # not an HTTPError: a link with spaces or control characters
        raise FetchError(url, f"invalid URL: {exc}") from None


def _describe(url: str, exc: httpx.HTTPError, settings: FetchConfig) -> FetchError:
    """A short, human reason for a transport failure."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(url, f"timed out after {settings.timeout_s:g}s", timed_out=True)
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
