"""Fixtures for fetch tests: a programmable local HTTP server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fetch.servers import Server, serve


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as running:
        yield running
