"""Extraction: an `Article` never carries a terminal escape sequence or control character."""

from __future__ import annotations

import unicodedata

from rdwatch.extract import article_from_item, extract_article
from rdwatch.models import Article, FeedItem

ESC = "\x1b"
BODY = (
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
        summary=f"<p>{BODY}{ESC}[2J\x00</p>",
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
        f"<body><article><p>{BODY * 2}{ESC}]8;;http://x{ESC}\\link</p>"
        f"<p>{BODY}\x07\x08</p></article></body></html>"
    )
    # The page has no title of its own: the feed entry's, escape sequence and all, stands in.
    item = FeedItem(source="wire", url="http://127.0.0.1/a", title=f"Lab {ESC}[31mopens")
    article = extract_article(html, item=item, url=item.url)
    assert article.title == "Lab opens"
    assert "RISC-V chips" in article.text, article.text
    assert ESC not in article.title + article.text + (article.author or "")
    assert not _controls(article), article
