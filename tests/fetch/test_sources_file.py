"""add_source_to_config keeps the config file's comments and refuses duplicate names;
add_discovered_source finds a page's feed over real HTTP (a local server) before adding it."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from rdwatch.config import parse_config
from rdwatch.errors import BlockedAddressError, ConfigError, FetchError, RdwatchError
from rdwatch.sources_file import add_discovered_source, add_source_to_config, source_name_for
from tests.fetch.helpers import fast_settings
from tests.fetch.servers import Server, refused_url, rss

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
# rdwatch config — hand-written
database_url: sqlite:///data/rdwatch.db   # keep me
sources:
  - name: google-news-damo   # the main one
    kind: feed
    url: "https://news.google.com/rss/search?q=%22DAMO+Academy%22"
fetch:
  timeout_s: 20
"""


def test_adding_a_source_keeps_comments_and_existing_entries(tmp_path: Path) -> None:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    add_source_to_config(path, "damo-blog", "https://damo.example.com/feed.xml", "feed")
    text = path.read_text(encoding="utf-8")
    assert "# rdwatch config — hand-written" in text and "# keep me" in text
    assert "# the main one" in text
    data = yaml.safe_load(text)
    assert [s["name"] for s in data["sources"]] == ["google-news-damo", "damo-blog"]
    assert data["sources"][1] == {
        "name": "damo-blog",
        "kind": "feed",
        "url": "https://damo.example.com/feed.xml",
    }
    assert data["fetch"] == {"timeout_s": 20}


def test_the_shipped_config_only_gains_the_new_lines(tmp_path: Path) -> None:
    """Layout survives too: list indentation, quoting, and the blank line before `fetch:`."""
    shipped = (ROOT / "config" / "rdwatch.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rdwatch.yaml"
    path.write_text(shipped, encoding="utf-8")
    add_source_to_config(path, "damo-blog", "https://damo.example.com/feed.xml")
    before, after = shipped.splitlines(), path.read_text(encoding="utf-8").splitlines()
    added = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
    assert added == [
        "+   - name: damo-blog",
        "+     kind: feed",
        "+     url: https://damo.example.com/feed.xml",
    ]
    gap = after.index("  - name: damo-blog") + 3
    assert after[gap] == "" and after[gap + 1].startswith("fetch:")


def test_duplicate_names_and_bad_urls_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(ConfigError, match="already exists"):
        add_source_to_config(path, "google-news-damo", "https://x.example.com/feed")
    with pytest.raises(ConfigError, match="already configured as source 'google-news-damo'"):
        add_source_to_config(
            path, "again", "https://news.google.com/rss/search?q=%22DAMO+Academy%22"
        )
    with pytest.raises(ValueError, match="http"):
        add_source_to_config(path, "bad", "ftp://x.example.com/feed")
    assert path.read_text(encoding="utf-8") == CONFIG


# --- add_discovered_source: find the feed over real HTTP, then add it ---

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = """<!doctype html><html><head><title>Newsroom</title>
<link rel="alternate" type="application/atom+xml" href="/feeds/news.atom">
</head><body><main><article><h2><a href="/news/1.html">One</a></h2></article>
<article><h2><a href="/news/2.html">Two</a></h2></article></main></body></html>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Newsroom</title><id>urn:x</id>
<updated>2026-11-20T09:30:00Z</updated>
<entry><title>One</title><link href="http://example.com/news/1.html"/><id>urn:1</id>
<updated>2026-11-20T09:30:00Z</updated></entry></feed>"""


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_pages_advertised_feed_is_added_with_comments_kept(
    tmp_path: Path, server: Server
) -> None:
    path = config_file(tmp_path)
    page = server.route("newsroom/", PAGE, headers=HTML)
    server.route("feeds/news.atom", ATOM, headers={"Content-Type": "application/atom+xml"})
    added = add_discovered_source(path, page, fast_settings())
    assert added.source.url == server.url("feeds/news.atom")  # relative href resolved
    assert added.found_on == page and added.items == 1
    assert added.source.name == "127-0-0-1"  # from the host
    text = path.read_text(encoding="utf-8")
    assert "# rdwatch config — hand-written" in text and "# the main one" in text
    data = yaml.safe_load(text)
    assert data["sources"][1] == {"name": "127-0-0-1", "kind": "feed", "url": added.source.url}
    assert [s.name for s in parse_config(data).sources] == ["google-news-damo", "127-0-0-1"]


def test_a_feed_url_is_added_as_it_is(tmp_path: Path, server: Server) -> None:
    path = config_file(tmp_path)
    feed = server.route("feed.xml", rss(("One", "http://example.com/1")))
    added = add_discovered_source(path, feed, fast_settings(), name="wire")
    assert (added.source.name, added.source.url, added.found_on) == ("wire", feed, None)


def test_a_page_source_needs_a_selector_that_finds_links(tmp_path: Path, server: Server) -> None:
    path = config_file(tmp_path)
    page = server.route("newsroom/", PAGE, headers=HTML)
    added = add_discovered_source(
        path, page, fast_settings(), name="room", kind="page", item_selector="article h2 a"
    )
    assert added.items == 2 and added.source.kind == "page"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["sources"][1]["item_selector"] == (
        "article h2 a"
    )
    with pytest.raises(RdwatchError, match="matches no article link"):
        add_discovered_source(
            path, page, fast_settings(), name="r2", kind="page", item_selector="x"
        )
    with pytest.raises(ConfigError, match="item_selector"):
        add_discovered_source(path, page, fast_settings(), name="r3", kind="page")


def test_clear_errors_leave_the_file_untouched(tmp_path: Path, server: Server) -> None:
    path = config_file(tmp_path)
    bare = server.route("bare.html", "<html><head></head><body>hi</body></html>", headers=HTML)
    with pytest.raises(RdwatchError, match="no feed found"):
        add_discovered_source(path, bare, fast_settings())
    with pytest.raises(ConfigError, match="already exists"):
        add_discovered_source(path, bare, fast_settings(), name="google-news-damo")
    assert server.hit_paths() == ["/bare.html"]  # a taken name fails before any request
    with pytest.raises(FetchError, match="connection refused"):
        add_discovered_source(path, refused_url(), fast_settings())
    with pytest.raises(FetchError, match="HTTP 404"):
        add_discovered_source(path, server.url("missing"), fast_settings())
    with pytest.raises(BlockedAddressError):
        add_discovered_source(path, bare, fast_settings(allow_private_addresses=False))
    assert path.read_text(encoding="utf-8") == CONFIG


def test_source_names_come_from_the_host() -> None:
    assert source_name_for("https://www.Example.co.uk/news?x=1") == "example-co-uk"
    assert source_name_for("http://127.0.0.1:8080/") == "127-0-0-1"
