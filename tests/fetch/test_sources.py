"""fetch_sources against misbehaving local servers: each bad source fails alone and clearly."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from rdwatch.models import SourceState
from tests.fetch.helpers import NOW, fast_settings, feed_source, poll
from tests.fetch.servers import Server, bad_sources, rss, serve

GOOD = rss(("DAMO Academy opens lab", "http://example.com/news/lab?utm_source=rss"))
OTHER = rss(("Alibaba Cloud update", "http://example.org/cloud"))


# bad_sources' names by the kind of failure each must be.
KINDS = {
    "transient": {"drip", "broken", "refused"},
    "throttled": {"throttled"},
    "gone": {"gone"},
    "bad": {"malformed", "empty", "html", "huge", "huge-chunked", "bomb", "loop", "missing"},
}


def test_each_bad_source_fails_alone_with_a_clear_reason_and_kind(server: Server) -> None:
    with serve() as busy:
        _check_bad_sources(server, busy)
    assert busy.hit_paths().count("/busy.xml") == 1


def _check_bad_sources(server: Server, busy: Server) -> None:
    cases = bad_sources(server, busy)
    sources = [feed_source(name, url) for name, (url, _) in cases.items()]
    sources += [
        feed_source("good", server.route("good.xml", GOOD)),
        feed_source("other", server.route("other.xml", OTHER)),
    ]

    results = poll(sources, fast_settings(retries=1))

    for name, (_, expected) in cases.items():
        assert results[name].error is not None, (name, results[name])
        assert expected in results[name].error, (name, results[name].error)
        assert not results[name].items
    assert [i.url for i in results["good"].items] == ["http://example.com/news/lab"]
    assert [i.title for i in results["other"].items] == ["Alibaba Cloud update"]
    kinds = {name: str(results[name].failure) for name in cases}
    assert kinds == {name: kind for kind, names in KINDS.items() for name in names}, kinds
    assert results["gone"].gone and not results["missing"].gone
    assert results["throttled"].retry_after_s == 3600
    # A long Retry-After is not waited for nor retried within the run; a 500 is retried once,
    # a timed-out attempt not at all.
    assert server.hit_paths().count("/500.xml") == 2
    assert server.hit_paths().count("/drip.xml") == 1


def test_wrong_or_missing_charset_still_yields_items_with_a_warning(server: Server) -> None:
    latin = rss(("Café résumé", "http://example.com/cafe"), encoding="latin-1")
    wrong = server.route("wrong.xml", latin.replace(b"latin-1", b"utf-8"))
    missing = server.route(
        "missing.xml",
        latin.replace(b' encoding="latin-1"', b""),
        headers={"Content-Type": "application/xml"},
    )
    chinese = rss(("阿里巴巴达摩院", "http://example.com/damo"), encoding="gb18030")
    header_lies = server.route(
        "gb.xml", chinese, headers={"Content-Type": "text/xml; charset=utf-8"}
    )

    results = poll(
        [
            feed_source("wrong", wrong),
            feed_source("missing", missing),
            feed_source("gb", header_lies),
        ],
        fast_settings(),
    )

    assert [i.title for i in results["wrong"].items] == ["Café résumé"]
    assert [i.title for i in results["missing"].items] == ["Café résumé"]
    assert [i.title for i in results["gb"].items] == ["阿里巴巴达摩院"]
    for result in results.values():
        assert result.ok and "encoding" in (result.warning or ""), result


def test_a_truncated_feed_yields_what_it_can_and_warns(server: Server) -> None:
    body = rss(("First", "http://example.com/1"), ("Second", "http://example.com/2"))[:-40]
    results = poll([feed_source("cut", server.route("cut.xml", body))], fast_settings())
    assert [i.title for i in results["cut"].items] == ["First", "Second"]
    assert "not well-formed" in (results["cut"].warning or "")


def test_503_retry_after_within_the_timeout_is_waited_for_and_retried(server: Server) -> None:
    url = server.route("flaky.xml", status=503, headers={"Retry-After": "0"})
    results = poll([feed_source("flaky", url)], fast_settings(retries=2))
    assert results["flaky"].error == "HTTP 503 Service Unavailable (retry after 0s)"
    assert server.hit_paths().count("/flaky.xml") == 3


def test_conditional_get_sends_validators_and_304_is_not_modified(server: Server) -> None:
    url = server.route("feed.xml", GOOD, etag='"v1"', last_modified="Fri, 20 Nov 2026 09:30:00 GMT")
    first = poll([feed_source("f", url)], fast_settings())["f"]
    assert first.etag == '"v1"' and first.last_modified and first.items

    state = SourceState("f", etag=first.etag, last_modified=first.last_modified)
    second = poll([feed_source("f", url)], fast_settings(), {"f": state})["f"]

    assert second.ok and second.not_modified and second.status_code == 304 and not second.items
    sent = server.hits[-1][1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Fri, 20 Nov 2026 09:30:00 GMT"


def test_unchanged_body_without_validators_is_not_parsed_again(server: Server) -> None:
    url = server.route("plain.xml", GOOD)
    first = poll([feed_source("p", url)], fast_settings())["p"]
    state = SourceState("p", body_hash=first.body_hash)
    second = poll([feed_source("p", url)], fast_settings(), {"p": state})["p"]
    assert first.items and first.body_hash
    assert second.not_modified and not second.items and second.body_hash == first.body_hash


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (SourceState("s", hold_until=NOW + timedelta(hours=1)), "skipped: backoff until 2026-11"),
        (SourceState("s", gone=True), "skipped: source is gone"),
    ],
)  # fmt: skip
def test_sources_in_backoff_or_gone_are_skipped(
    server: Server, state: SourceState, expected: str
) -> None:
    url = server.route("feed.xml", GOOD)
    result = poll([feed_source("s", url)], fast_settings(), {"s": state})["s"]
    assert result.ok and (result.warning or "").startswith(expected) and not result.items
    assert server.hits == []


def test_disabled_sources_are_not_polled_and_backoff_past_is_polled(server: Server) -> None:
    url = server.route("feed.xml", GOOD)
    state = SourceState("on", hold_until=NOW - timedelta(minutes=1))
    results = poll(
        [feed_source("on", url), feed_source("off", url, enabled=False)],
        fast_settings(),
        {"on": state},
    )
    assert list(results) == ["on"] and results["on"].items


def test_items_older_than_max_age_are_dropped(server: Server) -> None:
    body = GOOD.replace(b"Fri, 20 Nov 2026", b"Mon, 20 Nov 2023")
    url = server.route("old.xml", body)
    assert poll([feed_source("o", url)], fast_settings(max_age_days=30))["o"].items == ()
    assert len(poll([feed_source("o", url)], fast_settings(max_age_days=None))["o"].items) == 1


def _google_news_id(url: str) -> str:
    """A classic-format Google News article id: a base64 protobuf holding the publisher URL."""
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_google_news_links_resolve_to_the_publisher(server: Server) -> None:
    article_id = _google_news_id("https://www.example.com/news/damo-lab-opens?utm_source=gn")
    body = rss(
        ("Via redirect", "https://news.google.com/url?url=https://www.reuters.com/tech/damo&amp;ct=ga"),
        ("Via article id", f"https://news.google.com/rss/articles/{article_id}?oc=5"),
        ("New-style id", "https://news.google.com/rss/articles/AU_yqLxyz?oc=5"),
    )  # fmt: skip
    result = poll([feed_source("gn", server.route("gn.xml", body))], fast_settings())["gn"]
    assert [i.url for i in result.items] == [
        "https://www.reuters.com/tech/damo",
        "https://www.example.com/news/damo-lab-opens",
        "https://news.google.com/rss/articles/AU_yqLxyz?oc=5",
    ]


def test_page_sources_use_the_selector_and_resolve_relative_links(server: Server) -> None:
    html = """<html><body>
      <article><h2><a href="/news/one?utm_medium=x">One</a></h2></article>
      <article><h2><a href="two.html">Two</a></h2></article>
      <nav><a href="/about">About</a></nav></body></html>"""
    url = server.route("newsroom/", html, headers={"Content-Type": "text/html"})
    source = feed_source("room", url, kind="page", item_selector="article h2 a")
    result = poll([source], fast_settings())["room"]
    assert [(i.title, i.url) for i in result.items] == [
        ("One", server.url("news/one")),
        ("Two", server.url("newsroom/two.html")),
    ]


def test_a_page_source_whose_selector_matches_nothing_fails(server: Server) -> None:
    url = server.route("room", "<html><body><p>redesigned</p></body></html>")
    source = feed_source("room", url, kind="page", item_selector="article a")
    result = poll([source], fast_settings())["room"]
    assert result.error == "selector 'article a' matched no article links"
