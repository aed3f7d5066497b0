"""Running the fact patterns cheaply with Python's `re`.

What a scan costs per character of text (measured on this project's dev machine, Python 3.11):
about 1.5 ns to look for a literal ("$", "the States", or a substring test with `in`), about 10 ns
when the pattern starts with a character class or an alternation of literals (`re` tests each
character against the class in C and only enters the pattern where one could start), and 30 to
45 ns when the pattern starts with anything else, a lookbehind, a lookahead, `\b` or a group of
alternatives, because then `re` enters the whole pattern at every character. Most of the cost of
fact extraction was such patterns entered at every character of every sentence, so the patterns
start with a plain character where they can, and these helpers keep the others off most text:

- `trie_pattern` factors an alternation of words as a trie, and can put a lookbehind after each
  word's first character so that the pattern still starts with that character;
- `first_matches` runs an alternation split into several regexes, each with a plain start or
  tried only where a match can start (`TriedAt`);
- `matches_near` runs a regex only next to the anchors every one of its matches contains.

Each returns exactly what `finditer` of the original single regex returns
(tests/facts/test_scanning.py compares them on generated text).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


def trie_pattern(words: Iterable[str], *, after_first: str = "") -> str:
    """One regex for the words (at least one), longest alternative first at every branch.

    Alternation takes the first word that matches and the trie the longest, so callers follow
    the words with something only one of them can match (a word boundary, a space).
    `after_first` is inserted after the first character of every word.
    """
    trie = _make_trie(sorted(set(words)))
    if not trie:
        raise ValueError("trie_pattern needs at least one word")
    return _render(trie, after_first)


def _make_trie(words: Iterable[str]) -> dict[str, Any]:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie


def _render(node: dict[str, Any], after_first: str = "") -> str:
    end = "" in node
    branches = [
        re.escape(ch) + after_first + _render(child) for ch, child in sorted(node.items()) if ch
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if end else body


class Searcher(Protocol):
    """What `first_matches` needs of a regex."""

    def search(self, string: str, pos: int = 0) -> re.Match[str] | None: ...


@dataclass(frozen=True)
class TriedAt:
    """A regex tried only at the given positions (ascending): where its matches can start."""

    regex: re.Pattern[str]
    starts: Sequence[int]

    def search(self, string: str, pos: int = 0) -> re.Match[str] | None:
        for start in self.starts[bisect.bisect_left(self.starts, pos) :]:
            if (m := self.regex.match(string, start)) is not None:
                return m
        return None


def first_matches(regexes: Sequence[Searcher], text: str) -> list[re.Match[str]]:
    """`finditer` of the alternation `A|B|…` of the regexes, which must not match empty text.

    At a given position the alternation matches its first alternative that matches there, so
    its next match is the leftmost next match of any of the regexes, the earlier one on a tie.
    """
    upcoming = [regex.search(text) for regex in regexes]
    found: list[re.Match[str]] = []
    while True:
        best: re.Match[str] | None = None
        for m in upcoming:
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return found
        found.append(best)
        end = best.end()
        for index, m in enumerate(upcoming):
            if m is not None and m.start() < end:
                upcoming[index] = regexes[index].search(text, end)


def matches_near(
    regex: re.Pattern[str], anchor: re.Pattern[str], before: int, reach: int, text: str
) -> list[re.Match[str]]:
    """`regex.finditer(text)` for a regex each of whose matches holds a match of `anchor` at most
    `before` characters after its start, and that never reads or looks further than `reach`
    characters after the position it is tried at (a pattern without unbounded repeats).

    For each anchor in turn, the regex is searched from `before` characters ahead of the anchor
    to `reach` characters after it, and a match is kept if it starts by the anchor: tried there,
    the regex sees the same characters as in the whole text, and no match can start further
    from an anchor.
    """
    found: list[re.Match[str]] = []
    start = 0
    while (a := anchor.search(text, start)) is not None:
        at = a.start()
        m = regex.search(text, max(start, at - before), at + reach)
        if m is not None and m.start() <= at:
            found.append(m)
            start = m.end()
        else:
            start = at + 1
    return found
