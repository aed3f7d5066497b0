"""add_source_to_config keeps the config file's comments and refuses duplicate names."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rdwatch.errors import ConfigError
from rdwatch.sources_file import add_source_to_config

CONFIG = """\
# rdwatch config — hand-written
database_url: sqlite:///data/rdwatch.db   # keep me
sources:
  - name: google-news-damo   # the main one
    kind: feed
    url: "https://news.google.com/rss/search?q=%22DAMO+Academy%22"
fetch:
  timeout_s: 20
"""


def test_adding_a_source_keeps_comments_and_existing_entries(tmp_path: Path) -> None:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    add_source_to_config(path, "damo-blog", "https://damo.example.com/feed.xml", "feed")
    text = path.read_text(encoding="utf-8")
    assert "# rdwatch config — hand-written" in text and "# keep me" in text
    assert "# the main one" in text
    data = yaml.safe_load(text)
    assert [s["name"] for s in data["sources"]] == ["google-news-damo", "damo-blog"]
    assert data["sources"][1] == {
        "name": "damo-blog",
        "kind": "feed",
        "url": "https://damo.example.com/feed.xml",
    }
    assert data["fetch"] == {"timeout_s": 20}


def test_duplicate_names_and_bad_urls_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rdwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(ConfigError, match="already exists"):
        add_source_to_config(path, "google-news-damo", "https://x.example.com/feed")
    with pytest.raises(ValueError, match="http"):
        add_source_to_config(path, "bad", "ftp://x.example.com/feed")
    assert path.read_text(encoding="utf-8") == CONFIG
