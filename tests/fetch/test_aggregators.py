"""Aggregator items: which links are Google News interstitials, headlines without their
" - Publisher" suffix, and snippets without the aggregator's own links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.fetch.aggregators import aggregator_snippet, is_google_news_article, strip_publisher


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y?oc=5", True),
        ("https://news.google.com/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y", True),
        ("https://news.google.com/read/CBMiakFVX3lxTFBOT0JBZzc2S01Y?hl=en", True),
        ("https://news.google.com/rss/search?q=DAMO", False),
        ("https://www.example.com/rss/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y", False),
        ("https://news.google.com.evil.example/rss/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y", False),
        ("http://[bad", False),
    ],
)  # fmt: skip
def test_google_news_article_links(url: str, expected: bool) -> None:
    assert is_google_news_article(url) is expected


@pytest.mark.parametrize(
    ("title", "publisher", "expected"),
    [
        ("DAMO opens a lab - Reuters", "Reuters", "DAMO opens a lab"),
        ("T-Head's chip - for buyers - Harbour Tech", "Harbour Tech", "T-Head's chip - for buyers"),
        ("A headline - Reuters", "Bloomberg", "A headline - Reuters"),
        ("A headline | Tech & Markets", "Tech & Markets", "A headline"),
        (" - Reuters", "Reuters", "- Reuters"),
        ("Reuters", "Reuters", "Reuters"),
        ("达摩院发布新处理器 - 海港科技报", "海港科技报", "达摩院发布新处理器"),
        ("No publisher known - Reuters", None, "No publisher known - Reuters"),
    ],
)  # fmt: skip
def test_strip_publisher_examples(title: str, publisher: str | None, expected: str) -> None:
    assert strip_publisher(title, publisher) == expected


_words = st.text(
    alphabet=st.sampled_from(list("abcXYZ 中文-|&'.")), min_size=1, max_size=30
).filter(lambda t: t.strip())


@given(headline=_words, publisher=_words)
def test_a_suffixed_headline_comes_back_whole(headline: str, publisher: str) -> None:
    stripped = strip_publisher(f"{headline} - {publisher}", publisher)
    assert stripped == " ".join(headline.split()) or stripped.endswith(
        " ".join(publisher.split())
    )  # a headline that itself ends in " - publisher" loses only one suffix


@given(title=st.text(max_size=60), publisher=st.one_of(st.none(), st.text(max_size=20)))
def test_stripping_never_empties_a_title_and_only_cuts_its_end(
    title: str, publisher: str | None
) -> None:
    stripped = strip_publisher(title, publisher)
    normalised = " ".join(title.split())
    assert normalised.startswith(stripped)
    assert bool(stripped) == bool(normalised)


def test_a_google_description_of_links_is_no_snippet() -> None:
    description = (
        '<a href="https://news.google.com/rss/articles/X">DAMO opens a lab</a>&nbsp;&nbsp;'
        '<font color="#6f6f6f">Reuters</font>'
    )
    assert aggregator_snippet(description, "DAMO opens a lab", "Reuters") == ""
    cluster = (
        '<ol><li><a href="https://news.google.com/rss/articles/X">DAMO opens a lab</a>&nbsp;'
        '<font color="#6f6f6f">Reuters</font></li><li><a href="…">Other outlet\'s headline</a>'
        "</li></ol>"
    )
    assert aggregator_snippet(cluster, "DAMO opens a lab", "Reuters") == ""


def test_text_beyond_the_links_is_the_snippet() -> None:
    description = (
        '<a href="https://news.google.com/rss/articles/X">DAMO opens a lab</a>'
        "<p>The lab will hire 120 researchers over three years.</p>"
    )
    assert aggregator_snippet(description, "DAMO opens a lab", "Reuters") == (
        "The lab will hire 120 researchers over three years."
    )
    assert aggregator_snippet("", "t", "p") == ""
