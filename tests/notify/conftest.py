"""Fixtures for notification tests: a local SMTP server, pipelines wired to local channels, and
articles to alert on. Stories are stored with `pipeline.ingest` (no fetching needed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

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
