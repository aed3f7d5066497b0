"""Fixtures of the end-to-end tests: a real Prefect server (tests/e2e/processes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import processes


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[processes.PrefectServer]:
    with processes.prefect_server(tmp_path) as server:
        yield server
