"""Adding a source to the YAML config file without losing its comments or layout.

ruamel.yaml round-trips the file (comments, key order, quoting), so `rdwatch sources add` can
edit a hand-written config. The new entry is validated with the config models before writing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rdwatch.config import SourceConfig
from rdwatch.errors import ConfigError


def add_source_to_config(
    config_path: Path | str, name: str, url: str, kind: Literal["feed", "page"] = "feed"
) -> SourceConfig:
    """Append a source to `config_path`'s `sources:` list; ConfigError if the name is taken."""
    path = Path(config_path)
    source = SourceConfig(name=name, url=url, kind=kind, item_selector=None)
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    document = yaml.load(path.read_text(encoding="utf-8")) or CommentedMap()
    sources = document.get("sources")
    if sources is None:
        sources = document["sources"] = CommentedSeq()
    if any(isinstance(s, dict) and s.get("name") == name for s in sources):
        raise ConfigError(f"{path}: a source named {name!r} already exists")
    entry = CommentedMap([("name", name), ("kind", kind), ("url", url)])
    sources.append(entry)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)
    return source
