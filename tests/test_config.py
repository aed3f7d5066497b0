"""Config loading: env expansion, strict validation with key paths, shipped files valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch.config import load_config, parse_config
from rdwatch.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_default_config_is_valid() -> None:
    config = load_config(ROOT / "config" / "rdwatch.yaml")
    assert config.sources, "the default config must list real sources"
    assert {s.name for s in config.sources} >= {"google-news-damo", "google-news-damo-zh"}
    assert config.alerts.channels == []  # the optional channel is off without its variable


def test_env_variables_expand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_URL", "json://127.0.0.1:1/x")
    config = parse_config({"alerts": {"channels": [{"url": "${HOOK_URL}"}]}})
    assert config.alerts.channels[0].url == "json://127.0.0.1:1/x"


def test_missing_env_variable_names_key_path_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    with pytest.raises(ConfigError, match=r"alerts\.channels\.0\.url: .*NOPE_NOT_SET"):
        parse_config({"alerts": {"channels": [{"url": "${NOPE_NOT_SET}"}]}})


def _source(url: str, **fields: str) -> dict[str, object]:
    return {"sources": [{"name": "x", "url": url, **fields}]}


def _channel(**settings: object) -> dict[str, object]:
    return {"alerts": {"channels": [{"url": "json://127.0.0.1:9/hook", **settings}]}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fetch": {"timout_s": 3}}, r"fetch\.timout_s: unknown key"),
        ({"fetch": {"timeout_s": -1}}, r"fetch\.timeout_s: "),
        ({"sources": [{"name": "x", "url": "ftp://a"}]}, r"sources\.0\.url: must be an http"),
        ({"sources": [{"name": "x", "kind": "page", "url": "https://a.b"}]}, r"item_selector"),
        ({"notability": {"threshold": "high"}}, r"notability\.threshold"),
        ([1, 2], r"top level must be a mapping"),
        # Accepted once, failing (or hanging) only later, far from the key:
        (_source("https://example.com/damo news.xml"), r"sources\.0\.url: holds a space"),
        (_source("https://exa mple.com/feed"), r"sources\.0\.url: holds a space"),
        (_source("http://example.com:99999/feed"), r"sources\.0\.url: not a valid URL"),
        (_source("https:///feed.xml"), r"sources\.0\.url: must be an http"),
        (
            _source("https://a.example/news", kind="page", item_selector="article h2 a["),
            r"sources\.0\.item_selector: not a valid CSS selector: Malformed attribute selector",
        ),
        ({"notability": {"threshold": float("nan")}}, r"notability\.threshold: .*finite"),
        ({"facts": {"gazetteer": "config/gazeteer.yaml"}}, r"facts\.gazetteer: no file config/"),
        ({"facts": {"rates": "/nonexistent/rates.yaml"}}, r"facts\.rates: no file /nonexist"),
        (_channel(timezone="Europe/Londres"), r"channels\.0\.timezone: unknown time zone"),
        (_channel(quiet_hours={"start": "22h", "end": "07:00"}), r"quiet_hours\.start: not a time"),
        (_channel(quiet_hours={"start": "07:00", "end": "07:00"}), r"quiet_hours: .*same time"),
        (_channel(route={"entity": ["T-Head"]}), r"route\.entity: unknown key"),
        ({"alerts": {"urgency": {"urgent": 0.4, "normal": 0.5}}}, r"urgency: urgent must be at"),
        ({"alerts": {"spike": {"window": "1 hour"}}}, r"alerts\.spike\.window: not a duration"),
        ({"alerts": {"spike": {"factor": 1}}}, r"alerts\.spike\.factor: "),
    ],
)
def test_invalid_values_fail_with_the_key_path(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


def test_duplicate_source_names_are_rejected() -> None:
    source = {"name": "same", "url": "https://a.example/feed"}
    with pytest.raises(ConfigError, match="duplicate name"):
        parse_config({"sources": [source, source]})


def test_database_url_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RDWATCH_DATABASE_URL", "sqlite:///elsewhere.db")
    assert parse_config({}).database_url == "sqlite:///elsewhere.db"


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_infinite_numbers_written_in_yaml_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "rdwatch.yaml"
    path.write_text("fetch:\n  timeout_s: .inf\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fetch\.timeout_s: Input should be a finite number"):
        load_config(path)
