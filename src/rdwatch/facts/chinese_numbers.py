"""Chinese numerals as news text writes them: "三", "二十五", "一千零五", "三万五千", "两千五百万",
"一百二十亿", "三点五", "二〇一七", and Arabic digits with a scale character ("1000亿", "1,000万",
"2.5万").

`parse_chinese_number` is pure and never raises: it returns None for anything it cannot read
unambiguously ("亿" alone, "三三", "十十"). The regex fragments here are shared by the money, count
and date patterns so that all of them read the same numbers.
"""

from __future__ import annotations

import re

DIGIT_VALUES: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS: dict[str, int] = {"亿": 100_000_000, "万": 10_000}

# A number: Arabic digits (half- or full-width, with separators), or a run of Chinese numeral
# characters, which may hold 万 and 亿 inside ("三万五千"). Arabic digits stop before a scale
# character so that the patterns can read it, and a "多"/"余" between them ("1000多亿").
_NUMERAL = "[零〇一二两三四五六七八九十百千万亿]"
_ARABIC_RUN = "[0-9０-９][0-9０-９.,]*(?<![.,])"
_DECIMAL_POINT = "点(?=[零〇一二三四五六七八九])"
CHINESE_NUMBER = rf"(?:{_ARABIC_RUN}|{_NUMERAL}(?:{_NUMERAL}|{_DECIMAL_POINT})*)"
CHINESE_SCALE = r"(?:万亿|千万|百万|十万|亿|万|千)"
# "100多名", "1000余万元": the figure is a lower bound.
MORE_THAN = r"(?:多|余)"
_ARABIC = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
# Thousands separators between digit groups ("1,000万"); other commas make the token unreadable.
_GROUP_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# An Arabic number or any single character.
_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|.", re.DOTALL)
# Longer runs are not numbers a reporter writes; the cap also bounds the recursion on 亿 and 万.
_MAX_CHARS = 24


def parse_chinese_number(token: str) -> float | None:
    """Value of a Chinese or Arabic numeral with optional 万/亿 inside, or None."""
    token = _GROUP_COMMA.sub("", token.strip().translate(_FULLWIDTH))
    if not token or len(token) > _MAX_CHARS:
        return None
    return _with_big_units(token, 0)


def _with_big_units(text: str, level: int) -> float | None:
    """Split on 亿 (level 0) then 万 (level 1): head × unit + tail; below 万 read small units."""
    if level == len(BIG_UNITS):
        return _below_wan(text)
    char, unit = list(BIG_UNITS.items())[level]
    head, sep, tail = text.rpartition(char) if char in text else ("", "", text)
    if not sep:
        return _with_big_units(tail, level + 1)
    # "万" alone reads as ten thousand ("近万名"); "亿" alone is not a number.
    high = 1.0 if head == "" and char == "万" else _with_big_units(head, level)
    if high is None or high == 0:
        return None
    low = _tail_after_big_unit(tail, unit, level)
    return None if low is None or low >= unit else high * unit + low


def _tail_after_big_unit(tail: str, unit: int, level: int) -> float | None:
    """What follows 万/亿: "" → 0, "零五" → 5, a lone digit abbreviates ("三万五" → 5000)."""
    if tail == "":
        return 0.0
    if len(tail) == 1 and tail in DIGIT_VALUES and tail not in "零〇":
        return float(DIGIT_VALUES[tail] * unit // 10)
    return _with_big_units(tail.removeprefix("零"), level + 1)


def _below_wan(text: str) -> float | None:
    """A number below ten thousand: Arabic ("2.5"), positional year ("二〇一七"), or with units."""
    if text == "":
        return None
    if _ARABIC.fullmatch(text):
        return float(text)
    if "点" in text:
        whole, _, fraction = text.partition("点")
        return _decimal(whole, fraction)
    if len(text) == 4 and all(ch in DIGIT_VALUES for ch in text):  # a year: "二〇一七"
        return float("".join(str(DIGIT_VALUES[ch]) for ch in text))
    return _small_units(text)


def _decimal(whole: str, fraction: str) -> float | None:
    integer = _small_units(whole) if whole else None
    if integer is None or not fraction or any(ch not in DIGIT_VALUES for ch in fraction):
        return None
    return float(f"{int(integer)}." + "".join(str(DIGIT_VALUES[ch]) for ch in fraction))


def _small_units(text: str) -> float | None:
    """十/百/千 with digits: "二十五" → 25, "一千零五" → 1005, "一百五" → 150, "十二" → 12.

    Units must fall strictly from left to right, each with at most one number before it (which may
    be Arabic: "3千", "1.5千"); only 十 may stand without one at the start ("十五", also "百"/"千"
    alone for 100/1000, as in "百余名").
    """
    tokens = _TOKEN.findall(text)
    total, digit, last_unit = 0.0, None, 10_000
    for index, token in enumerate(tokens):
        unit = SMALL_UNITS.get(token)
        if unit is None:
            if digit is not None and digit != 0:
                return None  # two numbers in a row without a unit
            digit = float(DIGIT_VALUES[token]) if token in DIGIT_VALUES else _arabic(token)
            if digit is None:
                return None
            continue
        if unit >= last_unit or (digit is None and index > 0) or digit == 0:
            return None
        total += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    if digit is not None and len(tokens) >= 2 and tokens[-2] in SMALL_UNITS and last_unit > 10:
        # "一百五" means 150: a final digit right after a unit counts in the next unit down.
        return total + digit * last_unit // 10
    return total + (digit or 0)


def _arabic(token: str) -> float | None:
    return float(token) if _ARABIC.fullmatch(token) else None
