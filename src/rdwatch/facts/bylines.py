"""Who wrote or reported an article, as its credit lines say: "(Reporting by Donny Kwok and
Anne Marie Roantree; Editing by …)", "Author: Du Wei", "文丨王与桐", "作者：李明".

Credited people are people named in the text, with the role the credit gives them (Reporter,
Editor, Author), so a consumer can tell them from the people the news is about. A bare "By X"
line is left alone: it is as often a page's template as a credit.
"""

from __future__ import annotations

import re

from rdwatch.facts.people import NAME
from rdwatch.models import Fact

_ROLES = {"reporting": "Reporter", "writing": "Reporter", "editing": "Editor", "author": "Author"}
_ENGLISH = re.compile(
    rf"(?P<credit>Reporting|Additional reporting|Writing|Editing|Authors?)(?: [Bb]y|:)\s+"
    rf"(?P<names>{NAME}(?:(?:,| and|,? &) {NAME})*)"
)
_CHINESE = re.compile(
    r"(?P<credit>文|作者|记者|编辑|撰文)\s*[丨|｜:：/]\s*(?P<name>[\u4e00-\u9fff]{2,3})"
)
_CHINESE_ROLES = {
    "文": "Author",
    "作者": "Author",
    "撰文": "Author",
    "记者": "Reporter",
    "编辑": "Editor",
}
_SPLIT = re.compile(r",? and |, |,? & ")


def extract_bylines(sentence: str) -> list[Fact]:
    """Person facts of the credit lines in one sentence."""
    facts: list[Fact] = []
    if any(word in sentence for word in ("eporting", "riting", "diting", "uthor")):
        for m in _ENGLISH.finditer(sentence):
            role = _ROLES[m.group("credit").split()[-1].lower().rstrip("s")]
            for name in _SPLIT.split(m.group("names")):
                facts.append(_person(sentence, name, role))
    if any(mark in sentence for mark in "丨|｜:：/"):
        for m in _CHINESE.finditer(sentence):
            facts.append(_person(sentence, m.group("name"), _CHINESE_ROLES[m.group("credit")]))
    return facts


def _person(sentence: str, name: str, role: str) -> Fact:
    key = f"person:{name.lower()}" if name.isascii() else f"person:{name}"
    return Fact(kind="person", text=name, key=key, sentence=sentence, role=role)
