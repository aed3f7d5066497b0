"""parse_feed against golden files: `tests/data/feeds/<case>.xml` + `<case>.expected.json`.

A new regression case is two new files. The expected file holds the items, the warning (a
substring, or null), the request headers to pass, and whether the fast RSS path reads the case;
every case the fast path reads is also parsed with feedparser and must give the same items.
`RDWATCH_UPDATE_GOLDEN=1 pytest tests/fetch/test_feeds.py` rewrites the items from the code
(review the diff before keeping it). Every case is also served by a local server and polled
through the real fetch path (`fetch_sources`), which must give the same items.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch.errors import FetchError
from rdwatch.fetch import parse_feed
from rdwatch.fetch.feeds import _parse_with_feedparser
from rdwatch.fetch.rss import read_plain_rss
from rdwatch.models import FeedItem
from tests.fetch.helpers import fast_settings, feed_source, poll
from tests.fetch.servers import Server

CASES = Path(__file__).resolve().parents[1] / "data" / "feeds"
FEED_URL = "https://feeds.example.com/feed.xml"


def _as_json(item: FeedItem) -> dict[str, Any]:
    return {
        "url": item.url,
        "title": item.title,
        "guid": item.guid,
        "summary": item.summary,
        "published": item.published.isoformat() if item.published else None,
        "publisher": item.publisher,
        "author": item.author,
        "headline_only": item.headline_only,
    }


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.xml")))
def test_golden_feed(case: str) -> None:
    body = (CASES / f"{case}.xml").read_bytes()
    expected_path = CASES / f"{case}.expected.json"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    headers = expected.get("headers", {})

    items, warning = parse_feed(body, source="golden", url=FEED_URL, headers=headers)
    actual = [_as_json(i) for i in items]
    fast = read_plain_rss(body, headers.get("Content-Type", "")) is not None
    if os.environ.get("RDWATCH_UPDATE_GOLDEN"):
        expected.update(items=actual, warning=warning, fast_path=fast)
        expected_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", "utf-8")

    assert actual == expected["items"]
    if expected["warning"] is None:
        assert warning is None
    else:
        assert warning is not None and expected["warning"] in warning, warning
    assert fast == expected["fast_path"]
    if fast:
        slow, _ = _parse_with_feedparser(
            body, headers.get("Content-Type", ""), source="golden", url=FEED_URL
        )
        assert [_as_json(i) for i in slow] == actual


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.xml")))
def test_golden_feed_through_the_fetch_path(case: str, server: Server) -> None:
    expected = json.loads((CASES / f"{case}.expected.json").read_text(encoding="utf-8"))
    # The server's default Content-Type is RSS in UTF-8: a case without headers gets none.
    headers = {"Content-Type": "", **expected.get("headers", {})}
    url = server.route("feed.xml", (CASES / f"{case}.xml").read_bytes(), headers=headers)
    result = poll([feed_source("golden", url)], fast_settings(max_bytes=200_000))["golden"]
    assert result.error is None, result.error
    relative = [i for i in expected["items"] if not i["url"].startswith("https://feeds.example")]
    assert [_as_json(i) for i in result.items if "127.0.0.1" not in i.url] == relative


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "", "empty response body"),
        (b"  \n", "application/xml", "empty response body"),
        (
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            "text/html",
            "not a feed (HTML page)",
        ),
        (b"<?xml version='1.0'?><rss><channel><<", "", "malformed XML"),
        (b"{not json", "application/feed+json", "malformed JSON"),
        (b'{"version": "x"}', "application/json", "not a feed (JSON without an items list)"),
    ],
)
def test_unusable_bodies_raise_a_clear_reason(body: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        parse_feed(body, source="s", url=FEED_URL, headers={"Content-Type": content_type})
    assert reason in caught.value.reason


def test_json_feed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {"id": "1", "url": "https://j.example.com/1?utm_source=x", "title": "One",
                 "date_published": "2026-11-20T09:00:00+08:00"},
                {"id": "2", "title": "no url"},
            ],
        }
    ).encode()  # fmt: skip
    items, warning = parse_feed(body, source="s", url=FEED_URL)
    assert [(i.url, i.title, i.published and i.published.hour) for i in items] == [
        ("https://j.example.com/1", "One", 1)
    ]
    assert warning is None


_xml_text = st.lists(
    st.sampled_from([*"ab 中&<>;#\"'éx1\t\n", "&amp;", "<p>", "</p>", "<b>", "&lt;", "&#38;"]),
    max_size=12,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    title=_xml_text,
    summary=_xml_text,
    date=st.sampled_from(["", "Fri, 20 Nov 2026 09:30:00 +0800", "20 Nov 2026", "garbage"]),
    author=st.one_of(st.none(), _xml_text),
)
def test_the_fast_path_reads_only_what_it_reads_exactly_like_feedparser(
    title: str, summary: str, date: str, author: str | None
) -> None:
    pub = f"<pubDate>{date}</pubDate>" if date else ""
    by = f"<author>{escape(author)}</author>" if author is not None else ""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{escape(title)}</title><link>https://e.com/a</link>"
        f"<description>{escape(summary)}</description>{pub}{by}</item></channel></rss>"
    ).encode()
    if read_plain_rss(body, "") is None:
        return
    fast, _ = parse_feed(body, source="s", url=FEED_URL)
    slow, _ = _parse_with_feedparser(body, "", source="s", url=FEED_URL)
    assert [_as_json(i) for i in fast] == [_as_json(i) for i in slow]
