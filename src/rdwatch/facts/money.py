"""Money facts: amount, currency and USD value.

Reads "$15 billion", "US$15B", "approximately US$2 billion", "RMB 100 billion dollars" (the prefix
wins over a trailing "dollars"), "200 billion yuan", "$1-2 billion", and Chinese amounts
("1000亿元", "人民币1000亿元", "1,000万元", "15亿美元", "一千亿元", "1000多亿元" → more than).
A figure restated in a second currency — "1 million yuan (US$140,000)", "$254 million or 1.76
billion yuan", "1000亿元（约合150亿美元）" — is one fact: `value`/`currency` as first stated,
`usd` the stated US dollar figure when there is one (a reporter's conversion beats our
yearly-average rate), else converted.
The key uses the US dollar figure when the text states one, else the stated currency, so the same
amount reported by two outlets merges whatever the rate table says. The English patterns live in
`english_money`, the Chinese one here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rdwatch.facts.chinese_numbers import CHINESE_NUMBER, CHINESE_SCALE, MORE_THAN
from rdwatch.facts.english_money import find_english_money
from rdwatch.facts.numbers import format_key_number, parse_amount
from rdwatch.facts.qualifiers import qualifier_before
from rdwatch.facts.rates import RateTable, currency_code
from rdwatch.facts.sentences import has_chinese
from rdwatch.models import Fact

# "1000亿元", "人民币1000亿元", "1000亿元人民币", "15亿美元", "1000多亿元", "三千万港元". A bare 元
# is not money in 元宇宙 (metaverse), 元素, 元件, 元年 or 元数据; a number may not start mid-number.
_CJK_MONEY = (
    r"(?<![0-9.,零〇一二两三四五六七八九十百千万亿])"
    rf"(?P<cpre>人民币|美元|港元|港币|欧元)?(?P<cnum>{CHINESE_NUMBER})(?P<cmore>{MORE_THAN})?\s?"
    rf"(?P<cscale>{CHINESE_SCALE})?(?P<cmore2>{MORE_THAN})?\s?"
    r"(?P<csuf>元人民币|美元|港元|港币|欧元|元(?![宇素件年数旦首]))"
)
_CJK_MONEY_RE = re.compile(_CJK_MONEY)
# Cheap test that a sentence can hold money at all; most sentences cannot.
_SYMBOLS = re.compile(r"[$€¥￥元币]")
_NAMES = ("yuan", "dollar", "rmb", "usd", "cny", "hkd", "euro", "sgd", "renminbi")


def _may_hold_money(sentence: str) -> bool:
    """Cheap guard (substring tests, no regex alternation): most sentences hold no money."""
    if "$" in sentence if sentence.isascii() else _SYMBOLS.search(sentence):
        return True
    lowered = sentence.lower()
    return "EUR" in sentence or any(name in lowered for name in _NAMES)


# Joins a restatement: "X (Y)", "X or Y", "X, or Y", "X / Y", and in Chinese "X（约合Y）",
# "X，约合Y", "X（折合Y）".
_JOINER = re.compile(
    r"\s*(?:\(|,?\s+or\s+(?:about\s+|around\s+)?|/\s*|（(?:约合|折合|约)?|[，,]\s*(?:约合|折合))"
)


@dataclass(frozen=True)
class Amount:
    """One parsed money expression."""

    start: int
    end: int
    value: float
    currency: str
    qualifier: str | None
    upper: float | None = None


def find_amounts(sentence: str) -> list[Amount]:
    """Every money expression in a sentence, in order."""
    if not _may_hold_money(sentence):
        return []
    found = []
    matches = find_english_money(sentence)
    if has_chinese(sentence):
        matches.extend(_CJK_MONEY_RE.finditer(sentence))
    for m in matches:
        amount = _to_amount(m, qualifier_before(sentence, m.start()))
        if amount is not None:
            found.append(amount)
    found.sort(key=lambda a: a.start)
    return found


def _to_amount(m: re.Match[str], qualifier: str | None) -> Amount | None:
    g = m.groupdict()
    if g.get("cnum") is not None:
        return _cjk_amount(m, qualifier)
    pre = g.get("pre")  # None (absent) for an amount written before its currency
    num, num2, scale = (g["num"], g["num2"], g["scale"]) if pre else (g["bnum"], None, g["bscale"])
    if not pre and g.get("bnum2"):
        num2 = g["bnum2"]
    written = pre.strip() if pre else g["suf2"]
    code = currency_code(written.replace(" ", "") if pre else written)
    value = parse_amount(num, scale)
    if code is None or value is None:
        return None
    upper = parse_amount(num2, scale) if num2 else None
    return Amount(m.start(), m.end(), value, code, qualifier, upper)


def _cjk_amount(m: re.Match[str], qualifier: str | None) -> Amount | None:
    g = m.groupdict()
    # The unit after the number names the currency unless it is the generic 元 ("人民币100元").
    code = currency_code(g["cpre"] if g["cpre"] and g["csuf"] == "元" else g["csuf"])
    value = parse_amount(g["cnum"], g["cscale"])
    if code is None or value is None:
        return None
    if g["cmore"] or g["cmore2"]:
        qualifier = "more than"  # "1000多亿元": more than 100 billion
    return Amount(m.start(), m.end(), value, code, qualifier)


def extract_money(sentence: str, rates: RateTable, published: date | None) -> list[Fact]:
    """Money facts of one sentence; a restated figure joins the amount it restates."""
    amounts = find_amounts(sentence)
    facts: list[Fact] = []
    index = 0
    while index < len(amounts):
        first = amounts[index]
        second = amounts[index + 1] if index + 1 < len(amounts) else None
        if second is not None and _restates(sentence, first, second):
            facts.append(_fact(sentence, first, second, rates, published))
            index += 2
        else:
            facts.append(_fact(sentence, first, None, rates, published))
            index += 1
    return facts


def _restates(sentence: str, first: Amount, second: Amount) -> bool:
    """True when `second` follows `first` as "(…)", "or …" in another currency."""
    gap = sentence[first.end : second.start]
    return first.currency != second.currency and _JOINER.fullmatch(gap) is not None


def _fact(
    sentence: str, first: Amount, second: Amount | None, rates: RateTable, published: date | None
) -> Fact:
    end = second.end if second else first.end
    if second is not None and sentence[end : end + 1] in ")）":
        end += 1
    stated_usd = next((a for a in (first, second) if a is not None and a.currency == "USD"), None)
    usd = stated_usd.value if stated_usd else rates.to_usd(first.value, first.currency, published)
    basis = stated_usd or first
    key = f"money:{basis.currency.lower()}:{format_key_number(basis.value)}"
    qualifier = first.qualifier
    if first.upper is not None:
        key += f"-{format_key_number(first.upper)}"
        qualifier = f"range to {format_key_number(first.upper)}"
    return Fact(
        kind="money",
        text=sentence[first.start : end].strip(),
        key=key,
        sentence=sentence,
        value=first.value,
        currency=first.currency,
        usd=round(usd, 2) if usd is not None else None,
        qualifier=qualifier,
    )
