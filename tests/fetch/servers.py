"""A programmable local HTTP server for fetch tests.

`serve()` starts a ThreadingHTTPServer on 127.0.0.1; `server.route(path, ...)` says how one path
answers: status, headers, body, a delay before answering, a slow drip of the body, conditional
GET (304 when If-None-Match / If-Modified-Since match), or no Content-Length at all. Every request
is recorded (path, headers) and the number of requests in flight at once is tracked, so tests can
check concurrency limits.
"""

from __future__ import annotations

import functools
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import brotli


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line
    drip_s: float = 0.0  # between one-byte... chunks of the body
    drip_chunk: int = 1
    etag: str | None = None
    last_modified: str | None = None
    content_length: bool = True


@dataclass
class Server:
    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def route(self, path: str, body: bytes | str = b"", **options: Any) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes["/" + path.lstrip("/")] = Route(body=data, **options)
        return self.url(path)

    def hit_paths(self) -> list[str]:
        return [path for path, _ in self.hits]


class _Handler(BaseHTTPRequestHandler):
    server_state: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server_state
        with state.lock:
            state.hits.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self._answer(state.routes.get(urlsplit(self.path).path))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, timeout): expected in these tests
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, route: Route | None) -> None:
        if route is None:
            route = Route(status=404, body=b"not found")
        time.sleep(route.delay_s)
        if self._not_modified(route):
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(route.status)
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", **route.headers}
        for name, value in self._validators(route).items():
            headers.setdefault(name, value)
        if route.content_length:
            headers["Content-Length"] = str(len(route.body))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._write_body(route)

    def _not_modified(self, route: Route) -> bool:
        etag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        return bool(
            (route.etag and etag == route.etag)
            or (route.last_modified and since == route.last_modified)
        )

    def _validators(self, route: Route) -> dict[str, str]:
        found = {"ETag": route.etag, "Last-Modified": route.last_modified}
        return {k: v for k, v in found.items() if v}

    def _write_body(self, route: Route) -> None:
        if not route.drip_s:
            self.wfile.write(route.body)
            return
        for start in range(0, len(route.body), route.drip_chunk):
            self.wfile.write(route.body[start : start + route.drip_chunk])
            self.wfile.flush()
            time.sleep(route.drip_s)


@contextmanager
def serve() -> Iterator[Server]:
    state = Server()
    handler = type("Handler", (_Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def refused_url() -> str:
    """A URL on a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


@functools.cache
def gzip_bomb(decoded_size: int, *, wbits: int = 31) -> bytes:
    """A gzip body of `decoded_size` zero bytes (about a thousandth of that on the wire).

    `wbits=15` makes it zlib-wrapped deflate, `-15` raw deflate.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * 1_000_000
    parts = [compressor.compress(block) for _ in range(decoded_size // len(block))]
    return b"".join([*parts, compressor.flush()])


@functools.cache
def brotli_bomb(decoded_size: int) -> bytes:
    """A Brotli body of `decoded_size` zero bytes: under 2 KB for a gibibyte, built a megabyte
    at a time."""
    compressor = brotli.Compressor(quality=5)
    block = b"\0" * 1_048_576
    parts = [compressor.process(block) for _ in range(decoded_size // len(block))]
    return b"".join([*parts, compressor.finish()])


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


def rss(*items: tuple[str, str], title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    """A small RSS 2.0 feed of (title, link) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Fri, 20 Nov 2026 09:30:00 GMT</pubDate></item>"
        for t, link in items
    )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.com/</link>{entries}</channel></rss>"
    )
    return text.encode(encoding)


SMALL_FEED = rss(("DAMO Academy opens lab", "http://example.com/news/lab?utm_source=rss"))


def bad_sources(server: Server, busy: Server) -> dict[str, tuple[str, str]]:
    """Thirteen ways for a source to fail: name → (URL, expected fragment of its error).

    The throttled source has a host of its own (`busy`): its Retry-After holds for its whole
    host. "drip" times out only with a timeout under ~2 s; re-route it with a `delay_s` to make
    it slow at any timeout.
    """
    server.route("loop-a", status=302, headers={"Location": "/loop-b"})
    server.route("loop-b", status=302, headers={"Location": "/loop-a"})
    html = b"<!doctype html><html><body>hi</body></html>"
    cases = {
        "malformed": (server.route("bad.xml", b"<?xml version='1.0'?><rss><<>>"), "malformed XML"),
        "empty": (server.route("empty.xml", b""), "empty response body"),
        "html": (
            server.route("page.html", html, headers={"Content-Type": "text/html; charset=utf-8"}),
            "not a feed (HTML page)",
        ),
        "huge": (server.route("huge.xml", b"<rss>" + b"x" * 500_000), "larger than 50000 bytes"),
        "huge-chunked": (
            server.route("huge2.xml", b"<rss>" + b"x" * 500_000, content_length=False),
            "larger than 50000 bytes",
        ),
        "bomb": (
            server.route("bomb.xml", gzip_bomb(50_000_000), headers={"Content-Encoding": "gzip"}),
            "larger than 50000 bytes",
        ),
        "loop": (server.url("loop-a"), "redirect loop"),
        "drip": (
            server.route("drip.xml", SMALL_FEED, drip_s=0.05, drip_chunk=10),
            "timed out after",
        ),
        "missing": (server.url("nothing-here.xml"), "HTTP 404 Not Found"),
        "gone": (server.route("gone.xml", status=410), "HTTP 410 Gone"),
        "throttled": (
            busy.route("busy.xml", status=429, headers={"Retry-After": "3600"}),
            "HTTP 429 Too Many Requests (retry after 3600s)",
        ),
        "broken": (server.route("500.xml", status=500), "HTTP 500 Internal Server Error"),
        "refused": (refused_url(), "connection refused"),
    }
    return cases
