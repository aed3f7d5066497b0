"""Fixtures for notification tests: a local SMTP server, pipelines wired to local channels,
articles to alert on, and an interceptor for public chat services (their payloads are kept, never
sent). Stories are stored with `pipeline.ingest` (no fetching needed)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.models import Article
from tests.conftest import make_config_data
from tests.notify.receivers import SmtpServer, serve_smtp

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class Clock:
    """A settable clock: tests move time forward to get past retry backoff and claim leases."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def notable_article(title: str = "", *, url: str = "https://news.example/damo-quantum") -> Article:
    return Article(
        url=url,
        title=title or "DAMO Academy unveils Singapore quantum lab with US$500 million budget",
        text=(
            "Alibaba's DAMO Academy said on Friday it will set up a quantum computing "
            "laboratory in Singapore, committing US$500 million over the next five years. The "
            "new lab will "
            "employ 200 researchers by 2028 and focus on superconducting qubits and error "
            "correction, the academy said in a statement."
        ),
        source="asia-tech-ledger",
    )


def config_data(tmp_path: Path, channels: list[dict[str, Any]], **alerts: Any) -> dict[str, Any]:
    return make_config_data(tmp_path, alerts={"channels": channels, **alerts})


def open_pipeline(
    tmp_path: Path, channels: list[dict[str, Any]], clock: Clock | None = None, **alerts: Any
) -> core.Pipeline:
    config = parse_config(config_data(tmp_path, channels, **alerts))
    return core.open_pipeline(config, clock=clock or Clock())


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with serve_smtp() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Intercepted:
    """HTTP requests apprise tried to make to a public service, kept instead of sent."""

    requests: list[tuple[str, str]] = field(default_factory=list)  # (url, body)

    def json_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def intercepted(monkeypatch: pytest.MonkeyPatch) -> Intercepted:
    """Every HTTP request made through `requests` is recorded and answered 200 locally, and any
    socket to a host other than loopback fails: a public service's URL never leaves the process."""
    record = Intercepted()

    def fake(method: str, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        body = data.decode() if isinstance(data, bytes) else str(data or kwargs.get("json") or "")
        record.requests.append((url, body))
        response = requests.Response()
        response.status_code, response._content, response.url = 200, b"ok", url
        return response

    monkeypatch.setattr(requests, "request", fake)
    monkeypatch.setattr(requests, "post", lambda url, **kw: fake("post", url, **kw))
    monkeypatch.setattr(requests.Session, "request", lambda self, m, url, **kw: fake(m, url, **kw))
    loopback_only(monkeypatch)
    return record


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
