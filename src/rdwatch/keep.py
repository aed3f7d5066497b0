"""Keep rules: which new items of a source are stored at all.

A general technology feed carries hundreds of items a day that are not about Alibaba. A source's
`keep` patterns (regular expressions or plain words, matched case-insensitively anywhere in the
item's headline or snippet) and its `filter: watched` (the headline or snippet names a watched
entity of the gazetteer, by any alias: "Alibaba", "达摩院", "T-Head"…) decide: an item is kept
when it matches either. A source with neither keeps everything. Items left out are counted per
source and never stored, so a feed that is later unfiltered brings them in on its next change.

Pure: items, sources and the gazetteer in, kept items and counts out. The gazetteer is asked for
only when a rule needs it, so a run with nothing new does not load it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup

from rdwatch.config import SourceConfig
from rdwatch.models import FeedItem

if TYPE_CHECKING:
    from rdwatch.facts import Gazetteer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeepRule:
    """What one source keeps: items matching any pattern, or naming a watched entity."""

    patterns: tuple[re.Pattern[str], ...] = ()
    watched: bool = False

    @property
    def keeps_everything(self) -> bool:
        return not self.patterns and not self.watched

    def keeps(self, text: str, gazetteer: Callable[[], Gazetteer]) -> bool:
        if self.keeps_everything:
            return True
        if any(p.search(text) for p in self.patterns):
            return True
        if not self.watched:
            return False
        from rdwatch.facts import watched_entities

        return bool(watched_entities(text, gazetteer()))


def keep_rules(sources: Iterable[SourceConfig]) -> dict[str, KeepRule]:
    """The rule of every source that filters (sources that keep everything are left out)."""
    rules = {}
    for source in sources:
        rule = KeepRule(
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in source.keep),
            watched=source.filter == "watched",
        )
        if not rule.keeps_everything:
            rules[source.name] = rule
    return rules


def describe_keep(source: SourceConfig) -> str:
    """The source's keep rules in a few words, as `rdwatch sources check` shows them."""
    parts = []
    if source.filter == "watched":
        parts.append("watched entities")
    if source.keep:
        parts.append("keep: " + ", ".join(source.keep))
    return " or ".join(parts) or "everything"


def item_text(item: FeedItem) -> str:
    """What the rules read: the headline and the snippet as text."""
    summary = item.summary
    if "<" in summary:
        summary = BeautifulSoup(summary, "lxml").get_text(" ", strip=True)
    return f"{item.title}\n{summary}"


def kept_items(
    items: Sequence[FeedItem],
    sources: Iterable[SourceConfig],
    gazetteer: Callable[[], Gazetteer],
) -> tuple[list[FeedItem], dict[str, int]]:
    """The items their source's rules keep, in order, and how many each source left out;
    `gazetteer` gives the gazetteer, called only if a `filter: watched` rule needs it."""
    rules = keep_rules(sources)
    if not rules:
        return list(items), {}
    kept: list[FeedItem] = []
    left_out: Counter[str] = Counter()
    for item in items:
        rule = rules.get(item.source)
        if rule is None or rule.keeps(item_text(item), gazetteer):
            kept.append(item)
        else:
            left_out[item.source] += 1
    for source, count in sorted(left_out.items()):
        log.info("source %s: %d new item(s) left out by its keep rules", source, count)
    return kept, dict(left_out)
