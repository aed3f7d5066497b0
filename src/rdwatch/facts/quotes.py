"""Quotes and who said them.

A quote is text in double quotes of at least six words (shorter quoted text is a scare quote or a
name: "NASA Project", "smart breeding"). The speaker is the person named closest to the quote in
the same paragraph: after it ('"…," Jeff Zhang said') or before it ('According to … Jeff Zhang,
"…"', 'Jack Ma said, "…"', '马云表示：“…”'), including by surname alone ("Ma said") and by a known
person's aliases (马云 for Jack Ma). A Chinese quote needs ten Chinese characters in a row instead
of six words. The key is the speaker and the first eight words, which survive the small
rewordings outlets make ("would spur" / "will spur"). A "word" of Chinese text is a whole run of
characters between punctuation, up to a clause, so the key is cut at `MAX_KEY_LENGTH` characters:
the store keeps keys of at most that length, and a key that fits is unchanged by the cut.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from rdwatch.facts.gazetteer import Gazetteer
from rdwatch.models import Fact

# Every quoted span, short ones included, so that a scare quote's closing mark is never taken for
# the opening of the next quote; length is checked afterwards.
_QUOTE = re.compile(r'“([^“”]{1,1200})”|"([^"]{1,1200})"|「([^「」]{1,600})」')
_MIN_WORDS = 6
_CHINESE_RUN = re.compile(r"[\u3400-\u9fff]{10}")
_WORD = re.compile(r"\w+")
_WINDOW = 160
_KEY_WORDS = 8
MAX_KEY_LENGTH = 300  # = facts.key in rdwatch.store.schema


def extract_quotes(paragraph: str, people: Sequence[Fact], gazetteer: Gazetteer) -> list[Fact]:
    """Quote facts of one paragraph; `people` are the person facts found so far in the article."""
    if paragraph.isascii() and '"' not in paragraph:
        return []  # the only quote mark ASCII has is absent: skip scanning for the others
    facts = []
    for m in _QUOTE.finditer(paragraph):
        quote = (m.group(1) or m.group(2) or m.group(3) or "").strip()
        if len(quote.split()) < _MIN_WORDS and not _CHINESE_RUN.search(quote):
            continue
        speaker = _speaker(paragraph, m.start(), m.end(), people, gazetteer)
        words = _WORD.findall(quote.lower())[:_KEY_WORDS]
        who = speaker.key.split(":", 1)[1] if speaker else "unknown"
        facts.append(
            Fact(
                kind="quote",
                text=quote,
                key=f"quote:{who}:{' '.join(words)}"[:MAX_KEY_LENGTH],
                sentence=paragraph,
                speaker=speaker.text if speaker else None,
            )
        )
    return facts


def _speaker(
    paragraph: str, start: int, end: int, people: Sequence[Fact], gazetteer: Gazetteer
) -> Fact | None:
    """The person named nearest the quote: after it first, then before it."""
    after = paragraph[end : end + _WINDOW]
    before = paragraph[max(0, start - _WINDOW) : start]
    best: tuple[int, Fact] | None = None
    for person in _distinct(people):
        for name in _names(person.text, gazetteer):
            for distance in _distances(name, after, before):
                if best is None or distance < best[0]:
                    best = (distance, person)
    return best[1] if best else None


def _distinct(people: Sequence[Fact]) -> Iterable[Fact]:
    """The first fact of each person. A person named again (same text and key) is at the same
    distances and loses every tie to its first fact, so measuring it again changes nothing."""
    first: dict[tuple[str, str], Fact] = {}
    for person in people:
        first.setdefault((person.text, person.key), person)
    return first.values()


def _names(full: str, gazetteer: Gazetteer) -> list[str]:
    """The full name, then each part (surname references: "Ma said"), then the known person's
    aliases: a Chinese text names Jack Ma as 马云."""
    parts = full.split()
    names = [full, *(p for p in parts if len(p) > 1)] if len(parts) > 1 else [full]
    known = gazetteer.lookup(full)
    return names + list(known.aliases) if known is not None and known.kind == "person" else names


@functools.lru_cache(maxsize=4096)
def _name_regex(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])")


def _distances(name: str, after: str, before: str) -> list[int]:
    pattern = _name_regex(name)
    found = [m.start() for m in pattern.finditer(after)]
    found += [
        len(before) - m.end() + 5 for m in pattern.finditer(before)
    ]  # slight preference for after
    return found
