"""Many local feeds on several loopback ports, each request counted: for the cluster test and bench.

`serve_farm(feeds, hosts)` serves feed n at `/feeds/n.xml` on port n % hosts of 127.0.0.1 (each
port a "host" to rdwatch, so the sources split into shards by port). What a feed holds depends
on `farm.generation`: generation g has a dull local item per generation so far (new items each
tick) plus every story of `farm.stories` that the feed carries from that generation on, the same
title and text in every feed that carries it (reprints, which rdwatch files as one story).

`farm.delay` holds every answer that many seconds (a slow site); `farm.polls()` counts the GETs
per feed since `farm.reset()`. With `validators`, feeds carry an ETag per generation and answer
304 to a matching If-None-Match. Item links point at the discard port of 127.0.0.1: the test
configs do not follow links, and nothing ever leaves the machine.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

PUBLISHED = "Fri, 20 Nov 2026 09:30:00 GMT"


@dataclass(frozen=True)
class Story:
    title: str
    text: str
    generation: int  # carried from this generation on
    feeds: frozenset[int]


# Two stories rdwatch alerts on (checked against the shipped notability rules and archive).
QUANTUM_LAB = Story(
    "DAMO Academy unveils Singapore quantum lab with US$500 million budget",
    "Alibaba's DAMO Academy announced a new quantum computing laboratory in Singapore with a "
    "US$500 million budget, its research arm said on Friday.",
    1,
    frozenset(),
)
SERVER_CHIP = Story(
    "T-Head launches Yitian 920 server chip as Alibaba commits US$1 billion to RISC-V research",
    "Alibaba's chip unit T-Head unveiled the Yitian 920 processor and said Alibaba Group will "
    "invest US$1 billion in RISC-V research over three years.",
    2,
    frozenset(),
)


@dataclass
class FeedFarm:
    feeds: int
    hosts: int
    ports: list[int] = field(default_factory=list)
    generation: int = 1
    delay: float = 0.0
    validators: bool = True
    stories: list[Story] = field(default_factory=list)
    _polls: Counter[int] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n % self.hosts]}/feeds/{n}.xml"

    def sources(self) -> list[dict[str, Any]]:
        return [
            {"name": f"feed-{n}", "kind": "feed", "url": self.url(n)} for n in range(self.feeds)
        ]

    def count(self, n: int) -> None:
        with self._lock:
            self._polls[n] += 1

    def polls(self) -> Counter[int]:
        with self._lock:
            return Counter(self._polls)

    def reset(self) -> None:
        with self._lock:
            self._polls.clear()

    def item_urls(self) -> set[str]:
        """Every item link the feeds hold at the current generation."""
        return {link for n in range(self.feeds) for link, *_ in self._items(n)}

    def body(self, n: int) -> bytes:
        items = "".join(
            f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{PUBLISHED}</pubDate><description>{escape(text)}</description></item>"
            for link, title, text in self._items(n)
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Local paper {n}</title><link>http://127.0.0.1:9/{n}/</link>"
            f"<description>feed farm</description>{items}</channel></rss>"
        ).encode()

    def _items(self, n: int) -> list[tuple[str, str, str]]:
        items = [
            (f"http://127.0.0.1:9/{n}/story-{k}.html", story.title, story.text)
            for k, story in enumerate(self.stories)
            if n in story.feeds and story.generation <= self.generation
        ]
        for g in range(1, self.generation + 1):
            items.append(
                (
                    f"http://127.0.0.1:9/{n}/council-{g}.html",
                    f"Town {n} council meeting {g} approves new cycle lanes for district {g}",
                    f"Local transport plans for town {n} move ahead after meeting {g}.",
                )
            )
        return items


@contextmanager
def serve_farm(feeds: int, hosts: int) -> Iterator[FeedFarm]:
    farm = FeedFarm(feeds, hosts)
    with ExitStack() as stack:
        for _ in range(hosts):
            farm.ports.append(stack.enter_context(_serving(farm)))
        yield farm


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-answer (the lost worker's) is part of the test


@contextmanager
def _serving(farm: FeedFarm) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            try:
                n = int(self.path.rsplit("/", 1)[1].removesuffix(".xml"))
            except ValueError:
                self._answer(404, b"", {})
                return
            farm.count(n)
            if farm.delay:
                time.sleep(farm.delay)
            headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
            if farm.validators:
                headers["ETag"] = etag = f'"{n}-{farm.generation}"'
                if self.headers.get("If-None-Match") == etag:
                    self._answer(304, b"", headers)
                    return
            self._answer(200, farm.body(n), headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
