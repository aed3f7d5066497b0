"""Percentages, technical specs and market figures.

- `percent`: "97%", "more than 8%", "20 per cent", "近8%" → `percent:97` (the hedge stays in the
  text and the qualifier, not in the key).
- `spec`: a figure with a unit of measure or of hardware: "5nm", "5-nanometre", "5 纳米" →
  `spec:nm:5`; "3.2GHz" → `spec:ghz:3.2`; "128-core", "128 cores", "128核" → `spec:cores:128`
  (counts of cores come through `counts` and get the same key).
- `price`: an amount per unit, as model prices are quoted: "0.0008 yuan/1000 tokens", "0.5 yuan
  per million tokens", "0.0005元/千tokens" → `price:cny/token:<amount per token>`, so one price
  quoted per thousand and per million tokens is one key.
- `market`: share moves, share prices, revenue, profit, valuations — figures about the market
  rather than what a company builds. A money amount or a percentage whose neighbourhood names
  such a figure ("shares rose 8%", "revenue of 224.8 billion yuan", "market value of $41 billion")
  becomes `market:<currency>:<amount>` / `market:pct:<value>`; never significant for notability.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rdwatch.facts.keys import canonical_unit
from rdwatch.facts.numbers import format_key_number
from rdwatch.facts.qualifiers import qualifier_before, qualifier_start
from rdwatch.facts.scanning import trie_pattern
from rdwatch.models import Fact

_PERCENT = re.compile(
    r"\d(?<![A-Za-z0-9_.,]\d)(?:\d{0,2}(?:,\d{3})+|\d*)(?:\.\d+)?\s?(?:%|％|per ?cent\b|percent\b)"
    r"(?!\s?(?:points?|个百分点))"
)
_SPEC = re.compile(
    r"\d(?<![A-Za-z0-9_.,]\d)\d*(?:\.\d+)?(?:\s?-\s?|\s)?(?P<unit>nm|nanomet(?:er|re)s?|GHz|MHz|TOPS"
    r"|TFLOPS|PFLOPS|[GTPE]B|-core|纳米|奈米|核心|核)(?![A-Za-z])"
)
# Words that make a nearby figure a market figure: a share price or move, a valuation, results.
# Matched in the lower-cased neighbourhood (a case-sensitive trie is several times faster than an
# IGNORECASE alternation).
_MARKET = re.compile(
    trie_pattern(["share", "stock", "market value", "market cap", "valuation", "valued",
                  "revenue", "sales", "profit", "earnings", "net income", "results", " quarter",
                  "price target", "sell-off", "depositary", "hang seng", "nasdaq", "trading",
                  "traded",
                  "股价", "股票", "市值", "估值", "营收", "收入", "利润", "盈利", "财报", "季度",
                  "港股", "美股", "盘前", "收盘", "涨", "跌"])
)  # fmt: skip
# An investment or spending word close before an amount makes it a commitment, not a result.
_COMMITMENT = re.compile(trie_pattern(["invest", "spend", "fund", "commit", "raise", "投资", "投入",
                                       "融资"]))  # fmt: skip
_BEFORE_REACH, _AFTER_REACH, _COMMITMENT_REACH = 60, 30, 30


def extract_percents(sentence: str) -> list[Fact]:
    """Percent facts of one sentence (market ones as `market`)."""
    if "%" not in sentence and "％" not in sentence and "cent" not in sentence:
        return []
    facts = []
    for m in _PERCENT.finditer(sentence):
        number = re.match(r"[\d,.]+", m.group())
        if number is None:
            continue
        value = float(number.group().replace(",", ""))
        begin = qualifier_start(sentence, m.start())
        fact = Fact(
            kind="percent",
            text=sentence[begin : m.end()],
            key=f"percent:{format_key_number(value)}",
            sentence=sentence,
            value=value,
            unit="%",
            qualifier=qualifier_before(sentence, m.start()),
        )
        facts.append(as_market(fact, m.start(), m.end()))
    return facts


def extract_specs(sentence: str) -> list[Fact]:
    """Spec facts written with a unit glued or hyphenated to the number ("5nm", "128-core")."""
    facts = []
    for m in _SPEC.finditer(sentence):
        unit = canonical_unit(m.group("unit").strip("-"))
        number = re.match(r"\d+(?:\.\d+)?", m.group())
        if unit is None or number is None:
            continue
        value = float(number.group())
        facts.append(
            Fact(
                kind="spec",
                text=m.group(),
                key=f"spec:{unit}:{format_key_number(value)}",
                sentence=sentence,
                value=value,
                unit=unit,
            )
        )
    return facts


_PER_UNIT = re.compile(
    r"\s?(?:/|per)\s?(?P<n>\d[\d,]*|thousand|million|billion|千|万|百万)?\s?"
    r"(?P<unit>tokens?|images?|pictures?|calls?|requests?|queries)(?![A-Za-z])",
    re.IGNORECASE,
)
_PER = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "千": 1e3, "万": 1e4, "百万": 1e6}


def as_price(fact: Fact, end: int) -> Fact:
    """A money fact followed by "/1000 tokens", "per million tokens" as a unit price."""
    m = _PER_UNIT.match(fact.sentence, end)
    if m is None or fact.value is None or fact.currency is None:
        return fact
    count = m.group("n") or "1"
    per = _PER.get(count.lower()) or float(count.replace(",", "") or 1)
    unit = m.group("unit").lower().rstrip("s")
    per_unit = fact.value / per
    return replace(
        fact,
        kind="price",
        text=fact.sentence[fact.sentence.find(fact.text) : m.end()],
        key=f"price:{fact.currency.lower()}/{unit}:{per_unit:.6g}",
        unit=unit,
    )


def as_market(fact: Fact, start: int, end: int) -> Fact:
    """The fact as a market figure when its neighbourhood in the sentence names one."""
    sentence = fact.sentence
    lowered = sentence.lower()
    near = f"{lowered[max(0, start - _BEFORE_REACH) : start]}\n{lowered[end : end + _AFTER_REACH]}"
    if not _MARKET.search(near):
        return fact
    if _COMMITMENT.search(lowered, max(0, start - _COMMITMENT_REACH), start):
        return fact
    if fact.kind == "money" and fact.currency:
        key = f"market:{fact.currency.lower()}:{format_key_number(fact.value or 0)}"
    else:
        key = f"market:pct:{format_key_number(fact.value or 0)}"
    return replace(fact, kind="market", key=key)
