"""Text preparation for fact extraction: typography, boilerplate trailers, paragraphs, sentences.

Sentences are split on . ! ? followed by space and a capital (English) and after 。！？ (Chinese),
never after common abbreviations (U.S., Ltd., Dr.) or inside decimals (1.76). Newlines always end a
sentence because headlines, captions and bullets carry no final stop.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache

import msgpack
from wordfreq.util import data_path

# Curly apostrophes become straight ones so patterns need one spelling ("Alibaba’s"). Curly double
# quotes stay: their direction is what pairs a quote's opening with its end.
_TYPOGRAPHY = (("‘", "'"), ("’", "'"), ("\u00a0", " "), ("–", "-"), ("—", " - "))

# Lines at which page furniture starts (share bars, comment widgets, author bios). Everything after
# the first such line is not article text; trafilatura drops it for fetched pages, but stored and
# pasted texts (like the archive) still carry it.
_TRAILER = re.compile(
    r"^\s*(?:Share this article|Leave a Comment|Leave a Reply|comments powered by|Related Articles?"
    r"|About the author|About [A-Z][a-z]+ [A-Z][a-z]+\s*$|Must Read\s*$|More from [A-Z]+\s*$"
    r"|Copyright ©|©)",
    re.MULTILINE,
)

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "gen",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "approx",
        "est",
        "fig",
    ]
)
# The stop comes first, as one character class, so that `re` jumps from stop to stop; which kind
# of stop it was is then read back with a lookbehind.
_BOUNDARY = re.compile(
    r"[.!?。！？](?:(?<=[.!?])[\"'”)\]]*\s+(?=[\"'“(\[]*[A-Z0-9\u3400-\u9fff])"
    r"|(?<=[。！？])[\"'”」』]*)"
)


_CJK = re.compile(r"[\u3400-\u9fff]")


def has_chinese(text: str) -> bool:
    """True when the text holds a Chinese character. `isascii` answers at once for the English
    sentences without curly quotes, where the character class would scan every character."""
    return not text.isascii() and _CJK.search(text) is not None


@dataclass(frozen=True)
class Sentence:
    """One sentence and the paragraph (line) it belongs to."""

    text: str
    paragraph: int


def prepare_text(text: str) -> str:
    """Straight quotes, simplified Chinese characters, no page furniture after the body."""
    for old, new in _TYPOGRAPHY:  # str.replace is several times faster than str.translate
        text = text.replace(old, new)
    if has_chinese(text):
        text = simplify_chinese(text)
    trailer = _TRAILER.search(text)
    return text[: trailer.start()] if trailer else text


def simplify_chinese(text: str) -> str:
    """Traditional Chinese characters as simplified ones, character by character (倚天 in 伺服器
    晶片 news is the same chip as in 服务器芯片 news), so one alias and one pattern read both.
    Lengths and offsets are unchanged."""
    return text.translate(_simplified_table())


@cache
def _simplified_table() -> dict[int, str]:
    # wordfreq's character table (3,275 one-to-one mappings, ~10 ms to read), loaded on the first
    # Chinese text; read directly, as `wordfreq.chinese` would also import jieba (~0.6 s).
    with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as file:
        table = msgpack.load(file, raw=False, strict_map_key=False)
    return {int(k): v for k, v in table.items() if isinstance(v, str) and len(v) == 1}


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines, whitespace collapsed."""
    return [" ".join(words) for line in text.splitlines() if (words := line.split())]


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph (English and Chinese punctuation)."""
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        if m.group(0)[0] == "." and _is_abbreviation(paragraph, m.start()):
            continue
        piece = paragraph[start : m.end()].strip()
        if piece:
            sentences.append(piece)
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the word ending at `dot` is an abbreviation or a single initial ("J.")."""
    # Walk back over word characters and dots (what `[\w.]*$` matches) instead of searching the
    # whole paragraph before the dot at every candidate boundary.
    start = dot
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
        start -= 1
    token = text[start:dot].lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def sentences_of(text: str) -> list[Sentence]:
    """All sentences of a prepared text, with their paragraph index."""
    return [
        Sentence(sentence, index)
        for index, paragraph in enumerate(split_paragraphs(text))
        for sentence in split_sentences(paragraph)
    ]
