"""Text normalisation, the versioned exact-duplicate hash, and shingling.

Normalisation (NFKC, case-fold, punctuation and whitespace collapsed, page furniture dropped) runs
before both the hash and the shingles, so two copies that differ only in typography, case, spacing
or leftover boilerplate lines hash alike. `normalise_text` is idempotent and never raises.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# v2: short furniture lines (mastheads, section links, tags) are dropped as boilerplate.
HASH_VERSION = "v2"

# Lines that are page furniture, not article text; matched after normalisation (punctuation gone).
_BOILERPLATE_LINE = re.compile(
    r"^(share (this|the) (article|story|post)|share on .*|must read|related( articles| stories)?|"
    r"comments powered by .*|comments are closed|leave a (comment|reply)|more from .*|"
    r"top topics|copyright .*|.*all rights reserved.*|follow (us|him|her) on .*|sign up for .*|"
    r"subscribe( to .*)?|advertisement|read more|click here .*|about (the )?author.*|"
    r"tags? .*|syndicated( content)?|like this (story|article).*|get (the|our) .*newsletter.*|"
    r"this (article|story) (first|originally) appeared .*|reprinted (with permission|from) .*|"
    r"(disclaimer|disclosure) .*|"
    # Chinese furniture: source, editor, copyright notice, "follow us".
    r"(来源|责任编辑|编辑|原标题|版权声明|本文来源|本文转载|免责声明|点击关注|扫码关注).*)$"
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+", re.UNICODE)
_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
# A line this short is furniture (masthead, section links, a lone date) unless it is all there is.
_MIN_LINE_WORDS = 4
_MIN_LINE_CJK_CHARS = 8


def normalise_text(text: str) -> str:
    """NFKC, case-folded, punctuation and whitespace collapsed, furniture lines dropped.

    Kept lines stay on their own lines, so a second pass sees exactly the lines the first kept:
    the function is idempotent by construction.
    """
    lines = []
    for raw in text.splitlines():
        line = _clean_line(raw)
        if line and not _BOILERPLATE_LINE.match(line):
            lines.append(line)
    substantial = [line for line in lines if not _is_short(line)]
    return "\n".join(substantial or lines)


def _clean_line(line: str) -> str:
    if line.isascii():  # NFKC leaves ASCII alone and casefold is lower: one pass is stable
        return _PUNCT_OR_SPACE.sub(" ", line.lower()).strip()
    # NFKC after case-folding is not always stable (a few compatibility characters), so repeat
    # until nothing changes; two rounds settle every case seen.
    for _ in range(4):
        cleaned = _PUNCT_OR_SPACE.sub(" ", unicodedata.normalize("NFKC", line).casefold()).strip()
        if cleaned == line:
            break
        line = cleaned
    return line


def _is_short(line: str) -> bool:
    if _CJK.search(line) is None:
        # A cleaned line is runs of word characters joined by single spaces.
        return line.count(" ") + 1 < _MIN_LINE_WORDS
    cjk = len(_CJK.findall(line))
    return cjk + len(_WORD.findall(_CJK.sub(" ", line))) < _MIN_LINE_CJK_CHARS


def content_hash(text: str) -> str:
    """A versioned hash of the normalised text; equal hashes mean exact duplicates."""
    return hash_normalised(normalise_text(text))


def hash_normalised(normalised: str) -> str:
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    return f"{HASH_VERSION}:{digest}"


def is_cjk(text: str) -> bool:
    """True when CJK characters make up a noticeable part of the text."""
    if _CJK.search(text) is None:  # most text: no need to count letters
        return False
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and len(_CJK.findall(text)) / letters > 0.3


def shingles(normalised: str, *, words: int = 3, chars: int = 3) -> set[str]:
    """Word k-shingles for Latin text, character k-shingles (spaces removed) for CJK text."""
    if is_cjk(normalised):
        compact = _SPACE.sub("", normalised)
        if len(compact) <= chars:
            return {compact} if compact else set()
        return {compact[i : i + chars] for i in range(len(compact) - chars + 1)}
    tokens = _WORD.findall(normalised)
    if len(tokens) <= words:
        return {" ".join(tokens)} if tokens else set()
    # The k-grams as k staggered views zipped together: about twice as fast as slicing.
    staggered = (tokens[start:] for start in range(words))
    return set(map(" ".join, zip(*staggered, strict=False)))  # stops at the shortest view


def shingles_of(text: str, *, words: int = 3, chars: int = 3) -> set[str]:
    return shingles(normalise_text(text), words=words, chars=chars)


def title_words(title: str) -> set[str]:
    """The words of a title for comparing headlines (CJK titles: character bigrams)."""
    folded = normalise_text(title)
    if is_cjk(folded):
        return shingles(folded, chars=2)
    return {w for w in _WORD.findall(folded) if w not in _TITLE_STOPWORDS}


_TITLE_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "for", "to", "and", "with", "at", "by", "from", "as"}
    | {"its", "is", "are", "be", "new", "says", "said", "into", "over"}
)
