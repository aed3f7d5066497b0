"""Products and organisations the gazetteer does not know, found from how a text writes them.

An announcement introduces names: a chip, a model family, a subsidiary. They are recognised by
their shape and their neighbours, in English and in the Latin-script names inside Chinese text:

- a version number: "Qwen3", "Qwen 2.5-Max", "QwQ-32B", "Yitian 710", "DeepSeek-R1", "H800";
- a variant word after a name: "Qwen-Long", "ERNIE Speed", "Doubao Pro", "Ling-Lite";
- a product noun after a rare capitalised name: "the Hunyuan model", "Ernie Bot";
- an organisation suffix: "Scope Group", "Daiwa Capital Markets", "Arm Ltd", "Ministry of
  Industry and Information Technology"; a legal suffix after a known organisation resolves to it
  ("Tencent Holdings Ltd" is Tencent);
- an inner capital: "ByteDance", "SenseTime" are organisations unless a version or a product
  noun makes them products.

Whether a capitalised word is a name or an ordinary word set in capitals (a headline, a sentence
start) is told by its frequency in English (`wordfreq`, offline): "Hunyuan" is rare, "Generation"
is not. A name that the gazetteer knows under another spelling resolves to its entity
(`Gazetteer.lookup_name`); others get `product:<name_id>` / `org:<name_id>` keys (`keys`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from wordfreq import zipf_frequency

from rdwatch.facts.gazetteer import Gazetteer, Mention
from rdwatch.facts.keys import name_id
from rdwatch.facts.scanning import trie_pattern
from rdwatch.facts.sentences import has_chinese
from rdwatch.models import Fact

# Zipf frequency below which a capitalised word reads as a name ("Hunyuan" 0, "Kimi" 3.2) rather
# than a word set in capitals ("Generation" 4.3, "Visual" 4.5).
_RARE = 3.6
# A version-numbered word may be commoner ("Atlas 950", "Mate 60"), but not an everyday word
# with a number after it ("Top 10", "Level 4", "Windows 11" is lost to this).
_VERSION_BASE_MAX = 4.4
# Latin word boundaries are spelled out: in Chinese text a CJK letter is a \w too ("发布Qwen3模型").
_CAP = r"[A-Z](?<![A-Za-z0-9_.\-&][A-Z])"
_END = r"(?![A-Za-z0-9_])"
_VARIANTS = (
    "Max", "Plus", "Turbo", "Long", "Lite", "Pro", "Mini", "mini", "Flash", "Ultra", "Omni",
    "Speed", "Large", "Coder", "Instruct", "Preview", "Thinking", "VL", "Audio", "Chat", "Bot",
)  # fmt: skip
_VARIANT = "(?:" + "|".join(_VARIANTS) + r")(?![A-Za-z0-9_-])"
_VERSION = r"(?:\d{1,4}(?:\.\d+)*[A-Za-z]{0,3}|[A-Za-z]\d+[A-Za-z]?)"
_VERSIONED = re.compile(
    rf"{_CAP}(?P<base>[A-Za-z]*+)"
    rf"(?:(?P<glued>\d+(?:\.\d+)*[A-Za-z]{{0,3}})|[ -](?P<ver>{_VERSION}))"
    rf"(?P<rest>(?:-[A-Za-z0-9][A-Za-z0-9.]*)*(?:[ -]{_VARIANT})?)(?![A-Za-z0-9_$%])"
)
_WITH_VARIANT = re.compile(rf"{_CAP}(?P<base>[A-Za-z]++)(?P<sep>[ -]){_VARIANT}")
_PRODUCT_NOUN = re.compile(
    rf"{_CAP}[A-Za-z]++(?:[ -][A-Z][A-Za-z]++){{0,3}}"
    r"(?=\s+(?:(?:AI|large language|language|reasoning|foundation|video|AI reasoning)\s+)?"
    r"(?:models?|chips?|chatbots?|processors?|apps?|assistants?|glasses|LLMs?|CPUs?|GPUs?"
    rf"|accelerators?|platform){_END})"
)
# A capitalised phrase ending in a capitalised product noun: "Doubao Visual Understanding Model".
_NAMED_PRODUCT = re.compile(
    rf"{_CAP}[A-Za-z]++(?: [A-Z][A-Za-z]++){{0,3}} (?:Model|App|Bot|Chip|Assistant|Glasses){_END}"
)
_ORG_SUFFIXES = (
    "Group", "Holdings", "Holding", "Ltd", "Limited", "Inc", "Corp", "Corporation", "Co",
    "Technologies", "Capital", "Markets", "Management", "Securities", "Partners", "Ventures",
    "Bank", "Exchange", "Engine", "Cloud", "Research", "Pictures", "Electronics",
    "Semiconductor", "Manufacturing", "Laboratory", "Lab", "Labs", "Institute", "University",
    "Academy", "Foundation", "College", "Centre", "Center", "SA", "AG", "plc",
)  # fmt: skip
_SUFFIX_SET = frozenset(_ORG_SUFFIXES)
# One cheap pass tells which shapes a sentence may hold (see `scanning`: a regex that starts with
# a plain character skips between the few places it can start): the words each shape needs.
_NOUNS = ("model", "chip", "chatbot", "processor", "app", "assistant", "glasses", "LLM", "CPU",
          "GPU", "accelerator", "platform")  # fmt: skip
_NAMED_NOUNS = ("Model", "App", "Bot", "Chip", "Assistant", "Glasses")
_ORG_HEADS = ("Ministry", "Bureau", "Department", "Commission", "Administration")
_GUARD = re.compile(
    trie_pattern({*_VARIANTS, *_NOUNS, *_NAMED_NOUNS, *_ORG_SUFFIXES, *_ORG_HEADS})
    + r"(?=s?(?![A-Za-z]))"
)
_VARIANT_SET = frozenset(_VARIANTS)
_NOUN_SET = frozenset(_NOUNS)
_NAMED_SET = frozenset(_NAMED_NOUNS)
_ORG_SET = frozenset([*_ORG_SUFFIXES, *_ORG_HEADS])
_LEGAL = frozenset(["Ltd", "Limited", "Inc", "Corp", "Corporation", "Co", "SA", "AG", "plc"])
# A word of a name: capitalised, hyphenated only to another capital ("T-Head", not "Ma-backed").
# A word of a name: capitalised, hyphenated only to another capital ("T-Head", not "Ma-backed").
_ORG_WORD = re.compile(r"[A-Z][A-Za-z&'.]*(?:-[A-Z][A-Za-z]*)*")
# A suffix after a space; the name before it is read backwards, word by word (`_name_before`),
# which costs only where a suffix is, instead of a regex tried at every capital.
_SUFFIX_TRIE = trie_pattern(_ORG_SUFFIXES)
_ORG_SUFFIX = re.compile(rf" {_SUFFIX_TRIE}(?: {_SUFFIX_TRIE})*+{_END}\.?")
_MAX_NAME_WORDS = 5
_ORG_OF = re.compile(
    trie_pattern(["Ministry", "Bureau", "Department", "Commission", "Administration", "Bank",
                  "University", "Institute", "Academy"])
    + r" of(?: (?:and )?(?:the )?[A-Z][A-Za-z]++)+"
)  # fmt: skip
# "ByteDance", "SenseTime" (each inner capital followed by two lower-case letters, so that "MoE",
# "PaaS" and "CEOs" are not names), "AIBase", "JoyAI".
_CAMEL = re.compile(
    rf"{_CAP}(?:[a-z]++(?:[A-Z][a-z]{{2,}}+)++|[A-Z]{{1,3}}+[a-z]{{3,}}+(?:[A-Z][a-z]++)*+"
    r"|[a-z]{2,}+[A-Z]{2,}+)(?![A-Za-z0-9_-])"
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Capitalised words that open a sentence or a headline, or that name something other than a
# product or organisation, stripped from the front of a found name.
_LEADING = _word_set(
    "The A An This That These Those Its Their Our His Her In On At Of For And But With By From As "
    "While When After Before Since Meanwhile According Shares Analysts Rival Rivals Its Also "
    "Both Unlike Like Under Over Via Through Then Now Today Former Launched Last Why How What "
    "Who Which Where Join"
)
# Words that a number follows without making a product name.
_NOT_PRODUCT_BASE = _word_set(
    "COVID SARS Top Fortune Section Article Chapter Figure Table Page Level Phase Stage Step Day "
    "Week Year Room Route Series Round Class Group Number No Vol Issue Part Gen Version Web PCIe "
    "DDR LPDDR GDDR USB HDMI ISO IPv HTTP TLS Industry Singles Nasdaq Hang CSI FTSE Dow FY Q H "
    "Sept Sep Jan Feb Mar Apr Jun Jul Aug Oct Nov Dec January February March April May June July "
    "August September October November December Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday UPDATE Update Summit Conference Expo Trend USD RMB HKD CNY EUR SGD US HK "
    "NYSE HKEX SH SZ"
)


# The English word list is read now (~0.2 s) rather than in the middle of the first article.
zipf_frequency("the", "en")


@lru_cache(maxsize=4096)
def is_rare(word: str) -> bool:
    """True for a word that is rare in English text ("Hunyuan", "Doubao"), so likely a name."""
    return zipf_frequency(word, "en") < _RARE


@lru_cache(maxsize=4096)
def _frequency(word: str) -> float:
    return zipf_frequency(word, "en")


def _name_like(word: str) -> bool:
    """A word that reads as a name: rare, or written with inner capitals or digits."""
    return (
        any(c.isdigit() for c in word)
        or (len(word) > 1 and word[1:] != word[1:].lower())
        or is_rare(word)
    )


def extract_names(sentence: str, mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[Fact]:
    """Product and organisation facts of one sentence found by shape. A name inside a gazetteer
    mention is left to it; a name overlapping one found before is not a second name."""
    inside = [(m.start, m.end) for m in mentions]
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []
    for kind, start, end in _candidates(sentence):
        start = _skip_leading(sentence, start, end)
        if start >= end or any(s <= start and end <= e for s, e in inside):
            continue
        if any(start < e and s < end for s, e in taken) or _covered(start, end, inside, sentence):
            continue
        fact = _fact(kind, sentence[start:end].rstrip("."), sentence, gazetteer)
        if fact is not None:
            taken.append((start, end))
            facts.append(fact)
    return facts


def _covered(start: int, end: int, spans: Sequence[tuple[int, int]], sentence: str) -> bool:
    """True when gazetteer mentions cover every word of the span ("Alibaba Cloud Alibaba Cloud")."""
    rest = list(sentence[start:end])
    for s, e in spans:
        for i in range(max(s, start), min(e, end)):
            rest[i - start] = " "
    return not "".join(rest).strip(" .,&-")


def _candidates(sentence: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of every shape-based name, most telling shapes first. Headlines, where
    every word is capitalised, yield only the shapes that capitals do not fake."""
    if _has_digit(sentence):
        for m in _VERSIONED.finditer(sentence):
            if _versioned_ok(m):
                yield "product", m.start(), m.end()
    words = frozenset(_GUARD.findall(sentence))
    variant = not words.isdisjoint(_VARIANT_SET)
    named = not words.isdisjoint(_NAMED_SET)
    noun = not words.isdisjoint(_NOUN_SET)
    org = not words.isdisjoint(_ORG_SET)
    headline = (variant or named or noun or org) and _is_headline(sentence)
    if variant:
        for m in _WITH_VARIANT.finditer(sentence):
            base = sentence[m.start() : m.start("sep")]
            if m.group("sep") == "-" or (_name_like(base) and not headline):
                yield "product", m.start(), m.end()
    if named and not headline:
        for m in _NAMED_PRODUCT.finditer(sentence):
            if any(_name_like(w) for w in m.group().split()[:-1]):
                yield "product", m.start(), m.end()
    if noun and not headline:
        for m in _PRODUCT_NOUN.finditer(sentence):
            end = m.end() - 3 if m.group().endswith(" AI") else m.end()
            if all(_name_like(w) for w in sentence[m.start() : end].replace("-", " ").split()):
                yield "product", m.start(), end
    if org and not headline:
        for m in _ORG_SUFFIX.finditer(sentence):
            begin = _name_before(sentence, m.start())
            if begin is None:
                continue
            for kind, start, end in _org_parts(sentence, begin, m.end()):
                # A suffix alone ("The Cloud's") is no name.
                if " " in sentence[_skip_leading(sentence, start, end) : end]:
                    yield kind, start, end
        if " of " in sentence:
            for m in _ORG_OF.finditer(sentence):
                yield "org", m.start(), m.end()
    for m in _CAMEL.finditer(sentence):
        yield "org", m.start(), m.end()


def _name_before(sentence: str, end: int) -> int | None:
    """Start of the capitalised words (up to five, "and"/"&" between them) that end at `end`."""
    tokens = sentence[max(0, end - 160) : end].split(" ")
    start, taken, index = end, 0, len(tokens) - 1
    while index >= 0 and taken < _MAX_NAME_WORDS and _ORG_WORD.fullmatch(tokens[index]):
        start -= len(tokens[index]) + 1
        taken += 1
        index -= 1
        joiner = tokens[index] if index >= 1 else ""
        if joiner in ("and", "&") and _ORG_WORD.fullmatch(tokens[index - 1]):
            start -= len(joiner) + 1
            index -= 1
    return start + 1 if taken else None


def _org_parts(sentence: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """One organisation, or two joined by "and" where the first already ends in a suffix
    ("Intel Corp and Advanced Micro Devices Inc")."""
    text = sentence[start:end]
    for joiner in (" and ", " & "):
        at = text.find(joiner)
        if at > 0 and text[:at].rsplit(" ", 1)[-1].rstrip(".") in _SUFFIX_SET:
            yield "org", start, start + at
            yield "org", start + at + len(joiner), end
            return
    yield "org", start, end


_CAPITAL_START = re.compile(r"[A-Z](?<!\S[A-Z])")


def _is_headline(sentence: str) -> bool:
    """Most words capitalised, as headlines write them (Chinese text has no capitals to count).
    Words are counted by their spaces: a cheap count, and numbers and dashes in a headline
    only make it look less like one."""
    capitals = len(_CAPITAL_START.findall(sentence))
    if capitals < 4 or has_chinese(sentence):
        return False
    return capitals >= 0.75 * (sentence.count(" ") + 1)


def _has_digit(sentence: str) -> bool:
    return any(digit in sentence for digit in "0123456789")


def _versioned_ok(m: re.Match[str]) -> bool:
    name = m.group()
    base = name[0] + m.group("base")
    version = m.group("glued") or m.group("ver")
    if len(base) == 1:
        # "Q3", "H1", "G20" are not products; a single letter with a model number is ("H800").
        return bool(m.group("glued")) and len(version) >= 3 and version.isdigit()
    if base in _NOT_PRODUCT_BASE or _frequency(base.lower()) >= _VERSION_BASE_MAX:
        return False
    if (m.group("glued") or not version[0].isdigit()) and not _name_like(base):
        return False  # "Diamond71" (a flattened table), "Matching o1"
    # "Apsara Conference 2023": a year after a space names an edition, not a version.
    return not (m.group("ver") and re.fullmatch(r"(?:19|20)\d\d", version))


def _skip_leading(sentence: str, start: int, end: int) -> int:
    """Past the sentence-opening words at the front of a candidate ("The", "Rival") and past an
    owner in the possessive ("Alibaba's Damo Academy" names the academy)."""
    owner = sentence.rfind("'s ", start, end)
    if owner >= 0:
        start = owner + 3
    while start < end:
        space = sentence.find(" ", start, end)
        if space < 0:
            return start
        word = sentence[start:space]
        if word not in _LEADING and not word.endswith("'s"):
            return start
        start = space + 1
    return start


def _fact(kind: str, name: str, sentence: str, gazetteer: Gazetteer) -> Fact | None:
    if len(name) < 3 or name in _LEADING:
        return None
    known = gazetteer.lookup_name(name) or gazetteer.lookup_name(_without_legal(name))
    if known is not None:
        if known.kind not in ("org", "product"):
            return None
        return Fact(kind=known.kind, text=known.name, key=known.key, sentence=sentence)
    ident = name_id(name)
    if not ident:
        return None
    return Fact(kind=kind, text=name, key=f"{kind}:{ident}", sentence=sentence)


def _without_legal(name: str) -> str:
    """'Tencent Holdings Ltd' → 'Tencent': legal and holding suffixes dropped."""
    words = name.replace(",", " ").replace(".", " ").split()
    while len(words) > 1 and (words[-1] in _LEGAL or words[-1] in ("Holdings", "Holding", "Group")):
        words.pop()
    return " ".join(words)
