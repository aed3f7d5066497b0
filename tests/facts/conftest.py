"""Shared fixtures for the fact tests: the shipped gazetteer and rate table, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch.facts import Gazetteer, RateTable, load_gazetteer, load_rates

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ROOT / "config" / "gazetteer.yaml")


@pytest.fixture(scope="session")
def rates() -> RateTable:
    return load_rates(ROOT / "config" / "rates.yaml")
