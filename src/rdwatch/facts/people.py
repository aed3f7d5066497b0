"""People with their role and organisation, found by three patterns around a capitalised name:

- apposition:      "Jeff Zhang, chief technology officer of Alibaba" / "You Haiyan, chief talent
                   officer at the academy" / "Zhang Yong, Alibaba Group Chairman and CEO"
- title before:    "Alibaba's Chief Technology Officer Jeff Zhang" / "CFO Wu Wei" / "the Founder
                   and Executive Chairman, Jack Ma"
- speech verb:     "Liu Dingding feels", "Jack Ma said"
Known people also come from the gazetteer (with Chinese names); a pattern hit for a known person
resolves to the gazetteer key. Roles are normalised through the gazetteer's `roles` table
("chief technology officer" → "CTO").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdwatch.facts.gazetteer import Entity, Gazetteer, Mention, default_id
from rdwatch.facts.keys import person_name
from rdwatch.facts.scanning import trie_pattern
from rdwatch.models import Fact

NAME = r"(?:[A-Z][a-z']+(?:[ -][A-Z][a-z']+){1,2})"
# Title heads and the words that may stand before them, in lower case; each may be capitalised.
_HEAD_WORDS = (
    "officer", "chairman", "chairwoman", "chair", "CEO", "CTO", "CFO", "COO", "CIO", "CSO",
    "president", "founder", "director", "dean", "scientist", "professor", "head", "executive",
    "manager", "partner", "secretary", "minister", "spokesman", "spokeswoman", "spokesperson",
    "lead", "engineer", "analyst",
)  # fmt: skip
_MODIFIER_WORDS = ("chief", "vice", "executive", "senior", "deputy", "managing", "general")


def _capitalisable(words: tuple[str, ...]) -> str:
    return "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" if w.islower() else w for w in words)


_HEAD = f"(?:{_capitalisable(_HEAD_WORDS)})"
# Words before a title head; any capitalised word, so a leading org name ("Alibaba Group Chief
# Financial Officer") is captured and split off later as the organisation.
_MODIFIER = rf"(?:{_capitalisable(_MODIFIER_WORDS)}|and|&|[A-Z][a-z]+|CEO|CTO|CFO)"
# A role starts with a capital, "&" or one of the lower-case words above. Testing that first keeps
# the engine out of the modifier and head alternations at most characters (it otherwise costs
# ~90 µs per sentence).
_ROLE_START = "(?=[A-Z&]|{})".format(
    trie_pattern(w for w in (*_HEAD_WORDS, *_MODIFIER_WORDS, "and") if w.islower())
)
_ROLE_BEFORE = re.compile(
    rf"{_ROLE_START}(?P<role>(?:{_MODIFIER}\s+){{0,5}}{_HEAD})\s*,?\s+(?P<name>{NAME})\b"
)
_APPOSITION = re.compile(
    rf"(?P<name>{NAME}),\s+(?:the\s+|a\s+|an\s+)?(?P<role>[^,.;\"“”()]{{2,90}}?)(?=\s*(?:,|\.|;|$|\s+said|\s+says))"
)
# "led by Fan Luyuan as CEO", "named Eddie Wu as chief executive officer".
_AS_ROLE = re.compile(
    rf"(?P<name>{NAME}),? as (?:the |its |a |an |new |group )*"
    rf"(?P<role>(?:{_MODIFIER}\s+){{0,4}}{_HEAD})\b"
)
# Two people sharing an apposition: "John Choi and Robin Leung, analysts at Daiwa".
_JOINT = re.compile(
    rf"(?P<first>{NAME}) and (?P<name>{NAME}),\s+(?P<role>[^,.;\"“”()]{{2,60}}?)"
    r"(?=\s*(?:,|\.|;|$|\s+said|\s+says|\s+wrote))"
)
_SPEECH = re.compile(
    rf"(?P<name>{NAME})\s+(?:said|says|told|added|noted|feels|believes|explained|stated|wrote|"
    r"announced|remarked|argued|predicted)\b"
)
_TITLE_WORDS = (
    "officer", "chair", "ceo", "cto", "cfo", "coo", "cio", "cso", "president", "founder",
    "director", "dean", "scientist", "professor", "head", "executive", "manager", "partner",
    "secretary", "minister", "spokes", "lead", "engineer", "chief", "member", "researcher",
    "analyst",
)  # fmt: skip
_SPEECH_WORDS = (
    "said", "says", "told", "added", "noted", "feels", "believes", "explained", "stated",
    "wrote", "announced", "remarked", "argued", "predicted",
)  # fmt: skip
# Two capitalised words at a word start, overlapping matches included ("Officer Wu", "Wu Wei").
# The match is the capital itself and group 1 the rest of the pair: starting with a plain character
# class lets `re` skip from capital to capital, where a leading lookahead is tried everywhere.
_NAME_PAIR = re.compile(r"[A-Z](?<!\w[A-Z])(?=([a-z']+[ -][A-Z][a-z']+))")
_ROLE_WORD = re.compile(rf"\b{_HEAD}\b|\b(?:chief|co-founder|researcher|member)\b", re.IGNORECASE)
_ORG_SPLIT = re.compile(r"\s+(?:of|at|for|with)\s+")
_POSSESSIVE = re.compile(r"^'s\b")
_AND = re.compile(r"\s+(?:and|&)\s+")
_ORG_NOUN = re.compile(
    r"the\s+(academy|company|group|institute|lab|laboratory|firm|university)\b", re.IGNORECASE
)
_NOT_NAME = frozenset(
    [
        "The",
        "According",
        "Chief",
        "Officer",
        "Executive",
        "Founder",
        "Chairman",
        "President",
        "Director",
        "And",
        "In",
        "On",
        "At",
        "Of",
        "Speaking",
        "Photo",
        "Previously",
        "Officials",
        "This",
        "That",
        "Its",
        "Since",
        "When",
        "While",
    ]
)


def extract_people(
    sentence: str,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    context_orgs: Sequence[Entity],
) -> list[Fact]:
    """Person facts from the patterns (gazetteer-only mentions are handled in `entities`)."""
    # Every pattern needs a plausible name: checked first, as it jumps from capital to capital
    # and fails on most sentences, where the word tests below scan the sentence forty times.
    if not any(
        _plausible_name(sentence[m.start() : m.end(1)], m.start(), m.end(1), mentions)
        for m in _NAME_PAIR.finditer(sentence)
    ):
        return []
    lowered = sentence.lower()
    # Title patterns need a title word, the speech pattern a speech verb: substring tests are far
    # cheaper than letting the regexes try every position.
    titled = any(w in lowered for w in _TITLE_WORDS)
    regexes = [_APPOSITION, _ROLE_BEFORE] if titled else []
    if titled and " as " in sentence:
        regexes.append(_AS_ROLE)
    if any(w in lowered for w in _SPEECH_WORDS):
        regexes.append(_SPEECH)
    facts: list[Fact] = []
    for regex in regexes:
        for m in regex.finditer(sentence):
            facts += _people_of(sentence, m, m.start("name"), mentions, gazetteer, context_orgs)
    if titled and " and " in sentence:
        for m in _JOINT.finditer(sentence):
            for group in ("first", "name"):
                start = m.start(group)
                facts += _people_of(sentence, m, start, mentions, gazetteer, context_orgs, group)
    return facts


def _people_of(
    sentence: str,
    m: re.Match[str],
    start: int,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    context_orgs: Sequence[Entity],
    group: str = "name",
) -> list[Fact]:
    """The person a pattern matched, if the name holds up; a possessive ends the name ("Jack
    Ma's Alibaba" is Jack Ma)."""
    name = _before_possessive(m.group(group))
    if name.startswith("As "):  # "As Joshua Mahony, chief analyst, put it"
        name, start = name[3:], start + 3
    if not _plausible_name(name, start, start + len(name), mentions):
        return []
    role_text = m.groupdict().get("role")
    if m.re is _JOINT and role_text is not None:
        role_text = _singular(role_text)
    fact = _person(sentence, name, role_text, m.start(), mentions, gazetteer, context_orgs)
    return [fact] if fact is not None else []


def _before_possessive(name: str) -> str:
    words = name.split()
    for index, word in enumerate(words):
        if word.endswith(("'s", "s'")):
            return " ".join([*words[:index], person_name(word)])
    return name


def _singular(role: str) -> str:
    """'analysts at Daiwa' → 'analyst at Daiwa': a role shared by two people, said of one."""
    head, _, rest = role.partition(" ")
    if head.endswith("s") and not head.endswith("ss"):
        head = head[:-1]
    return f"{head} {rest}".strip()


def _plausible_name(name: str, start: int, end: int, mentions: Sequence[Mention]) -> bool:
    """Not a sentence-opening word pair and not overlapping an org/place/product alias."""
    if not _NOT_NAME.isdisjoint(name.replace("-", " ").split()):
        return False
    return not any(m.start < end and start < m.end and m.entity.kind != "person" for m in mentions)


def _person(
    sentence: str,
    name: str,
    role_text: str | None,
    match_start: int,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    context_orgs: Sequence[Entity],
) -> Fact | None:
    known = gazetteer.lookup(name)
    if known is not None and known.kind != "person":
        return None
    role, org = None, None
    if role_text is not None:
        # An apposition that is not a job title ("Beijing, capital of …") is not a person.
        if not _ROLE_WORD.search(role_text) or len(role_text.split()) > 10:
            return None
        role, org = split_role(role_text, gazetteer, context_orgs)
        org = (
            org
            or _org_before(sentence, match_start, mentions)
            or _watched_before(match_start, mentions)
        )
    key = known.key if known else f"person:{default_id('person', name)}"
    text = known.name if known else name
    return Fact(kind="person", text=text, key=key, sentence=sentence, role=role, org=org)


def split_role(
    role_text: str, gazetteer: Gazetteer, context_orgs: Sequence[Entity]
) -> tuple[str | None, str | None]:
    """'chief technology officer of Alibaba' → ('CTO', 'Alibaba Group')."""
    parts = _ORG_SPLIT.split(role_text, maxsplit=1)
    title, org = parts[0], None
    if len(parts) == 2:
        org = resolve_org(parts[1], gazetteer, context_orgs)
    # A leading organisation name: "Alibaba Group Chairman and CEO", "Alibaba's CTO".
    for mention in gazetteer.find(title):
        if mention.start == 0 and mention.entity.kind == "org":
            org = org or mention.entity.name
            title = _POSSESSIVE.sub("", title[mention.end :]).strip()
    return (normalise_role(title, gazetteer) or None), org


def resolve_org(text: str, gazetteer: Gazetteer, context_orgs: Sequence[Entity]) -> str | None:
    """An org named in a role ('Alibaba', 'the academy' → the academy mentioned last)."""
    for mention in gazetteer.find(text):
        if mention.entity.kind == "org":
            return mention.entity.name
    noun = _ORG_NOUN.match(text)
    if noun is None:
        return None
    word = noun.group(1).lower()
    for ent in reversed(context_orgs):
        if word in ent.name.lower() or (word in ("company", "group", "firm") and ent.watched):
            return ent.name
    return None


def _org_before(sentence: str, start: int, mentions: Sequence[Mention]) -> str | None:
    """The org named right before a title ("Alibaba's Chief Technology Officer …")."""
    for mention in reversed(mentions):
        if mention.entity.kind == "org" and mention.end <= start and start - mention.end <= 4:
            return mention.entity.name
    return None


def _watched_before(start: int, mentions: Sequence[Mention]) -> str | None:
    """A title with no organisation of its own belongs to the watched org the sentence is about
    ("Alibaba will …, says the Founder and Executive Chairman, Jack Ma")."""
    for mention in reversed(mentions):
        if mention.entity.watched and mention.end <= start:
            return mention.entity.name
    return None


def normalise_role(title: str, gazetteer: Gazetteer) -> str:
    """'chairman and chief executive officer' → 'Chairman and CEO'; unknown words title-cased."""
    parts = _AND.split(title.strip(" ,"))
    out = []
    for part in parts:
        lowered = " ".join(part.lower().split())
        out.append(
            gazetteer.roles.get(lowered) or " ".join(w[:1].upper() + w[1:] for w in lowered.split())
        )
    return " and ".join(p for p in out if p)
