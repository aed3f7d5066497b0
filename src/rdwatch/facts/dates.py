"""Date and period facts.

Keys: a calendar date `date:2017-10-12`, a month `date:2020-04`, a quarter `date:2016-q4`, a year
`date:2024` (qualifier: since/by/late/early…), a period ahead `date:next:3y` ("over the next three
years", "within two decades" → next:20y, "未来三年", "三年内"), a period back `date:ago:11y`
/ `date:past:5y`.
Dates without a year ("On September 30", "in April this year", "7月25日", "去年9月") take the
article's publication year; when it is unknown, a month and day keep ISO 8601's year-less form
`date:--09-30` (most pages carry no date, and the day of an event is still a fact), other such
phrases are skipped. A Chinese day alone ("25日", as reports write the day of an event) is the
latest such day on or before publication.
Weekday-relative phrases ("on Tuesday") are not facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from rdwatch.facts.chinese_numbers import CHINESE_NUMBER
from rdwatch.facts.numbers import NUMBER, parse_number
from rdwatch.facts.scanning import matches_near
from rdwatch.models import Fact

_MONTHS = {
    name: index
    for index, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1)
    for name in names
}  # fmt: skip
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:19[5-9]\d|20\d\d)"
_PERIOD_UNIT = r"(?P<unit>years?|decades?|months?)\b"
_CJK_MONTH = r"1[0-2]|0?[1-9]"
_CJK_DAY = r"[12]\d|3[01]|0?[1-9]"
# A span of years or months before 前 (ago) or 内 (within): never a four-digit year ("2017年前").
_CJK_SMALL = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
_UNIT_YEARS = {"year": 1, "years": 1, "decade": 10, "decades": 10}
# Period patterns → the direction in their key (date:next:3y, date:past:5y, date:ago:11y).
_DIRECTIONS = {
    "ahead": "next", "cjk_ahead": "next", "cjk_within": "next", "past": "past", "cjk_past": "past",
    "ago": "ago", "cjk_ago": "ago",
}  # fmt: skip
_PATTERNS = [
    ("mdy", rf"(?P<month>{_MONTH}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<year>{_YEAR})\b"),
    ("dmy", rf"\b(?P<day>\d{{1,2}}) (?P<month>{_MONTH}),? (?P<year>{_YEAR})\b"),
    ("iso", rf"\b(?P<year>{_YEAR})-(?P<m>\d\d)-(?P<day>\d\d)\b"),
    ("cjk_ymd", rf"(?P<year>{_YEAR})年(?P<m>\d{{1,2}})月(?:(?P<day>\d{{1,2}})日)?"),
    ("quarter", rf"\b(?P<q>first|second|third|fourth|last|final|1st|2nd|3rd|4th) quarter"
                rf" (?:of )?(?P<year>{_YEAR})\b"),
    ("md", rf"\b[Oo]n (?P<month>{_MONTH}) (?P<day>\d{{1,2}})\b(?!,? \d)"),
    ("my", rf"\b(?:in |In )(?P<month>{_MONTH}),? (?P<year>{_YEAR}|this year|last year)\b"),
    ("ahead", rf"\b(?:(?:over|in|during|for|within) (?:the )?(?:next|coming|following) "
              rf"|within (?:the next )?|in the next )(?P<n>{NUMBER}) {_PERIOD_UNIT}"),
    ("ago", rf"\b(?P<n>{NUMBER}) {_PERIOD_UNIT} ago\b"),
    ("past", rf"\b(?:over|in|during|for) the (?:past|last) (?P<n>{NUMBER}) {_PERIOD_UNIT}"),
    ("year", rf"\b(?P<qual>[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|[Dd]uring|[Bb]efore|[Aa]fter"
             rf"|[Tt]hrough|late|early|mid-?|end of) (?P<year>{_YEAR})\b(?![-/]\d)"),
    ("cjk_year", rf"(?P<year>{_YEAR})年(?!\d{{1,2}}月)"),
    ("cjk_md", rf"(?<![\d年])(?P<m>{_CJK_MONTH})月(?P<day>{_CJK_DAY})[日号]"),
    ("cjk_rel", rf"(?P<rel>今年|去年|明年)(?P<m>{_CJK_MONTH})月(?:(?P<day>{_CJK_DAY})[日号])?"),
    ("cjk_day", rf"(?<![\d月])(?P<day>{_CJK_DAY})日(?!本)"),
    ("cjk_ahead", rf"(?:未来|今后|接下来的?)(?P<n>{CHINESE_NUMBER})(?P<unit>年|个月)"),
    ("cjk_past", rf"过去的?(?P<n>{CHINESE_NUMBER})(?P<unit>年|个月)"),
    ("cjk_ago", rf"(?<![\d年])(?P<n>{_CJK_SMALL})(?P<unit>年|个月)前"),
    ("cjk_within", rf"(?<![\d年])(?P<n>{_CJK_SMALL})(?P<unit>年|个月)内"),
]  # fmt: skip
# The patterns run as three families, each only on sentences that pass its cheap guard: a regex
# alternation tried at every character is the main cost of fact extraction, and most sentences
# hold no year, no month name and no period word.
_FAMILIES = {
    "year": ("mdy", "dmy", "iso", "cjk_ymd", "quarter", "my", "year", "cjk_year"),
    "month": ("md", "my"),
    "ahead": ("ahead",),
    "cjk": ("cjk_md", "cjk_rel", "cjk_day", "cjk_ahead", "cjk_past", "cjk_ago", "cjk_within"),
    "ago": ("ago",),
    "past": ("past",),
}
_YEAR_GUARD = re.compile(r"(?:19[5-9]|20\d)\d")
_MONTH_GUARD = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (?:\d|this|last)"
)
# Words a period family needs in the lower-cased sentence (substring tests cost next to nothing).
_PERIOD_WORDS = {
    "ahead": ("next", "within", "coming", "following"),
    "ago": (" ago",),
    "past": ("past", "last"),
}
_PERIOD_UNITS = ("year", "decade", "month")
# Every Chinese date or period pattern holds one of these characters.
_CJK_GUARD = re.compile(r"[年月日]")


def _families(sentence: str) -> list[str]:
    """The pattern families worth running on a sentence."""
    families = []
    # Substring tests first: the year class scans several times slower than "20" and "19" do.
    if ("20" in sentence or "19" in sentence) and _YEAR_GUARD.search(sentence):
        families.append("year")
    if _MONTH_GUARD.search(sentence):
        families.append("month")
    if not sentence.isascii() and _CJK_GUARD.search(sentence):
        families.append("cjk")
    lowered = sentence.lower()
    if any(unit in lowered for unit in _PERIOD_UNITS):
        families += [f for f, words in _PERIOD_WORDS.items() if any(w in lowered for w in words)]
    return families


# Every pattern of the Latin families starts at a word start ("\b"), with a digit or with a
# capital (a month name). Testing that first skips the alternation inside words and at spaces,
# which is most characters of a sentence.
_LATIN_START = r"(?=[\dA-Z]|\b\w)"


def _compile_family(family: str, names: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation whose group names are prefixed by pattern name ("mdy_year")."""
    table = dict(_PATTERNS)
    body = "|".join(f"(?P<{n}>{table[n].replace('(?P<', f'(?P<{n}_')})" for n in names)
    return re.compile(body if family == "cjk" else f"{_LATIN_START}(?:{body})")


_REGEXES = {family: _compile_family(family, names) for family, names in _FAMILIES.items()}
# The year and month families run only next to what each of their matches holds, see
# `matches_near`: a year ("2019", "this year") at most 18 characters after the match start
# ("fourth quarter of 2019"), or a month name 3 after it ("in April"). Their patterns have no
# unbounded repeat, and none reads further than 40 characters from where it starts.
_ANCHORS = {
    "year": (re.compile(rf"{_YEAR}|this year|last year"), 18),
    "month": (re.compile(_MONTH), 3),
}
_REACH = 40
# Pattern name → (part, group) for the groups of that pattern: reading only those is cheaper than
# filtering the match's groupdict, which holds every pattern's groups.
_GROUPS = {
    name: tuple(
        (group[len(name) + 1 :], group)
        for group in _REGEXES[family].groupindex
        if group.startswith(name + "_")
    )
    for family, names in _FAMILIES.items()
    for name in names
}


def dateline(text: str) -> date | None:
    """The first full date near the top of an article (its dateline), to date relative phrases
    ("in April this year") when the publication date is unknown."""
    for m in _matches("year", text[:400]):
        if m.lastgroup in ("mdy", "dmy", "iso", "cjk_ymd"):
            key, _ = _key(m.lastgroup, _parts(m, m.lastgroup), None)
            if key is not None:
                try:
                    return date.fromisoformat(key)
                except ValueError:
                    continue
    return None


def _matches(family: str, text: str) -> Iterable[re.Match[str]]:
    if family in _ANCHORS:
        anchor, before = _ANCHORS[family]
        return matches_near(_REGEXES[family], anchor, before, _REACH, text)
    return _REGEXES[family].finditer(text)


def _parts(m: re.Match[str], kind: str) -> dict[str, str]:
    return {part: value for part, group in _GROUPS[kind] if (value := m.group(group))}


def extract_dates(sentence: str, published: date | None) -> list[Fact]:
    """Date and period facts of one sentence."""
    facts: list[Fact] = []
    seen: set[tuple[int, int]] = set()
    for family in _families(sentence):
        for m in _matches(family, sentence):
            if m.lastgroup is None or m.span() in seen:
                continue
            seen.add(m.span())
            key, qualifier = _key(m.lastgroup, _parts(m, m.lastgroup), published)
            if key is not None:
                facts.append(
                    Fact(kind="date", text=m.group(0), key=f"date:{key}", sentence=sentence,
                         qualifier=qualifier)
                )  # fmt: skip
    return facts


def _key(kind: str, p: dict[str, str], published: date | None) -> tuple[str | None, str | None]:
    """The key body and qualifier of one match, or (None, None) when it cannot be dated."""
    if kind in ("mdy", "dmy", "iso", "cjk_ymd", "md", "cjk_md"):
        return _calendar(p, published), None
    if kind == "cjk_rel":
        if published is None:
            return None, None
        shift = {"去年": -1, "今年": 0, "明年": 1}[p["rel"]]
        return _calendar({**p, "year": str(published.year + shift)}, published), None
    if kind == "cjk_day":
        return _day_only(int(p["day"]), published), None
    if kind == "my":
        year = _relative_year(p["year"], published)
        month = _MONTHS.get(p["month"].lower().rstrip("."))
        return (f"{year}-{month:02d}", None) if year and month else (None, None)
    if kind == "quarter":
        quarter = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}.get(
            p["q"].lower(), 4
        )
        return f"{p['year']}-q{quarter}", None
    if kind in _DIRECTIONS:
        return _period(kind, p)
    qualifier = p.get("qual", "in").lower().rstrip("-")
    return p["year"], (None if qualifier == "in" else qualifier)


def _calendar(p: dict[str, str], published: date | None) -> str | None:
    """The key "2017-10-11" or "2017-10" from year (else the publication year), month, day;
    "--10-11" for a month and day whose year nothing tells."""
    year = int(p["year"]) if "year" in p else (published.year if published else None)
    month = int(p["m"]) if "m" in p else _MONTHS.get(p.get("month", "").lower().rstrip("."))
    if month is None:
        return None
    if year is None:
        return f"--{month:02d}-{int(p['day']):02d}" if "day" in p else None
    return f"{year}-{month:02d}-{int(p['day']):02d}" if "day" in p else f"{year}-{month:02d}"


def _day_only(day: int, published: date | None) -> str | None:
    """A day alone ("25日"): the 25th of the publication month, or of the month before when
    the 25th is still ahead (a report published on 3 August about "31日" means 31 July)."""
    if published is None:
        return None
    year, month = published.year, published.month
    if day > published.day:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year}-{month:02d}-{day:02d}"


def _relative_year(text: str, published: date | None) -> int | None:
    if text.isdigit():
        return int(text)
    if published is None:
        return None
    return published.year - (1 if text == "last year" else 0)


def _period(kind: str, p: dict[str, str]) -> tuple[str | None, str | None]:
    n = parse_number(p["n"])
    if n is None or n <= 0:
        return None, None
    unit = p["unit"]
    direction = _DIRECTIONS[kind]
    if unit.startswith("month") or unit == "个月":
        return f"{direction}:{int(n)}m", None
    years = n * _UNIT_YEARS.get(unit, 1)
    return f"{direction}:{int(years)}y", None
