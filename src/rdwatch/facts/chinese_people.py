"""People in Chinese text, by two patterns reliable enough to trust without a model:

- title before name: "阿里巴巴首席技术官张建锋", "达摩院院长张建锋", "阿里巴巴CEO张勇" — role
  from the gazetteer's `roles` table (Chinese variants), organisation from the alias right before
  the title (else the watched organisation named earlier in the sentence, as in English);
- speech verb after a name at the start of a clause: "王小刚表示", "，李明此前指出".

A known person (a gazetteer alias such as 张建锋) resolves to its key; an unknown name must start
with a common surname, have one or two given-name characters, and end where a verb, a function
word or punctuation begins. Chinese has no spaces, so these boundary checks are what keeps "方面称"
or "林业局表示" from becoming people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdwatch.facts.gazetteer import Gazetteer, Mention
from rdwatch.models import Fact

# Common surnames, minus those that are everyday words at the start of a clause (和, 于, 方, 高,
# 时, 成, 关, 全, 应, 明, 文, 安, 金, 华 …): missing a rare name beats inventing a person.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭林何罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁"
    "任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴"
    "莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳甘祝包舒阮柯纪梅童凌毕"
    "霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲滕屈饶牟艾尤穆卓缪褚娄窦戚岑景宫费卜冷晏席卫"
    "米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄仲虞敖巩佘池麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容", "令狐", "皇甫", "司徒")
# Characters that end organisation or group words ("林业局", "高层", "双方", "学者") and never a
# given name in news text.
_NOT_GIVEN = frozenset("局部院所会司厂处委办厅队组层界们者方面业务员师家人士生团省市区县镇村州")
_SPEECH_VERBS = (
    "表示", "指出", "认为", "介绍", "透露", "强调", "坦言", "提到", "谈到", "宣布", "告诉", "解释",
    "说", "称",
)  # fmt: skip
_ADVERBS = ("此前", "曾经", "日前", "近日", "随后", "同时", "当天", "也", "还", "则", "曾", "更")
# Single characters that may follow a name directly: function words and one-character verbs.
_AFTER_NAME = frozenset("在于等曾也还则和与对向将已说称的是就为")
_VERB = "|".join(_SPEECH_VERBS)
_ADVERB = "|".join(_ADVERBS)
_SPEECH = re.compile(
    rf"(?:^|(?<=[，。；：“”、（）\s]))(?P<name>[\u4e00-\u9fff]{{2,4}}?)(?:{_ADVERB})?(?:{_VERB})"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TITLE_JOINERS = ("兼", "、", "和", "及", "与")


def extract_chinese_people(
    sentence: str, mentions: Sequence[Mention], gazetteer: Gazetteer
) -> list[Fact]:
    """Person facts of one Chinese sentence from the two patterns; known people keep their key."""
    facts = [
        fact
        for start, end, role in _joined_titles(sentence, gazetteer.find_chinese_roles(sentence))
        if (fact := _titled(sentence, start, end, role, mentions)) is not None
    ]
    for m in _SPEECH.finditer(sentence):
        name = m.group("name")
        if _is_name(name) and not _overlaps(m.start("name"), m.end("name"), mentions):
            facts.append(_person(sentence, name, None, None))
    return facts


def _joined_titles(sentence: str, titles: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Titles joined by 兼 or 和 are one, starting at the first part: "董事局主席兼首席执行官"
    is "Chairman and CEO"."""
    joined: list[tuple[int, int, str]] = []
    for start, end, role in titles:
        if joined and sentence[joined[-1][1] : start] in _TITLE_JOINERS:
            first_start, _, first_role = joined.pop()
            start, role = first_start, f"{first_role} and {role}"
        joined.append((start, end, role))
    return joined


def _titled(
    sentence: str, start: int, end: int, role: str, mentions: Sequence[Mention]
) -> Fact | None:
    """The person named right after a title, with the title's organisation."""
    org = _org_of_title(sentence, start, mentions)
    known = next((m for m in mentions if m.start == end), None)
    if known is not None:
        if known.entity.kind != "person":
            return None
        return Fact(kind="person", text=known.entity.name, key=known.entity.key,
                    sentence=sentence, role=role, org=org)  # fmt: skip
    name = _name_after(sentence, end)
    if name is None or _overlaps(end, end + len(name), mentions):
        return None
    return _person(sentence, name, role, org)


def _org_of_title(sentence: str, start: int, mentions: Sequence[Mention]) -> str | None:
    """The organisation alias ending at the title ("达摩院院长", "阿里巴巴的CEO"), else the watched
    organisation the sentence named earlier."""
    for mention in reversed(mentions):
        gap = sentence[mention.end : start]
        if mention.entity.kind == "org" and mention.end <= start and gap in ("", "的", " "):
            return mention.entity.name
    for mention in reversed(mentions):
        if mention.entity.watched and mention.end <= start:
            return mention.entity.name
    return None


def _name_after(sentence: str, start: int) -> str | None:
    """A surname and one or two given-name characters starting at `start`, ending at a boundary.
    The three-character reading wins unless its last character is itself a one-character word
    that may follow a name ("王刚说" is 王刚 + 说). Where no reading ends at a known boundary
    ("校长施一公评价"), a title is still followed by a name, and three characters is the commonest
    length of one."""
    for size in (4, 3, 2):
        name = sentence[start : start + size]
        if (
            len(name) == size
            and _is_name(name)
            and _ends_at_boundary(sentence, start + size)
            and (size == 2 or name[-1] not in _AFTER_NAME)
        ):
            return name
    name = sentence[start : start + 3]
    return name if len(name) == 3 and _is_name(name) and name[-1] not in _AFTER_NAME else None


def _ends_at_boundary(sentence: str, end: int) -> bool:
    rest = sentence[end : end + 2]
    if not rest or not _CJK.match(rest):
        return True
    return rest[0] in _AFTER_NAME or rest.startswith(_SPEECH_VERBS) or rest.startswith(_ADVERBS)


def _is_name(name: str) -> bool:
    """A compound surname + 1–2 characters, or a common surname + 1–2 characters."""
    compound = name[:2] in _COMPOUND_SURNAMES
    given = name[2:] if compound else name[1:]
    if not (compound or name[0] in _SURNAMES) or not 1 <= len(given) <= 2:
        return False
    # Only the last character is held against the organisation endings: "家" ends 专家 but
    # stands inside 史家龙.
    return all(_CJK.match(ch) for ch in given) and given[-1] not in _NOT_GIVEN


def _overlaps(start: int, end: int, mentions: Sequence[Mention]) -> bool:
    return any(m.start < end and start < m.end for m in mentions)


def _person(sentence: str, name: str, role: str | None, org: str | None) -> Fact:
    return Fact(kind="person", text=name, key=f"person:{name}", sentence=sentence, role=role,
                org=org)  # fmt: skip
