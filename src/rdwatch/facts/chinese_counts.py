"""Count facts in Chinese text: a number, a measure word and the counted noun ("100名研究人员",
"30名博士后", "500篇论文", "2.5万名工程师", "100多名科学家"), and figures written without a
measure word ("20亿用户", "20亿人", "12纳米": a chip's process node, as "12 nanometers" is in
English).

The noun must be one the gazetteer's `count_nouns` table knows (Chinese variants map to the same
canonical units as English: 研究人员 → researchers), so "3个月" or "5家公司" yield nothing unless
listed. After the person measure words 名/位 a short modifier may stand before the noun
("100名顶尖科学家"): the head noun of a Chinese noun phrase comes last. Ordinals ("第3名"), vague
numbers ("数百名", "上千名") and a lone "一" ("一名") are not counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdwatch.facts.chinese_numbers import CHINESE_NUMBER, CHINESE_SCALE, MORE_THAN
from rdwatch.facts.gazetteer import Gazetteer
from rdwatch.facts.keys import SPEC_COUNT_UNITS
from rdwatch.facts.numbers import format_key_number, parse_amount
from rdwatch.facts.qualifiers import qualifier_before
from rdwatch.models import Fact

# 第 (ordinal), 前 (top-N), 数/几/上/成 (vague: "数百", "上千", "成千"), and a digit or numeral
# before the match (it would start mid-number).
_NOT_AFTER = r"(?<![第前数几上成0-9零〇一二两三四五六七八九十百千万亿.])"
_MEASURE = re.compile(
    rf"{_NOT_AFTER}(?P<num>{CHINESE_NUMBER})(?P<more>{MORE_THAN})?(?P<scale>{CHINESE_SCALE})?"
    rf"(?P<more2>{MORE_THAN})?(?P<mw>[名位个家篇所项件款座颗份])\s?(?P<noun>[\u3400-\u9fff]{{1,8}}|[A-Za-z]+)"
)
# Without a measure word, as large figures often are written: "20亿用户", "20亿人", "12纳米". The
# number must start with a digit ("千人计划" is a programme, not a thousand people).
_DIRECT = re.compile(
    rf"{_NOT_AFTER}(?=[0-9０-９零〇一二两三四五六七八九])(?P<num>{CHINESE_NUMBER})"
    rf"(?P<more>{MORE_THAN})?(?P<scale>{CHINESE_SCALE})?(?P<more2>{MORE_THAN})?\s?"
    r"(?P<noun>[\u3400-\u9fff]{1,8})"
)
# 人 counts people, but not in 人工 (artificial), 人民, 人次 (visits), 人才 (talent), 人类.
_PEOPLE = re.compile(r"人(?![工民次才类])")
_MAX_MODIFIER = 4
# A modifier never spans a conjunction or list mark: "3名教授和工程师" counts professors only.
_MODIFIER_STOP = frozenset("和与及或、等")


def extract_chinese_counts(
    sentence: str, gazetteer: Gazetteer, blocked: Sequence[tuple[int, int]] = ()
) -> list[Fact]:
    """Count facts of one Chinese sentence; numbers inside `blocked` spans (money) are skipped."""
    facts: list[Fact] = []
    for m in _MEASURE.finditer(sentence):
        if any(s <= m.start() < e for s, e in blocked):
            continue
        found = _counted_noun(m.group("noun"), _modifier_room(m.group("mw")), gazetteer)
        if found is not None:
            noun, offset = found
            end = m.start("noun") + offset + len(noun)
            fact = _count(sentence, m, gazetteer.count_nouns[noun], end)
            facts.extend([fact] if fact else [])
    for m in _DIRECT.finditer(sentence):
        if any(s <= m.start() < e for s, e in blocked):
            continue
        found = _counted_noun(m.group("noun"), 0, gazetteer)
        if found is not None:
            unit, end = gazetteer.count_nouns[found[0]], m.start("noun") + len(found[0])
        elif _PEOPLE.match(m.group("noun")):
            unit, end = "people", m.start("noun") + 1
        else:
            continue
        fact = _count(sentence, m, unit, end)
        facts.extend([fact] if fact else [])
    return facts


def _modifier_room(measure: str) -> int:
    """How many characters of modifier may stand between a measure word and its noun: up to four
    after 名/位 ("100名顶尖科学家"), two after the others ("770万篇公开论文")."""
    return _MAX_MODIFIER if measure in "名位" else 2


def _counted_noun(words: str, room: int, gazetteer: Gazetteer) -> tuple[str, int] | None:
    """(known noun, offset in `words`): right after the measure word, or after a modifier of at
    most `room` characters."""
    last_start = min(room, len(words) - 1)
    for offset in range(last_start + 1):
        if offset and words[offset - 1] in _MODIFIER_STOP:
            return None
        for size in range(len(words) - offset, 0, -1):  # longest first: 研究人员 before 研究
            noun = words[offset : offset + size]
            if noun in gazetteer.count_nouns:
                return noun, offset
    return None


def _count(sentence: str, m: re.Match[str], unit: str, end: int) -> Fact | None:
    value = parse_amount(m.group("num"), m.group("scale"))
    if value is None or value <= 1:
        return None
    begin = m.start()
    more = m.group("more") or m.group("more2")
    kind = "spec" if unit in SPEC_COUNT_UNITS else "count"
    return Fact(
        kind=kind,
        text=sentence[begin:end],
        key=f"{kind}:{unit}:{format_key_number(value)}",
        sentence=sentence,
        value=value,
        unit=unit,
        qualifier="more than" if more else qualifier_before(sentence, begin),
    )
