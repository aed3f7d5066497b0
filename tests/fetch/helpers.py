"""Helpers for fetch tests: fast settings and a one-call `poll` over fetch_sources."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from rdwatch.config import FetchConfig, SourceConfig
from rdwatch.fetch import build_client, fetch_sources
from rdwatch.models import SourceFetch, SourceState

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T = TypeVar("T")


def fast_settings(**overrides: Any) -> FetchConfig:
    """Loopback allowed (the test server is 127.0.0.1), 1 s timeout, no retries unless asked."""
    values: dict[str, Any] = {
        "allow_private_addresses": True,
        "timeout_s": 1,
        "retries": 0,
        "max_bytes": 50_000,
        "max_age_days": None,
    }
    values.update(overrides)
    return FetchConfig(**values)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def feed_source(name: str, url: str, **options: Any) -> SourceConfig:
    return SourceConfig(name=name, url=url, **options)


def poll(
    sources: Sequence[SourceConfig],
    settings: FetchConfig,
    states: dict[str, SourceState] | None = None,
) -> dict[str, SourceFetch]:
    """One fetch_sources call, results by source name."""

    async def go() -> list[SourceFetch]:
        async with build_client(settings) as client:
            return await fetch_sources(sources, settings, states or {}, client=client, now=NOW)

    return {r.source: r for r in run(go())}
