"""Job titles compared as an analyst compares them: "Director" and "director of the quantum lab"
are one role, "CTO" and "Chief Scientist" two, and "Former CEO" is the CEO role, left.

Pure and total on any string.
"""

from __future__ import annotations

import re

# "Former CEO", "ex-CTO", "then-president": the role, no longer held.
_PAST = re.compile(r"^(?:former|ex-|ex |then-|then |outgoing|previous)\s*", re.IGNORECASE)
# "Academy's Director", "Alibaba Cloud's CTO": whose role it is, not the role.
_OWNER = re.compile(r"^(?:[\w&.-]+\s+){0,3}?[\w&.-]+['’]s\s+")
# "director of the quantum lab", "head at T-Head": where the role is held.
_WHERE = re.compile(r"\s+(?:of|at|for|in|with)\s+.*$", re.IGNORECASE)
_FILLER = frozenset({"the", "a", "an", "and", "&"})


def is_past_role(role: str) -> bool:
    """A role no longer held: "Former director", "the lab's former director"."""
    return bool(_PAST.match(_OWNER.sub("", " ".join(role.split()))))


def plain_role(role: str) -> str:
    """The role itself, as prose: "Lab's Former Director of X" → "director"."""
    text = _PAST.sub("", _OWNER.sub("", " ".join(role.split())))
    text = _WHERE.sub("", _OWNER.sub("", text))
    return " ".join(w if w.isupper() else w.lower() for w in text.split())


def role_id(role: str) -> str:
    """A comparable form of the role: lower case, no owner, place or tense."""
    return " ".join(w for w in plain_role(role).lower().split() if w not in _FILLER)


def same_role(a: str, b: str) -> bool:
    """One role written two ways: one's words are all in the other ("director", "lab
    director"), or both are empty."""
    words_a, words_b = set(role_id(a).split()), set(role_id(b).split())
    if not words_a or not words_b:
        return words_a == words_b
    return words_a <= words_b or words_b <= words_a
