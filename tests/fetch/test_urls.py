"""canonical_url: examples of every folding rule, then properties over generated URLs."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.fetch import canonical_url, resolve_aggregator_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b/?utm_source=x&id=3#top", "http://example.com/a/b?id=3"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&b=2&a=1", "https://example.com/x?a=1&b=2"),
        ("https://m.example.com/news/1", "https://example.com/news/1"),
        ("https://mobile.example.co.uk/news/1", "https://example.co.uk/news/1"),
        ("https://amp.example.com/news/1", "https://example.com/news/1"),
        ("https://example.com/news/1/amp/", "https://example.com/news/1"),
        ("https://example.com/amp/news/1", "https://example.com/news/1"),
        ("https://example.com/news/1.amp.html", "https://example.com/news/1.html"),
        ("https://example.com/news/1?amp=1", "https://example.com/news/1"),
        ("https://example.com/news/1?outputType=amp", "https://example.com/news/1"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://m.com/a", "https://m.com/a"),
        ("http://[::1]:80/a", "http://[::1]/a"),
    ],
)  # fmt: skip
def test_canonical_url_examples(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<link rel="canonical" href="https://example.com/story?utm_medium=x">', "https://example.com/story"),
        ('<link rel="canonical" href="/story-1">', "https://m.example.com/story-1"),
        ('<link rel="canonical" href="https://example.com/">', "https://m.example.com/amp/story"),
        ('<link rel="canonical" href="javascript:alert(1)">', "https://m.example.com/amp/story"),
        ("<p>no canonical</p>", "https://m.example.com/amp/story"),
    ],
)  # fmt: skip
def test_link_rel_canonical_is_honoured_when_usable(html: str, expected: str) -> None:
    page = f"<html><head>{html}</head><body></body></html>"
    assert canonical_url("https://m.example.com/amp/story", page) == canonical_url(expected)


def test_aggregator_links_resolve_offline_when_possible() -> None:
    url = "https://www.example.com/a?x=1"
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    article_id = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert resolve_aggregator_url(f"https://news.google.com/rss/articles/{article_id}") == url
    assert (
        resolve_aggregator_url("https://www.google.com/url?q=https://e.com/x&sa=U")
        == "https://e.com/x"
    )
    assert (
        resolve_aggregator_url("https://example.com/?url=https://e.com/x")
        == "https://example.com/?url=https://e.com/x"
    )
    assert (
        resolve_aggregator_url("https://news.google.com/rss/articles/!!")
        == "https://news.google.com/rss/articles/!!"
    )


def test_a_classic_google_news_id_yields_exactly_its_url_field() -> None:
    # The pre-2024 ids are protobufs; the field after the URL (an AMP link, say) starts with
    # printable bytes, which a pattern over the raw bytes would have run into.
    url, amp = "https://www.example.com/a", "https://amp.example.com/a"
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode()
    raw += b"\x2a" + bytes([len(amp)]) + amp.encode()
    article_id = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert resolve_aggregator_url(f"https://news.google.com/rss/articles/{article_id}") == url
    opaque = base64.urlsafe_b64encode(b"\x08\x13\x22\x0bAU_yqLxyz12").decode().rstrip("=")
    link = f"https://news.google.com/rss/articles/{opaque}?oc=5"
    assert resolve_aggregator_url(link) == link


def test_bing_news_apiclick_links_name_the_publisher() -> None:
    link = (
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=6A1F&url=https%3a%2f%2f"
        "www.example.com%2ftech%2fdamo%3fref%3drss&c=441&mkt=en-us"
    )
    assert resolve_aggregator_url(link) == "https://www.example.com/tech/damo?ref=rss"


TRACKING = [
    "utm_source",
    "utm_campaign",
    "UTM_Medium",
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "msclkid",
]
_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%+!$'()*,;:@", max_size=12)
_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@st.composite
def http_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = ".".join(draw(st.lists(_labels, min_size=1, max_size=4)))
    host = draw(st.sampled_from(["", "www.", "m.", "amp.", "mobile."])) + host
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(
        draw(st.lists(st.one_of(_text, st.just("amp"), st.just("x.amp.html")), max_size=4))
    )
    names = st.one_of(st.sampled_from([*TRACKING, "amp", "id", "q", "page"]), _text)
    params = draw(st.lists(st.tuples(names, _text), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return (
        f"{scheme}://{host.upper() if draw(st.booleans()) else host}{port}/{path}"
        + (f"?{query}" if query else "")
        + fragment
    )


@given(http_urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(http_urls())
def test_tracking_parameters_and_fragments_never_survive(url: str) -> None:
    result = urlsplit(canonical_url(url))
    names = {k.lower() for k, _ in parse_qsl(result.query, keep_blank_values=True)}
    assert not any(
        n.startswith(("utm_", "mc_")) or n in {"fbclid", "gclid", "msclkid"} for n in names
    )
    assert result.fragment == "" and result.scheme in ("http", "https")
    assert result.netloc == result.netloc.lower()


@given(st.text(max_size=60))
def test_canonical_url_never_raises_on_any_http_prefixed_text(tail: str) -> None:
    canonical_url("http://" + tail)
    canonical_url("https://example.com/" + tail, html=f"<link rel=canonical href='{tail}'>")
