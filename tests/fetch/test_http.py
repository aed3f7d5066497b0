"""The HTTP layer: limits, redirects, decoding, retries and the size cap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import brotli
import pytest

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.fetch import build_client, fetch_pages
from rdwatch.fetch.http import Response, get, parse_retry_after
from rdwatch.fetch.retry import ThrottledError, failure_for_status, failure_of
from rdwatch.models import FetchFailure
from tests.fetch.helpers import fast_settings, run
from tests.fetch.servers import Server, brotli_bomb, gzip_bomb, gzipped


def _get(url: str, settings: FetchConfig) -> Response:
    async def go() -> Response:
        async with build_client(settings) as client:
            return await get(client, url, settings)

    return run(go())


def test_per_host_and_global_limits_hold(server: Server) -> None:
    urls = [server.route(f"p{i}", f"<p>{i}</p>", delay_s=0.1) for i in range(8)]
    settings = fast_settings(per_host_concurrency=3, concurrency=16, respect_robots_txt=False)

    async def go() -> dict:
        async with build_client(settings) as client:
            return await fetch_pages(urls, settings, client=client)

    pages = run(go())
    assert all(not isinstance(p, FetchError) for p in pages.values()), pages
    assert server.max_in_flight == 3


def test_global_limit_applies_across_hosts(server: Server) -> None:
    # 127.0.0.1 and localhost are different hosts for the per-host limit, one for the global one.
    paths = [f"q{i}" for i in range(6)]
    for path in paths:
        server.route(path, "x", delay_s=0.1)
    port = server.base.rsplit(":", 1)[1]
    urls = [server.url(p) for p in paths[:3]] + [f"http://localhost:{port}/{p}" for p in paths[3:]]
    settings = fast_settings(per_host_concurrency=3, concurrency=2, respect_robots_txt=False)

    async def go() -> None:
        async with build_client(settings) as client:
            await asyncio.gather(*(get(client, u, settings) for u in urls))

    run(go())
    assert server.max_in_flight == 2


def test_redirects_are_followed_up_to_the_limit(server: Server) -> None:
    server.route("r1", status=301, headers={"Location": "/r2"})
    server.route("r2", status=302, headers={"Location": "/final"})
    server.route("final", "done")
    response = _get(server.url("r1"), fast_settings(max_redirects=2))
    assert (response.status_code, response.body, response.final_url) == (
        200,
        b"done",
        server.url("final"),
    )
    with pytest.raises(FetchError, match=r"too many redirects \(more than 1\)"):
        _get(server.url("r1"), fast_settings(max_redirects=1))


def test_user_agent_and_compressed_bodies(server: Server) -> None:
    server.route("gz", gzipped(b"hello gzip"), headers={"Content-Encoding": "gzip"})
    server.route("br", brotli.compress(b"hello brotli"), headers={"Content-Encoding": "br"})
    settings = fast_settings(user_agent="rdwatch-test/1")
    assert _get(server.url("gz"), settings).body == b"hello gzip"
    assert _get(server.url("br"), settings).body == b"hello brotli"
    assert server.hits[0][1]["user-agent"] == "rdwatch-test/1"
    assert "br" in server.hits[0][1]["accept-encoding"]


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("br", lambda: brotli_bomb(200_000_000)),
        ("gzip", lambda: gzip_bomb(50_000_000)),
        ("deflate", lambda: gzip_bomb(50_000_000, wbits=15)),
        ("deflate", lambda: gzip_bomb(50_000_000, wbits=-15)),
        ("gzip, br", lambda: brotli.compress(gzip_bomb(50_000_000))),
    ],
)
def test_every_offered_encoding_stops_at_the_decoded_size_cap(
    server: Server, encoding: str, body: Callable[[], bytes]
) -> None:
    server.route("bomb", body(), headers={"Content-Encoding": encoding})
    with pytest.raises(FetchError, match=r"larger than 50000 bytes \(decoded\)"):
        _get(server.url("bomb"), fast_settings())


def test_an_encoding_not_offered_is_refused(server: Server) -> None:
    server.route("z", b"\x28\xb5\x2f\xfd...", headers={"Content-Encoding": "zstd"})
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'zstd'"):
        _get(server.url("z"), fast_settings())
    assert server.hits[0][1]["accept-encoding"] == "gzip, deflate, br"


def test_a_timed_out_attempt_is_not_retried(server: Server) -> None:
    server.route("slow", "late", delay_s=1.5)
    with pytest.raises(FetchError, match=r"timed out after 0.5s") as caught:
        _get(server.url("slow"), fast_settings(timeout_s=0.5, retries=3))
    assert failure_of(caught.value) == FetchFailure.TRANSIENT
    assert server.hit_paths() == ["/slow"]


def test_retries_stop_at_the_budget_of_two_timeouts(server: Server) -> None:
    """Each 500 comes 0.4 s late: with a 1 s timeout, attempts stop within 2 s, not at 10."""
    server.route("flaky", status=500, delay_s=0.4)
    started = time.monotonic()
    response = _get(server.url("flaky"), fast_settings(timeout_s=1, retries=10))
    assert response.status_code == 500 and time.monotonic() - started < 2.5
    assert 2 <= len(server.hits) <= 4, server.hit_paths()


def test_a_retry_after_holds_for_the_whole_host_in_the_same_run(server: Server) -> None:
    server.route("busy", status=429, headers={"Retry-After": "3600"})
    server.route("other", "fine")
    settings = fast_settings(retries=2)

    async def go() -> tuple[Response, BaseException | Response]:
        async with build_client(settings) as client:
            first = await get(client, server.url("busy"), settings)
            try:
                return first, await get(client, server.url("other"), settings)
            except FetchError as exc:
                return first, exc

    first, second = run(go())
    assert first.status_code == 429 and first.retry_after_s() == 3600
    assert isinstance(second, ThrottledError) and second.retry_after_s > 3590, second
    assert failure_of(second) == FetchFailure.THROTTLED
    assert server.hit_paths() == ["/busy"]


def test_a_short_retry_after_is_waited_for_within_the_budget(server: Server) -> None:
    server.route("busy", status=503, headers={"Retry-After": "1"})
    started = time.monotonic()
    response = _get(server.url("busy"), fast_settings(timeout_s=3, retries=1))
    assert response.status_code == 503 and 1.0 <= time.monotonic() - started < 3
    assert server.hit_paths() == ["/busy", "/busy"]


@pytest.mark.parametrize(
    ("status", "retry_after", "failure"),
    [
        (200, None, None),
        (304, None, None),
        (404, None, FetchFailure.BAD),
        (410, None, FetchFailure.GONE),
        (429, None, FetchFailure.THROTTLED),
        (503, 60.0, FetchFailure.THROTTLED),
        (503, None, FetchFailure.TRANSIENT),
        (500, None, FetchFailure.TRANSIENT),
        (408, None, FetchFailure.TRANSIENT),
    ],
)
def test_statuses_have_a_failure_kind(
    status: int, retry_after: float | None, failure: FetchFailure | None
) -> None:
    assert failure_for_status(status, retry_after) == failure


def test_a_slow_server_times_out_within_the_total_timeout(server: Server) -> None:
    server.route("slow", "late", delay_s=1.5)
    with pytest.raises(FetchError, match=r"timed out after 0.5s"):
        _get(server.url("slow"), fast_settings(timeout_s=0.5))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_a_link_with_control_characters_fails_its_item_not_the_run(server: Server) -> None:
    """httpx raises InvalidURL (not an HTTPError) for such a link: it is a FetchError here."""
    with pytest.raises(FetchError, match="invalid URL"):
        _get(server.url("a\x1b[31mb"), fast_settings())
