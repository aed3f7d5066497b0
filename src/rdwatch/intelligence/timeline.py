"""People and organisations over time: what one article says of who holds which role (appointed,
departed, or in post) and of organisations (established, their headcounts, named in a story).

Each person with a role becomes a `RoleReport`; the event is read from the verb nearest the
person's name in the sentence ("named Chen Hao director" → appointed, "replacing Lin Meiqi" →
departed) or from the role itself ("former director" → departed). A departure needs no role in
the sentence: the person's last known role is the one left (`resolve_role`). A role that differs
from the one the person was last reported in, in another story, is a change of role
(`RoleEntry.previous_role`): notability counts it.

Organisations: a story names those its first report names (`record` keeps only those); an
organisation right after an establishing verb was established; a headcount
belongs to the organisation nearest it in its sentence, else to the last one the headline names.
Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rdwatch.intelligence.claims import HEADCOUNT_UNITS, MAX_CLAIM_CHARS
from rdwatch.intelligence.roles import is_past_role, plain_role, same_role
from rdwatch.models import Fact

APPOINTED, DEPARTED, HOLDS = "appointed", "departed", "holds"
ESTABLISHED, HEADCOUNT, NAMED = "established", "headcount", "named"
_APPOINT = re.compile(
    r"\b(?:appoint\w*|nam(?:e|es|ed|ing)|promot\w*|hir(?:e|es|ed|ing)|join(?:s|ed|ing)?|"
    r"succeed\w*|tak(?:e|es|en|ing) over|took over|becom\w*|became|tapp\w*|elevat\w*|"
    r"will lead|to lead|任命|出任|接任|加入)",
    re.IGNORECASE,
)
_DEPART = re.compile(
    r"\b(?:step(?:s|ped|ping)? down|resign\w*|retir\w*|leav(?:e|es|ing)|left|depart\w*|"
    r"replac\w*|oust\w*|remov\w*|quit\w*|succeeded by|离职|卸任|辞去)",
    re.IGNORECASE,
)
_ESTABLISH = re.compile(
    r"\b(?:establish\w*|set(?:s|ting)? up|found(?:s|ed|ing)?|launch\w*|open(?:s|ed|ing)?|"
    r"creat\w*|form(?:s|ed|ing)?|unveil\w*|inaugurat\w*)\b(?:\s+(?:a|an|the|its|new|its new))*\s*$",
    re.IGNORECASE,
)
MAX_ORG_EVENTS = 8
# A verb says what happened to a person only this close to the name (characters between):
# "named Chen Hao", "Lin Meiqi, who is leaving", not a hiring plan at the sentence's end.
EVENT_REACH = 40


@dataclass(frozen=True)
class RoleReport:
    """What one article says of one person."""

    person_key: str
    name: str
    role: str  # as reported ("" for a departure that names no role)
    org: str | None
    event: str  # appointed | departed | holds
    sentence: str


@dataclass(frozen=True)
class RoleEntry:
    """A timeline row: the report with its date, source and what it changes."""

    person_key: str
    name: str
    role: str
    org: str | None
    event: str
    reported_on: date | None
    previous_role: str | None
    sentence: str
    publisher: str
    story_id: int
    article_id: int


@dataclass(frozen=True)
class OrgReport:
    org_key: str
    name: str
    event: str  # established | headcount | named
    detail: str = ""  # "engineers:300" for a headcount
    value: float | None = None
    unit: str | None = None
    sentence: str = ""


@dataclass(frozen=True)
class OrgEntry:
    report: OrgReport
    reported_on: date | None
    publisher: str
    story_id: int
    article_id: int


def role_reports(facts: Sequence[Fact], text: str = "") -> tuple[RoleReport, ...]:
    """Every person the article names with a role, and every one it says left. `text`: the
    headline and text, whose other mentions of a person may say what happened to them."""
    reports = []
    for fact in facts:
        if fact.kind != "person":
            continue
        role = fact.role or ""
        if role and is_past_role(role):
            event = DEPARTED
        else:
            event = _event(fact.text, fact.sentence)
            if event == HOLDS and text:
                event = _event_in(fact.text, text)
        if not role and event != DEPARTED:
            continue  # quoted or mentioned, in no role
        key = fact.key[:MAX_CLAIM_CHARS]
        reports.append(RoleReport(key, fact.text, role, fact.org, event, fact.sentence))
    return tuple(reports)


def _event_in(name: str, text: str) -> str:
    """The event another mention of the name says: the verbs within reach of it, in its
    sentence (only the text around each mention is read)."""
    for mention in re.finditer(re.escape(name), text):
        start = max(0, mention.start() - EVENT_REACH - 20)
        window = text[start : mention.end() + EVENT_REACH + 20]
        at = mention.start() - start
        before = max(window.rfind(". ", 0, at), window.rfind("\n", 0, at))
        after = [i for i in (window.find(". ", at), window.find("\n", at)) if i >= 0]
        sentence = window[before + 1 : min(after, default=len(window))]
        if (event := _event(name, sentence)) != HOLDS:
            return event
    return HOLDS


def _event(name: str, sentence: str) -> str:
    """The event the verb nearest the name says, if any."""
    at = sentence.find(name)
    if at < 0:
        return HOLDS
    span = (at, at + len(name))
    found = [
        (distance, event)
        for event, pattern in ((APPOINTED, _APPOINT), (DEPARTED, _DEPART))
        for m in pattern.finditer(sentence)
        if (distance := _distance(m.span(), span)) <= EVENT_REACH
    ]
    return min(found)[1] if found else HOLDS


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(a[0] - b[1], b[0] - a[1], 0)


def resolve_role(
    report: RoleReport,
    last: RoleEntry | None,
    *,
    story_id: int,
    article_id: int,
    publisher: str,
    reported_on: date | None,
) -> RoleEntry:
    """The report as a timeline row: a departure without a role leaves the last known one; a
    role unlike the last one reported in another story is a change of role."""
    role = report.role or (last.role if last is not None else "")
    changed = (
        last is not None
        and last.story_id != story_id
        and report.event != DEPARTED
        and bool(report.role)
        and not same_role(report.role, last.role)
    )
    return RoleEntry(
        person_key=report.person_key,
        name=report.name,
        role=role,
        org=report.org or (last.org if last is not None and report.event == DEPARTED else None),
        event=report.event,
        reported_on=reported_on,
        previous_role=last.role if changed and last is not None else None,
        sentence=report.sentence,
        publisher=publisher,
        story_id=story_id,
        article_id=article_id,
    )


def describe_change(entry: RoleEntry) -> str:
    """`Lin Meiqi: director → chief scientist`."""
    return f"{entry.name}: {plain_role(entry.previous_role or '')} → {plain_role(entry.role)}"


def org_reports(facts: Sequence[Fact], title: str) -> tuple[OrgReport, ...]:
    """What the article says of organisations: named, established, headcounts."""
    orgs = [f for f in facts if f.kind == "org"]
    reports = [
        OrgReport(f.key[:MAX_CLAIM_CHARS], f.text, _org_event(f), sentence=f.sentence) for f in orgs
    ]
    for fact in facts:
        if fact.kind == "count" and fact.unit in HEADCOUNT_UNITS and fact.value:
            org = _org_of(fact, orgs, title)
            if org is not None:
                detail = f"{fact.unit}:{fact.value:g}"[:MAX_CLAIM_CHARS]
                reports.append(
                    OrgReport(org.key[:MAX_CLAIM_CHARS], org.text, HEADCOUNT, detail,
                              fact.value, fact.unit, fact.sentence)
                )  # fmt: skip
    return tuple(reports[:MAX_ORG_EVENTS])


def _org_event(fact: Fact) -> str:
    at = fact.sentence.find(fact.text)
    before = fact.sentence[max(0, at - 40) : at] if at >= 0 else ""
    return ESTABLISHED if _ESTABLISH.search(before) else NAMED


def _org_of(count: Fact, orgs: Sequence[Fact], title: str) -> Fact | None:
    """The organisation nearest the count in its sentence, else the headline's last one."""
    at = count.sentence.find(count.text)
    near = [
        (abs(count.sentence.find(o.text) - at), o)
        for o in orgs
        if at >= 0 and o.text in count.sentence
    ]
    if near:
        return min(near, key=lambda pair: pair[0])[1]
    in_title = [(title.rfind(o.text), o) for o in orgs if o.text in title]
    return max(in_title, key=lambda pair: pair[0])[1] if in_title else None
