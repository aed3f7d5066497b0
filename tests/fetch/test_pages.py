"""Listing pages, feed discovery, HTML decoding, and article pages with robots.txt."""

from __future__ import annotations

import pytest

from rdwatch.errors import FetchError
from rdwatch.fetch import (
    build_client,
    decode_html,
    discover_feed,
    fetch_page,
    fetch_pages,
    parse_listing,
)
from rdwatch.models import FetchedPage
from tests.fetch.helpers import fast_settings, run
from tests.fetch.servers import Server


def test_parse_listing_resolves_links_against_base_href_and_dedupes() -> None:
    html = """<html><head><base href="https://cdn.example.com/en/"></head><body>
      <div class="card"><h3>First story</h3><a href="first">read</a></div>
      <div class="card"><a href="first#comments">again</a></div>
      <div class="card"><a href="mailto:x@example.com">mail</a></div>
      <div class="card"><span>no link</span></div></body></html>"""
    items = parse_listing(html, source="s", url="https://example.com/news", selector="div.card")
    assert [(i.url, i.title) for i in items] == [("https://cdn.example.com/en/first", "read")]


def test_discover_feed_prefers_rss_or_atom_and_resolves_relative_urls() -> None:
    html = """<html><head>
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="alternate" type="application/atom+xml" href="/atom.xml">
      <link rel="stylesheet" href="/s.css"></head></html>"""
    assert discover_feed(html, "https://example.com/news/") == "https://example.com/atom.xml"
    assert discover_feed("<html></html>", "https://example.com/") is None


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ("café".encode("latin-1"), {"Content-Type": "text/html; charset=ISO-8859-1"}, "café"),
        ('<meta charset="gbk">达摩院'.encode("gbk"), {}, '<meta charset="gbk">达摩院'),
        ("达摩院".encode(), {}, "达摩院"),
        (b"\xef\xbb\xbfbom", {"Content-Type": "text/html; charset=latin-1"}, "bom"),
    ],
)
def test_decode_html(body: bytes, headers: dict[str, str], expected: str) -> None:
    assert decode_html(body, headers) == expected


def test_fetch_page_follows_redirects_and_honours_robots_txt(server: Server) -> None:
    server.route(
        "robots.txt", "User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}
    )
    server.route("old", status=301, headers={"Location": "/articles/new"})
    server.route(
        "articles/new", "<html><body>story</body></html>", headers={"Content-Type": "text/html"}
    )
    server.route("private/x", "secret")
    settings = fast_settings()

    async def go() -> dict[str, FetchedPage | FetchError]:
        async with build_client(settings) as client:
            return await fetch_pages(
                [server.url("old"), server.url("private/x"), server.url("nope")],
                settings,
                client=client,
            )

    pages = run(go())
    page = pages[server.url("old")]
    assert isinstance(page, FetchedPage) and page.final_url == server.url("articles/new")
    assert "story" in page.html
    blocked, missing = pages[server.url("private/x")], pages[server.url("nope")]
    assert isinstance(blocked, FetchError) and blocked.reason == "disallowed by robots.txt"
    assert isinstance(missing, FetchError) and missing.reason == "HTTP 404 Not Found"
    assert server.hit_paths().count("/robots.txt") == 1
    assert "/private/x" not in server.hit_paths()


def test_robots_txt_is_ignored_when_not_respected(server: Server) -> None:
    server.route("robots.txt", "User-agent: *\nDisallow: /\n")
    url = server.route("a", "<p>ok</p>")
    settings = fast_settings(respect_robots_txt=False)

    async def go() -> FetchedPage:
        async with build_client(settings) as client:
            return await fetch_page(url, settings, client=client)

    assert run(go()).html == "<p>ok</p>"
    assert "/robots.txt" not in server.hit_paths()
