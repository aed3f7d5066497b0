"""Shared fixtures: a local news site, a webhook receiver and a config wired to both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rdwatch.cli.run import apply_prefect_defaults
from rdwatch.config import Config, parse_config
from tests.postgres import (
    PostgresServer,
    postgres,  # noqa: F401  (the one session-scoped cluster every test module shares)
)
from tests.servers import Receiver, SiteServer, serve_receiver, serve_site

# The settings `rdwatch run` gives Prefect, so that a bare `pytest` behaves like `make test`.
# Prefect reads them when it sets up logging, on first import, which comes after this file.
apply_prefect_defaults()

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend: SQLite, then PostgreSQL (the session's cluster)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rdwatch.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database("test")


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with serve_site(DATA / "site") as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as server:
        yield server


def make_config_data(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """A config dict for tests: temp database and data dir, the shipped archive and gazetteer."""
    data: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'rdwatch.db'}",
        "data_dir": str(tmp_path / "data"),
        "archive": str(ROOT / "config" / "archive"),
        "sources": [],
        "fetch": {"allow_private_addresses": True, "max_age_days": None, "timeout_s": 5},
        "facts": {
            "gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
            "rates": str(ROOT / "config" / "rates.yaml"),
        },
    }
    data.update(overrides)
    return data


def write_config(tmp_path: Path, **overrides: Any) -> Path:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(yaml.safe_dump(make_config_data(tmp_path, **overrides)), encoding="utf-8")
    return path


@pytest.fixture
def site_config(tmp_path: Path, site: SiteServer, receiver: Receiver) -> Config:
    """The fixture site's feed as the only source, alerts to the webhook receiver."""
    return parse_config(
        make_config_data(
            tmp_path,
            sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}],
            alerts={"channels": [{"url": f"json://{receiver.base}/hook", "name": "webhook"}]},
        )
    )
