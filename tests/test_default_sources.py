"""The shipped default sources, as a user with internet meets them, on a local replica.

Every source of `config/rdwatch.yaml` is served from 127.0.0.1 with a fixture of its format
(`FORMATS`): Google News and Bing News search feeds, WordPress and Atom feeds, Chinese RSS in
GB18030 and in UTF-8, and DAMO Academy's news page. Links to outlets in the fixtures are rewritten
to the replica, which answers any article page with a small page of its own; Google News and
Bing links are left as they are, and name resolution answers only for loopback, so a request to
either would be refused and recorded. One run stores every item with its publisher, a clean title
and a date, asks Google nothing, reads Bing's publisher pages, and keeps only watched items from
the outlets marked `filter: watched`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from rdwatch import pipeline
from rdwatch.cli import app
from rdwatch.cli.shared import console
from rdwatch.config import Config, load_config
from rdwatch.fetch import parse_feed, parse_listing
from rdwatch.models import RunSummary
from rdwatch.store import Database
from rdwatch.store.articles import export_records
from tests.loopback import loopback_only

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "rdwatch.yaml"
FEEDS = ROOT / "tests" / "data" / "feeds"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# source → (fixture, Content-Type, encoding to serve it in): the format each outlet publishes.
# The Chinese outlets' real encodings are not known here: one is served in GB18030 (with the
# text/xml many Chinese portals send), one in UTF-8, so both paths are taken.
FORMATS: dict[str, tuple[str, str, str]] = {
    "google-news-damo": ("google-news-search.xml", "application/xml; charset=UTF-8", "utf-8"),
    "google-news-alibaba-rd": ("google-news-search.xml", "application/xml; charset=UTF-8", "utf-8"),
    "google-news-t-head": ("google-news-search.xml", "application/xml; charset=UTF-8", "utf-8"),
    "google-news-qwen": ("google-news-search.xml", "application/xml; charset=UTF-8", "utf-8"),
    "google-news-damo-zh": ("google-news-search-zh.xml", "application/xml; charset=UTF-8", "utf-8"),
    "google-news-alibaba-rd-zh": (
        "google-news-search-zh.xml", "application/xml; charset=UTF-8", "utf-8"
    ),
    "bing-news-damo": ("bing-news-search.xml", "application/rss+xml; charset=utf-8", "utf-8"),
    "bing-news-qwen": ("bing-news-search.xml", "application/rss+xml; charset=utf-8", "utf-8"),
    "alizila": ("wordpress-content-encoded.xml", "application/rss+xml; charset=UTF-8", "utf-8"),
    # Its feed's flavour is not known here; a WordPress-style RSS 2.0 stands in.
    "alibaba-cloud-blog": (
        "wordpress-content-encoded.xml", "application/rss+xml; charset=UTF-8", "utf-8"
    ),
    "damo-academy-news": ("../sources/damo-news.html", "text/html; charset=utf-8", "utf-8"),
    "technode": ("wordpress-content-encoded.xml", "application/rss+xml; charset=UTF-8", "utf-8"),
    "scmp-tech": ("rss2-plain.xml", "application/rss+xml; charset=utf-8", "utf-8"),
    "pandaily": ("wordpress-content-encoded.xml", "application/rss+xml; charset=UTF-8", "utf-8"),
    "the-register": ("atom-outlet.xml", "application/atom+xml", "utf-8"),
    "36kr": ("chinese-gb18030.xml", "application/rss+xml; charset=utf-8", "utf-8"),
    "ithome": ("chinese-gb18030.xml", "text/xml", "gb18030"),
}  # fmt: skip

# What the outlets marked `filter: watched` may store: items naming a watched entity or a
# product of the source's `keep` list. The others in their fixtures are about something else.
KEPT_FROM_FILTERED = {
    "technode": {
        "T-Head shows a 64-core XuanTie server chip at its developer day",
        "Qwen team publishes a smaller coding model – and its training recipe",
    },
    "scmp-tech": {"Alibaba & DAMO Academy open a quantum lab"},
    "the-register": {"Alibaba Cloud & Qwen: a new region runs the models on local chips"},
    "36kr": {"阿里巴巴达摩院发布医疗影像新模型 𠮷城医院率先试用"},
    "ithome": {"阿里巴巴达摩院发布医疗影像新模型 𠮷城医院率先试用"},
}
# Each outlet's own items are distinct (their links are rewritten under the outlet's host), so
# pandaily, served the same WordPress fixture as technode, keeps and leaves out its own.
KEPT_FROM_FILTERED["pandaily"] = KEPT_FROM_FILTERED["technode"]
LEFT_OUT = {"technode": 1, "pandaily": 1, "scmp-tech": 2, "the-register": 1, "36kr": 1, "ithome": 1}

_OUTLET_LINK = re.compile(r"https?://([a-z0-9.-]*example[a-z0-9.-]*)", re.IGNORECASE)
_ENCODED_OUTLET_LINK = re.compile(r"https?%3a%2f%2f([a-z0-9.-]*example[a-z0-9.-]*)", re.IGNORECASE)


@dataclass
class Replica:
    """The default sources on 127.0.0.1: feeds by their configured host and path, and any other
    path answered with a small article page of the outlet."""

    base: str = ""
    feeds: dict[str, tuple[str, bytes, str]] = field(
        default_factory=dict
    )  # path → (name, body, type)
    hits: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # article path → its headline

    def local_url(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{self.base}/{parts.hostname}{parts.path}" + (
            f"?{parts.query}" if parts.query else ""
        )

    def add_source(self, name: str, url: str) -> str:
        fixture, content_type, encoding = FORMATS[name]
        raw = (FEEDS / fixture).read_bytes()
        source_encoding = "gb18030" if b'encoding="gb18030"' in raw[:100] else "utf-8"
        text = raw.decode(source_encoding)
        host = urlsplit(url).hostname
        text = _OUTLET_LINK.sub(lambda m: f"{self.base}/{host}/{m.group(1)}", text)
        encoded_base = "http%3a%2f%2f" + self.base.removeprefix("http://").replace(":", "%3a")
        text = _ENCODED_OUTLET_LINK.sub(lambda m: f"{encoded_base}%2f{host}%2f{m.group(1)}", text)
        text = text.replace('encoding="gb18030"', f'encoding="{encoding}"')
        text = text.replace('href="/', f'href="/{host}/')  # a page's site-relative links
        local = self.local_url(url)
        body = text.encode(encoding)
        self.feeds[local[len(self.base) :]] = (name, body, content_type)
        if content_type.startswith("text/html"):
            items = parse_listing(text, source=name, url=local, selector="a[href*='/news/']")
        else:
            items, _ = parse_feed(
                body, source=name, url=local, headers={"Content-Type": content_type}
            )
        self.titles.update((urlsplit(i.url).path, i.title) for i in items)
        return local


def _article_page(path: str, title: str | None) -> bytes:
    """An outlet's page for any article path: the feed's headline, a dated body."""
    parts = [p for p in path.split("/") if p]
    site = parts[0].removeprefix("www.") if parts else "replica"
    slug = re.sub(r"[^a-z0-9]+", " ", parts[-1].lower()).strip() if parts else "page"
    title = title or slug.capitalize() or "Page"
    body = (
        f"<p>{title}. This page of {site} tells the story behind the headline about {slug}, as "
        f"the replica of the outlet serves it.</p><p>Its reporters followed {slug} for a week "
        "and wrote down what they saw, in their own words.</p>"
    )
    return (
        "<html><head><meta charset='utf-8'>"
        f"<title>{title}</title><meta property='og:site_name' content='{site}'>"
        "<meta property='article:published_time' content='2026-11-19T08:00:00+00:00'>"
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


@pytest.fixture
def replica() -> Iterator[Replica]:
    state = Replica()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            state.hits.append(self.path)
            if self.path in state.feeds:  # the search feeds differ only by their query
                _, body, content_type = state.feeds[self.path]
            elif path == "/robots.txt":
                body, content_type = b"User-agent: *\nAllow: /\n", "text/plain"
            else:
                body = _article_page(path, state.titles.get(path.rstrip("/")))
                content_type = "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _replica_config(replica: Replica, tmp_path: Path) -> Config:
    shipped = load_config(CONFIG)
    assert set(FORMATS) == {s.name for s in shipped.sources}, "every default source has a format"
    sources = [
        s.model_copy(update={"url": replica.add_source(s.name, s.url)}) for s in shipped.sources
    ]
    return shipped.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'rdwatch.db'}",
            "data_dir": tmp_path / "data",
            "archive": ROOT / "config" / "archive",
            "sources": sources,
            "fetch": shipped.fetch.model_copy(
                update={"allow_private_addresses": True, "timeout_s": 5}
            ),
            "facts": shipped.facts.model_copy(
                update={
                    "gazetteer": ROOT / shipped.facts.gazetteer,
                    "rates": ROOT / shipped.facts.rates,
                }
            ),
        }
    )


def _records(config: Config) -> list[dict[str, Any]]:
    db = Database(config.database_url)
    try:
        with db.session() as session:
            return [r for r in export_records(session) if r["status"] != "archive"]
    finally:
        db.dispose()


def test_a_run_over_the_default_sources(replica: Replica, tmp_path: Path) -> None:
    config = _replica_config(replica, tmp_path)
    with loopback_only() as resolved_elsewhere:
        summary: RunSummary = pipeline.run_once(config, clock=lambda: NOW)

    assert summary.sources_failed == (), summary.sources_failed
    assert resolved_elsewhere == [], "only loopback was looked up"
    # The search feeds themselves are served from the replica; no item link of theirs is asked.
    assert not [h for h in replica.hits if "/rss/articles/" in h or "apiclick" in h]
    assert summary.extract_failures == ()
    records = _records(config)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_source.setdefault(record["source"], []).append(record)

    for record in records:  # publisher, clean title and date for every item
        assert record["publisher"] and record["publisher"] != record["source"], record
        assert record["published"], record
        assert not record["title"].endswith(f" - {record['publisher']}"), record

    google = [r for s, rs in by_source.items() if s.startswith("google-news") for r in rs]
    assert len(google) == 6 and all(r["headline_only"] for r in google)
    assert all(r["url"].startswith("https://news.google.com/rss/articles/") for r in google)
    assert {r["publisher"] for r in google} >= {"Pacific Business Review", "海港科技报"}

    bing = by_source["bing-news-damo"]
    assert {r["publisher"] for r in bing} == {"Harbour Times", "Grid Post"}
    assert not any(r["headline_only"] for r in bing)
    fetched = {urlsplit(h).path for h in replica.hits}
    assert {urlsplit(r["url"]).path for r in bing} <= fetched, "Bing's publisher pages were read"

    for source, titles in KEPT_FROM_FILTERED.items():
        stored = {r["title"] for r in by_source.get(source, [])}
        assert stored == titles, (source, stored)
    assert summary.items_filtered == sum(LEFT_OUT.values())

    damo = by_source["damo-academy-news"]
    assert {r["publisher"] for r in damo} == {"damo.alibaba.com"} and len(damo) == 2


def test_sources_check_offline_names_each_sources_kind_and_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CLI's console took its width when it was made; wide enough for a row per source.
    monkeypatch.setattr(console, "width", 200)
    result = CliRunner().invoke(app, ["sources", "check", "--offline", "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    shipped = load_config(CONFIG)
    lines = result.output.splitlines()
    for source in shipped.sources:
        [line] = [row for row in lines if f" {source.name} " in row]
        assert f" {source.kind} " in line
        assert ("watched entities" in line) == (source.filter == "watched"), line
        expected = "headline" if "news.google.com" in source.url else "page"
        assert f" {expected}" in line, line
