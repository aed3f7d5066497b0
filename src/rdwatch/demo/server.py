"""A small local web server for the bundled demo news world.

It serves files from a stack of folders (the first that has the path wins), so a later "wave"
folder can add and replace files of an earlier one. `{{BASE}}` in any served file becomes the
server's own base URL, so feeds can link to their pages wherever the server listens.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONTENT_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8"}


class NewsWorld:
    """The folders currently served; `show(...)` switches to another wave."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = list(roots)
        self.base = ""

    def show(self, roots: Sequence[Path]) -> None:
        self.roots = list(roots)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def find(self, path: str) -> Path | None:
        for root in self.roots:
            candidate = (root / path.lstrip("/")).resolve()
            if candidate.is_file() and root.resolve() in candidate.parents:
                return candidate
        return None


@contextmanager
def serve_world(roots: Sequence[Path]) -> Iterator[NewsWorld]:
    """Serve the folders on 127.0.0.1 at a free port until the context ends."""
    world = NewsWorld(roots)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            file = world.find(urlsplit(self.path).path)
            if file is None:
                self._answer(404, b"not found", "text/plain")
                return
            body = file.read_text(encoding="utf-8").replace("{{BASE}}", world.base)
            self._answer(200, body.encode("utf-8"), CONTENT_TYPES.get(file.suffix, "text/plain"))

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    world.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield world
    finally:
        server.shutdown()
        server.server_close()
