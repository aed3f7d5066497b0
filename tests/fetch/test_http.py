"""The HTTP layer: limits, redirects, decoding, retries and the size cap."""

from __future__ import annotations

import asyncio

import brotli
import pytest

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.fetch import build_client, fetch_pages
from rdwatch.fetch.http import Response, get, parse_retry_after
from tests.fetch.helpers import fast_settings, run
from tests.fetch.servers import Server, gzipped


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


def test_a_brotli_bomb_is_stopped_by_the_decoded_size_cap(server: Server) -> None:
    bomb = brotli.compress(b"\0" * 20_000_000)
    server.route("bomb", bomb, headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="larger than 50000 bytes"):
        _get(server.url("bomb"), fast_settings())


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
