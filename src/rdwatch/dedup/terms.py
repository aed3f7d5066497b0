"""What an article is about, as weighted terms: the same-story tier's candidates and evidence.

Independent write-ups of one event share almost no wording, but they name the same things: the
company and the product ("Yitian 710", "QwQ-32B"), the people ("Eddie Wu"), the numbers with their
units ("5nm", "128 cores"), and the event's rarer words ("spin-off", "succession"). A term's
weight is how rare it is in the language (wordfreq's Zipf frequency: "the" 7.7, "chip" 4.3, a
product name 0) and where it stands (the headline counts twice, the lead one and a half times);
the store later multiplies it by how rare the term is among stored stories.

- English words are lower-cased, hyphens and apostrophes dropped ("spin-off" = "spinoff") and
  stemmed (Snowball: "shelves"/"shelved" → "shelv"); very common words are left out.
- A capitalised name followed by a version number is one term ("Qwen 3" = "Qwen3" → "qwen3");
  a number with a unit is one term ("5-nanometre", "5 nm" → "5nm").
- Chinese text is converted to simplified characters with mainland vocabulary (OpenCC), then
  segmented (jieba, through wordfreq); Latin words inside it are read as English.
- Facts are terms too (`fact:<key>`): the gazetteer gives "阿里巴巴" and "Alibaba" one key, so
  Chinese and English coverage of one event meet on their facts.
- The watched entities' own names and keys are background (`background_terms`): every story
  rdwatch stores names Alibaba or DAMO Academy, so they say nothing about which event it is.

Pure and deterministic; only the top `MAX_TERMS` terms of an article are kept.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

from rdwatch.models import Fact

MAX_TERMS = 60
MAX_TERM_CHARS = 64
# Zipf frequency at or above which a word says nothing about an event ("said", "company", "new").
COMMON_ZIPF = {"en": 5.6, "zh": 5.0}
# A term's language weight is RARITY_BASE minus its Zipf frequency, at most RARITY_BASE.
RARITY_BASE = 7.0
NAMED_WEIGHT = RARITY_BASE  # a name with a version number, or a token mixing letters and digits
UNIT_WEIGHT = 0.8 * RARITY_BASE
# Words of a watched entity's name rarer than this are background (see `background_terms`).
BACKGROUND_MAX_ZIPF = {"en": 3.4, "zh": 4.0}
TITLE_BOOST = 2.0
LEAD_BOOST = 1.5
LEAD_CHARS = 800
BODY_FACT_SHARE = 0.5
# Fact kinds that identify an event, and their weights (a product or a person is the strongest).
FACT_WEIGHTS = {
    "product": 10.5,
    "person": 9.0,
    "money": 9.0,
    "spec": 7.5,
    "price": 7.5,
    "count": 6.0,
    "org": 6.0,
    "place": 3.0,
}
FACT_PREFIX = "fact:"
# A headline or lead term this heavy is an anchor: a rare word or name said once in the lead
# (7 × 1.5), a commoner one said in the headline or more than once, or a fact stated there.
ANCHOR_MIN_WEIGHT = 7.0
UNITS = {
    "nm": "nm", "nanometer": "nm", "nanometers": "nm", "nanometre": "nm", "nanometres": "nm",
    "core": "core", "cores": "core", "ghz": "ghz", "gb": "gb", "tb": "tb",
    "bn": "bn", "billion": "bn", "trillion": "tn", "million": "m", "mn": "m",
    "percent": "pct", "%": "pct", "tokens": "tokens", "parameters": "params", "params": "params",
    "researchers": "researchers", "engineers": "engineers", "scientists": "scientists",
}  # fmt: skip
_TOKEN = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)(?:\s?-?\s?(?P<unit>[A-Za-z%]+))?"
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*(?:[-'’.][A-Za-z0-9]+)*)"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_JOINERS = str.maketrans("", "", "-'’")
# Capitalised words that a number follows without making a model name ("Nov 16", "Q3 2024").
_NOT_NAMES = frozenset((
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "page", "vol", "no", "fig", "section", "chapter", "top",
))  # fmt: skip


@cache
def _language() -> _Language:
    """The stemmer, the Chinese converter and wordfreq, loaded on first use (not at import: a
    run with nothing new never needs them, and they take a quarter of a second to load)."""
    import jieba
    import opencc
    import Stemmer
    import wordfreq

    # jieba (behind wordfreq's Chinese tokenizer) announces building its dictionary on stderr.
    jieba.setLogLevel(logging.WARNING)
    return _Language(
        Stemmer.Stemmer("english"), opencc.OpenCC("tw2sp"), wordfreq.zipf_frequency,
        wordfreq.tokenize,
    )  # fmt: skip


class _Language(NamedTuple):
    stemmer: Any
    to_simplified: Any
    zipf_frequency: Callable[[str, str], float]
    tokenize: Callable[[str, str], list[str]]


TermWeights = Mapping[str, float]


@lru_cache(maxsize=262_144)
def _zipf(word: str, lang: str) -> float:
    return _language().zipf_frequency(word, lang)


@lru_cache(maxsize=262_144)
def _stem(word: str) -> str:
    return str(_language().stemmer.stemWord(word))


@dataclass(frozen=True)
class ArticleTerms:
    """An article's weighted terms; the terms of its headline and lead (`lead`); and its anchors,
    the lead terms weighty enough (`ANCHOR_MIN_WEIGHT`) to say what the article is about."""

    weights: dict[str, float]
    lead: frozenset[str] = frozenset()
    anchors: frozenset[str] = frozenset()


def article_terms(
    title: str, text: str, facts: Iterable[Fact] = (), *, background: AbstractSet[str] = frozenset()
) -> ArticleTerms:
    """The article's `MAX_TERMS` heaviest terms and their weights, `background` terms left out."""
    lead = text[:LEAD_CHARS]
    counts: dict[str, float] = {}
    weights: dict[str, float] = {}
    _latin_terms(title, TITLE_BOOST, counts, weights)
    _latin_terms(lead, LEAD_BOOST, counts, weights)
    _chinese_terms(f"{title}\n{lead}", counts, weights)
    facts = [f for f in facts if f.kind in FACT_WEIGHTS]
    lead_facts = [f for f in facts if _prominence(f.sentence, title, lead) > 1.0]
    in_lead = _scored(counts, weights, lead_facts, title, lead, background)
    _latin_terms(text[LEAD_CHARS:], 1.0, counts, weights)
    _chinese_terms(text[LEAD_CHARS:], counts, weights)
    scored = _scored(counts, weights, facts, title, lead, background)
    top = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
    kept = {term: round(weight, 4) for term, weight in top}
    return ArticleTerms(
        kept,
        lead=frozenset(t for t in in_lead if t in kept),
        anchors=frozenset(t for t, w in in_lead.items() if t in kept and w >= ANCHOR_MIN_WEIGHT),
    )


def _scored(
    counts: Mapping[str, float],
    weights: Mapping[str, float],
    facts: Iterable[Fact],
    title: str,
    lead: str,
    background: AbstractSet[str],
) -> dict[str, float]:
    """Each term's weight: (1 + ln count) × rarity, counts boosted by position; a fact's weight
    by its kind and where it was stated."""
    scored = {
        term: (1.0 + math.log(n)) * weights[term]
        for term, n in counts.items()
        if term not in background
    }
    for fact in facts:
        term = clip_term(FACT_PREFIX + fact.key)
        if term not in background:
            weight = FACT_WEIGHTS[fact.kind] * _prominence(fact.sentence, title, lead)
            scored[term] = max(scored.get(term, 0.0), weight)
    return scored


def _prominence(sentence: str, title: str, lead: str) -> float:
    """Where a fact was stated: an event's own facts are in its headline and lead, the background
    it recalls further down (a survey of R&D spending lists every chip the company ever made)."""
    if sentence and sentence in title:
        return TITLE_BOOST
    if sentence and sentence[:80] in lead:
        return LEAD_BOOST
    return BODY_FACT_SHARE


def background_terms(names: Iterable[str], fact_keys: Iterable[str] = ()) -> frozenset[str]:
    """The terms of names every stored story shares (the watched entities: "Alibaba", "DAMO
    Academy", "达摩院"), which are rare in the language and would otherwise make every story look
    alike until the store is large enough to know them as common. Only a name's rare words count
    ("damo", not "academy"; "平头", not "半导体"), and long descriptive aliases are left out."""
    latin: dict[str, float] = {}
    chinese: dict[str, float] = {}
    for name in names:
        if len(name.split()) > 3:
            continue
        _latin_terms(name, 1.0, {}, latin)
        if _CJK_RUN.search(name):
            _chinese_terms(name, {}, chinese)
    rare = {t for t, w in latin.items() if w > RARITY_BASE - BACKGROUND_MAX_ZIPF["en"]}
    rare |= {t for t, w in chinese.items() if w > RARITY_BASE - BACKGROUND_MAX_ZIPF["zh"]}
    return frozenset(rare) | frozenset(clip_term(FACT_PREFIX + key) for key in fact_keys)


def clip_term(term: str) -> str:
    """Terms are stored in an indexed column: long ones are cut (a quote's key can be a clause)."""
    return term[:MAX_TERM_CHARS]


def _add(counts: dict[str, float], weights: dict[str, float], term: str, weight: float,
         boost: float) -> None:  # fmt: skip
    term = clip_term(term)
    counts[term] = counts.get(term, 0.0) + boost
    if weight > weights.get(term, 0.0):
        weights[term] = weight


def _latin_terms(
    text: str, boost: float, counts: dict[str, float], weights: dict[str, float]
) -> None:
    name, name_end = "", -2  # the last capitalised word, for "Qwen 3"
    for match in _TOKEN.finditer(text):
        number = match.group("num")
        if number is not None:
            unit = (match.group("unit") or "").lower()
            plain = number.replace(",", "")
            if unit in UNITS:
                _add(counts, weights, plain + UNITS[unit], UNIT_WEIGHT, boost)
            elif name and match.start() - name_end <= 1:
                suffix = unit if 0 < len(unit) <= 4 else ""
                _add(counts, weights, name + plain + suffix, NAMED_WEIGHT, boost)
            name = ""
            continue
        word = match.group("word")
        low = word.lower().translate(_JOINERS)
        name, name_end = "", -2
        if any(c.isdigit() for c in word):
            _add(counts, weights, low, NAMED_WEIGHT, boost)
            continue
        zipf = _zipf(low, "en")
        if word[0].isupper() and zipf < 4.5 and low not in _NOT_NAMES:
            name, name_end = low, match.end()
        if zipf >= COMMON_ZIPF["en"] or len(low) < 3:
            continue
        _add(counts, weights, _stem(low), min(RARITY_BASE, RARITY_BASE - zipf), boost)


def _chinese_terms(text: str, counts: dict[str, float], weights: dict[str, float]) -> None:
    if not _CJK_RUN.search(text):
        return
    language = _language()
    for run in _CJK_RUN.findall(language.to_simplified.convert(text)):
        for word in language.tokenize(run, "zh"):
            if len(word) < 2:
                continue
            zipf = _zipf(word, "zh")
            if zipf < COMMON_ZIPF["zh"]:
                _add(counts, weights, word, min(RARITY_BASE, RARITY_BASE - zipf), 1.0)
