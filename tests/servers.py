"""Real local servers for tests: a static news site and a webhook receiver.

The site serves files from a folder, replacing `{{BASE}}` with its own base URL so fixture feeds
can link to fixture pages. The receiver records every request body it gets. Both bind to
127.0.0.1 on a free port and run in a background thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8"}


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class SiteServer:
    root: Path
    base: str = ""
    overrides: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    unavailable: dict[str, int] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"


@contextmanager
def serve_site(root: Path) -> Iterator[SiteServer]:
    """Serve `root`; `site.overrides[path] = (status, body)` changes one path's answer.

    `site.unavailable[path] = n` answers the next n requests for `path` with 503.
    """
    site = SiteServer(root=root)

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            site.hits.append(path)
            if site.unavailable.get(path, 0) > 0:
                site.unavailable[path] -= 1
                self._answer(503, b"try again later", "text/plain")
                return
            if path in site.overrides:
                status, body = site.overrides[path]
                self._answer(status, body, "text/plain")
                return
            file = (site.root / path.lstrip("/")).resolve()
            if not file.is_file() or site.root.resolve() not in file.parents:
                self._answer(404, b"not found", "text/plain")
                return
            body = file.read_text(encoding="utf-8").replace("{{BASE}}", site.base).encode()
            self._answer(200, body, _TYPES.get(file.suffix, "text/plain; charset=utf-8"))

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with _running(Handler) as port:
        site.base = f"http://127.0.0.1:{port}"
        yield site


@dataclass
class Receiver:
    """Records what apprise (or anything) POSTs to it; `fail` makes it answer 500."""

    base: str = ""
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    fail: bool = False

    def json_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    lock = threading.Lock()

    class Handler(_QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status = 500 if receiver.fail else 200
            if not receiver.fail:
                with lock:
                    receiver.requests.append((self.path, body))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    with _running(Handler) as port:
        receiver.base = f"127.0.0.1:{port}"
        yield receiver


@contextmanager
def _running(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
