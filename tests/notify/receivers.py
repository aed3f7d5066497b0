"""Real local receivers for notification tests (besides tests/servers.py's webhook receiver):
an SMTP server (aiosmtpd) that keeps every message, and an HTTP endpoint that never answers."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    def mailto(self, to: str = "analysts@example.com") -> str:
        return f"mailto://{self.host}:{self.port}?from=rdwatch@example.com&to={to}&mode=insecure"


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def serve_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(port=_free_port())
    controller = Controller(_Handler(server), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_hanging_receiver() -> Iterator[str]:
    """An HTTP endpoint that accepts a request and never answers: a sender stuck mid-delivery.

    Yields `host:port`. Nothing is recorded, so a message stuck here was never delivered.
    """
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(60)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
