"""Keep rules: patterns, watched entities, sources that keep everything, and the counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch.config import SourceConfig, parse_config
from rdwatch.errors import ConfigError
from rdwatch.facts import Gazetteer, load_gazetteer
from rdwatch.keep import describe_keep, kept_items
from rdwatch.models import FeedItem

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER: Gazetteer = load_gazetteer(ROOT / "config" / "gazetteer.yaml")


def _item(source: str, title: str, summary: str = "") -> FeedItem:
    return FeedItem(
        source=source, url=f"https://e.com/{source}/{title}", title=title, summary=summary
    )


SOURCES = [
    SourceConfig(name="all", url="https://a.example/feed"),
    SourceConfig(name="watched", url="https://w.example/feed", filter="watched"),
    SourceConfig(name="words", url="https://k.example/feed", keep=[r"\bQwen\d*\b", "玄铁"]),
    SourceConfig(name="both", url="https://b.example/feed", filter="watched", keep=["qwen"]),
]


def test_each_source_keeps_what_its_rules_say() -> None:
    items = [
        _item("all", "Delivery robots get a lane"),
        _item("watched", "T-Head shows a server chip"),
        _item("watched", "达摩院发布新模型"),
        _item("watched", "Flash prices climb", "<p>Alibaba Cloud buys more flash</p>"),
        _item("watched", "Delivery robots get a lane"),
        _item("words", "QWEN3 gets a smaller sibling"),
        _item("words", "新一代玄铁处理器"),
        _item("words", "Qwenlike is not Qwen-branded"),
        _item("words", "Alibaba results"),
        _item("both", "A qwen model for phones"),
        _item("both", "Storage prices"),
    ]
    kept, left_out = kept_items(items, SOURCES, lambda: GAZETTEER)
    assert [i.title for i in kept] == [
        "Delivery robots get a lane",
        "T-Head shows a server chip",
        "达摩院发布新模型",
        "Flash prices climb",
        "QWEN3 gets a smaller sibling",
        "新一代玄铁处理器",
        "Qwenlike is not Qwen-branded",
        "A qwen model for phones",
    ]
    assert left_out == {"watched": 1, "words": 1, "both": 1}


def _no_gazetteer() -> Gazetteer:
    raise AssertionError("no rule needs the gazetteer")


def test_no_rules_keep_everything_untouched() -> None:
    items = [_item("all", "anything"), _item("unknown-source", "other")]
    assert kept_items(items, SOURCES[:1], _no_gazetteer) == (items, {})


def test_rules_are_described_in_a_few_words() -> None:
    assert [describe_keep(s) for s in SOURCES] == [
        "everything",
        "watched entities",
        r"keep: \bQwen\d*\b, 玄铁",
        "watched entities or keep: qwen",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"keep": ["(unclosed"]}, "sources.0.keep: keep pattern '(unclosed' is not valid"),
        ({"filter": "everything"}, "sources.0.filter"),
        ({"resolve": "bing"}, "sources.0.resolve"),
    ],
)
def test_bad_rules_fail_with_the_key_path(source: dict[str, object], message: str) -> None:
    data = {"sources": [{"name": "s", "url": "https://s.example/feed", **source}]}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_config(data)
