"""Extraction: a page's date only from the feed or the page's metadata, never from its body text;
the publisher from the feed item's <source>, the page's site name or the registered domain; and
never a terminal escape sequence or control character in an `Article`."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

from rdwatch.extract import article_from_item, extract_article
from rdwatch.models import Article, FeedItem

BODY = (
    "<p>Zorvex Labs said on Tuesday it will open a research centre in Hangzhou with 300 "
    "engineers, its largest investment in chip design so far.</p>"
    "<p>The company was founded in 2013 and first partnered with the university in 2015.</p>"
)


def _page(head: str = "", extra: str = "") -> str:
    return (
        f"<html><head><title>Zorvex opens centre</title>{head}</head><body>"
        f"<article><h1>Zorvex opens centre</h1>{BODY}</article>{extra}"
        "<footer>© 2015 Example Media. All rights reserved.</footer></body></html>"
    )


def test_a_page_without_date_metadata_gets_no_date_from_years_in_its_text() -> None:
    related = "<aside><a href='/x'>Older story</a> January 1, 2013</aside>"
    item = FeedItem(source="wire", url="https://news.example.com/a")
    article = extract_article(_page(extra=related), item=item, url=item.url)
    assert article.published is None


def test_the_pages_metadata_date_is_used_and_the_feeds_date_wins() -> None:
    head = '<meta property="article:published_time" content="2024-02-27T08:00:00Z">'
    item = FeedItem(source="wire", url="https://news.example.com/a")
    assert extract_article(_page(head), item=item, url=item.url).published == date(2024, 2, 27)
    dated = FeedItem(source="wire", url=item.url, published=datetime(2024, 2, 28, tzinfo=UTC))
    assert extract_article(_page(head), item=dated, url=item.url).published == date(2024, 2, 28)


def test_the_publisher_is_the_items_source_else_the_site_name_else_the_domain() -> None:
    head = '<meta property="og:site_name" content="Example Daily">'
    url = "https://www.example.com/a"
    item = FeedItem(source="search-feed", url=url)
    assert extract_article(_page(head), item=item, url=url).publisher == "Example Daily"
    sourced = FeedItem(source="search-feed", url=url, publisher="Reuters")
    assert extract_article(_page(head), item=sourced, url=url).publisher == "Reuters"
    entry = FeedItem(source="search-feed", url=url, title="Zorvex opens a centre in Hangzhou")
    assert article_from_item(entry).publisher == "example.com"


def test_an_aggregator_headline_is_an_article_marked_headline_only() -> None:
    item = FeedItem(
        source="google-news-damo-zh",
        url="https://news.google.com/rss/articles/CBMiakFVX3lxTFBOT0JBZzc2S01Y?oc=5",
        title="达摩院发布新模型",  # eight characters: a whole Chinese headline
        published=datetime(2026, 11, 20, 6, 20, tzinfo=UTC),
        publisher="海港科技报",
        headline_only=True,
    )
    article = article_from_item(item)
    assert (article.title, article.text, article.publisher) == ("达摩院发布新模型",) * 2 + (
        "海港科技报",
    )
    assert article.headline_only and article.published == date(2026, 11, 20)


def test_the_feeds_author_stands_in_for_the_pages() -> None:
    item = FeedItem(source="wire", url="https://news.example.com/a", author="Lin Qiao")
    assert extract_article(_page(), item=item, url=item.url).author == "Lin Qiao"
    assert (
        article_from_item(
            FeedItem(
                source="wire", url="https://e.com/a", title="A headline long enough", author="X"
            )
        ).author
        == "X"
    )


ESC = "\x1b"
ESCAPED_BODY = (
    "Alibaba's DAMO Academy said on Tuesday it has opened a research lab for RISC-V chips in "
    "Hangzhou, hiring 200 engineers over the next two years. "
)


def _controls(article: Article) -> list[str]:
    fields = (article.title, article.text, article.author or "", article.publisher or "")
    return [
        c for f in fields for c in f if unicodedata.category(c) == "Cc" and c not in "\n\t"
    ]  # fmt: skip


def test_a_feed_entry_loses_its_escape_sequences() -> None:
    item = FeedItem(
        source="wire",
        url="http://127.0.0.1/a",
        title=f"DAMO {ESC}[31mAcademy{ESC}[0m opens a lab{ESC}]0;owned\x07\r",
        summary=f"<p>{ESCAPED_BODY}{ESC}[2J\x00</p>",
        publisher=f"Tech {ESC}[5mWire",
    )
    article = article_from_item(item)
    assert article.title == "DAMO Academy opens a lab"
    assert article.publisher == "Tech Wire"
    assert ESC not in article.text and "\x00" not in article.text
    assert "DAMO Academy opens a lab" in article.text and "RISC-V chips" in article.text
    assert not _controls(article)


def test_a_downloaded_page_loses_its_escape_sequences() -> None:
    html = (
        f'<html><head><meta name="author" content="Li {ESC}[1mWei"></head>'
        f"<body><article><p>{ESCAPED_BODY * 2}{ESC}]8;;http://x{ESC}\\link</p>"
        f"<p>{ESCAPED_BODY}\x07\x08</p></article></body></html>"
    )
    # The page has no title of its own: the feed entry's, escape sequence and all, stands in.
    item = FeedItem(source="wire", url="http://127.0.0.1/a", title=f"Lab {ESC}[31mopens")
    article = extract_article(html, item=item, url=item.url)
    assert article.title == "Lab opens"
    assert "RISC-V chips" in article.text, article.text
    assert ESC not in article.title + article.text + (article.author or "")
    assert not _controls(article), article
