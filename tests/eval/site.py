"""The corpus served as the web serves it: one RSS feed per outlet, each article a page with its
text as paragraphs inside ordinary site navigation, a related-links box and a footer.

A feed item carries a date only where the corpus has one (`published`), and so does the page's
metadata. What the feeds list can change between runs (`publish`), so a corpus can be delivered
in waves. Loopback only.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.eval.corpus import CorpusArticle

_SLUG = re.compile(r"[^a-z0-9]+")
_NAV = ("Home", "World", "Business", "Technology", "Markets", "Opinion", "Video", "Subscribe")


def outlet_name(article: CorpusArticle) -> str:
    """The publisher's name as its pages would give it: "Metro", not "Metro (reprint)"."""
    return article.outlet.split(" (")[0].strip()


def outlet_slug(article: CorpusArticle) -> str:
    return _SLUG.sub("-", article.outlet.lower()).strip("-")[:40] or f"outlet-{article.id}"


def article_path(article: CorpusArticle) -> str:
    return f"/{outlet_slug(article)}/articles/{article.id}.html"


def feed_path(slug: str) -> str:
    return f"/{slug}/feed.xml"


def render_page(article: CorpusArticle) -> str:
    name = html.escape(outlet_name(article))
    title = html.escape(article.title)
    meta = [
        f'<meta property="og:site_name" content="{name}">',
        f'<meta property="og:title" content="{title}">',
    ]
    if article.published:
        meta.append(f'<meta property="article:published_time" content="{article.published}">')
    paragraphs = "\n".join(
        f"<p>{html.escape(line.strip())}</p>" for line in article.text.splitlines() if line.strip()
    )
    nav = " ".join(f'<a href="/{outlet_slug(article)}/{n.lower()}">{n}</a>' for n in _NAV)
    return f"""<!doctype html>
<html lang="{article.lang}"><head><meta charset="utf-8"><title>{title} | {name}</title>
{chr(10).join(meta)}
</head><body>
<header><a class="logo" href="/">{name}</a><nav>{nav}</nav></header>
<main><article><h1>{title}</h1>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Markets wrap: stocks end the week higher</a></li>
<li><a href="/b">Weather: a cold front moves in</a></li></ul></aside></main>
<footer><p>&copy; {name}. All rights reserved.</p><p><a href="/privacy">Privacy policy</a>
<a href="/terms">Terms of use</a> <a href="/contact">Contact us</a></p></footer>
</body></html>"""


def render_feed(base: str, slug: str, articles: Iterable[CorpusArticle]) -> str:
    items = []
    name = ""
    for article in articles:
        name = outlet_name(article)
        pub = ""
        if article.published:
            moment = datetime.combine(article.published, time(8, 0), tzinfo=UTC)
            pub = f"<pubDate>{format_datetime(moment)}</pubDate>"
        items.append(
            f"<item><title>{html.escape(article.title)}</title>"
            f"<link>{base}{article_path(article)}</link>"
            f'<guid isPermaLink="false">corpus-{article.id}</guid>{pub}</item>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(name)}</title><link>{base}/{slug}/</link>"
        f"<description>News</description>{''.join(items)}</channel></rss>"
    )


class CorpusSite:
    """Pages for every article; feeds list only the published ones."""

    def __init__(self, articles: Iterable[CorpusArticle]) -> None:
        self.articles = {article_path(a): a for a in articles}
        self.slugs = sorted({outlet_slug(a) for a in self.articles.values()})
        self.published: set[str] = set()
        self.base = ""

    def publish(self, articles: Iterable[CorpusArticle]) -> None:
        self.published |= {a.id for a in articles}

    def feed_urls(self) -> dict[str, str]:
        return {slug: f"{self.base}{feed_path(slug)}" for slug in self.slugs}

    def answer(self, path: str) -> tuple[int, str, str]:
        if path in self.articles:
            return 200, "text/html; charset=utf-8", render_page(self.articles[path])
        slug = path.strip("/").split("/")[0]
        if path == feed_path(slug) and slug in self.slugs:
            listed = [
                a
                for a in self.articles.values()
                if outlet_slug(a) == slug and a.id in self.published
            ]
            return 200, "application/rss+xml; charset=utf-8", render_feed(self.base, slug, listed)
        return 404, "text/plain", "not found"


@contextmanager
def serve(site: CorpusSite) -> Iterator[CorpusSite]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, kind, body = site.answer(urlsplit(self.path).path)
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
