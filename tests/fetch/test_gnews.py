"""`resolve: google-news`: opt-in decoding, and a clean fallback to headlines whatever happens.

No test reaches Google: the decoder is a fake, or the real `googlenewsdecoder` sent through a
proxy on 127.0.0.1 that refuses every tunnel, with name resolution limited to loopback.
"""

from __future__ import annotations

import asyncio
import logging
import socketserver
import threading
from collections.abc import Iterator

import pytest

from rdwatch.config import SourceConfig
from rdwatch.fetch import gnews
from rdwatch.fetch.gnews import resolve_google_news
from rdwatch.models import FeedItem
from tests.loopback import loopback_only

LINK = "https://news.google.com/rss/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y?oc=5"
OPTED_IN = SourceConfig(
    name="gn", url="https://news.google.com/rss/search?q=x", resolve="google-news"
)
PLAIN = SourceConfig(name="plain", url="https://news.google.com/rss/search?q=y")


def _item(source: str = "gn", url: str = LINK) -> FeedItem:
    return FeedItem(source=source, url=url, title="DAMO opens a lab", headline_only=True)


def _resolve(items: list[FeedItem], decoder: gnews.Decoder | None = None) -> list[FeedItem]:
    return asyncio.run(resolve_google_news(items, [OPTED_IN, PLAIN], decoder=decoder))


def test_decoded_links_become_the_publishers_page_and_are_no_longer_headlines() -> None:
    asked: list[list[str]] = []

    async def decoder(urls: list[str]) -> list[str | None]:
        asked.append(urls)
        return ["https://www.example.com/tech/damo-lab?utm_source=gn"]

    items = [_item(), _item("plain")]
    [decoded, untouched] = _resolve(items, decoder)
    assert asked == [[LINK]], "only the source that opted in is decoded"
    assert (decoded.url, decoded.headline_only) == ("https://www.example.com/tech/damo-lab", False)
    assert decoded.guid == items[0].guid and decoded.title == items[0].title
    assert untouched == items[1]


@pytest.mark.parametrize(
    "answer", [[None], ["not a url"], ["https://e.com/" + "x" * 3000], [], ["javascript:x"]]
)
def test_anything_but_a_usable_url_leaves_a_headline(answer: list[str | None]) -> None:
    async def decoder(urls: list[str]) -> list[str | None]:
        return answer

    assert _resolve([_item()], decoder) == [_item()]


def test_a_failing_decoder_leaves_headlines_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    async def decoder(urls: list[str]) -> list[str | None]:
        raise RuntimeError("rate limited")

    with caplog.at_level(logging.WARNING, logger="rdwatch.fetch.gnews"):
        assert _resolve([_item()], decoder) == [_item()]
    assert "rate limited" in caplog.text


def test_without_the_package_items_stay_headlines(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(gnews, "library_decoder", lambda timeout_s: None)
    with caplog.at_level(logging.WARNING, logger="rdwatch.fetch.gnews"):
        assert _resolve([_item()]) == [_item()]
    assert "googlenewsdecoder" in caplog.text


def test_nothing_is_decoded_unless_a_source_asks() -> None:
    async def decoder(urls: list[str]) -> list[str | None]:
        raise AssertionError("no source asked for decoding")

    items = [_item("plain"), FeedItem(source="gn", url="https://e.com/a", title="a page")]
    assert _resolve(items, decoder) == items


@pytest.fixture
def refusing_proxy() -> Iterator[tuple[list[bytes], str]]:
    """An HTTP proxy on 127.0.0.1 that records each request line and refuses it (403)."""
    requests: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            requests.append(self.rfile.readline().strip())
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield requests, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_real_library_asks_through_the_proxy_and_its_failure_leaves_headlines(
    refusing_proxy: tuple[list[bytes], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("googlenewsdecoder")
    requests, proxy = refusing_proxy
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with loopback_only() as resolved_elsewhere:
        items = asyncio.run(resolve_google_news([_item()], [OPTED_IN], timeout_s=2))
    assert items == [_item()]
    assert requests and all(b"news.google.com" in r for r in requests), requests
    assert resolved_elsewhere == []
