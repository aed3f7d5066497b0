"""The gazetteer: known entities, their aliases and the vocabulary the fact patterns rely on.

A `Gazetteer` is built once from `config/gazetteer.yaml` and is immutable. Alias lookup runs as two
prefix-factored regular expressions (one case-sensitive for aliases written with capitals, one
for lower-case aliases such as "machine learning", run over the lower-cased text), so scanning a
3 KB article costs two regex passes however many aliases there are. The first starts with the
alias's first character, so that `re` only stops at capitals (see `scanning`). Chinese aliases need
no word boundaries and have a third regex of their own, run only on text that holds Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from rdwatch.errors import ConfigError
from rdwatch.facts.keys import name_id
from rdwatch.facts.scanning import trie_pattern
from rdwatch.facts.sentences import has_chinese

# The sections of the YAML file that hold entities, and the fact kind each produces.
ENTITY_SECTIONS: dict[str, str] = {
    "watched": "org",
    "units": "org",
    "orgs": "org",
    "people": "person",
    "places": "place",
    "products": "product",
    "areas": "area",
    "media": "media",
    "ignore": "ignore",  # matched to shadow shorter aliases, never reported
}
_CJK = re.compile(r"[\u3400-\u9fff]")
# Where an alias may end: not inside a Latin word, unless the alias ends in a CJK letter.
_LATIN_END = r"(?:(?<=[\u3400-\u9fff])|(?![A-Za-z0-9_$]))"


@dataclass(frozen=True)
class Entity:
    """One gazetteer entry; `key` is the fact key every alias resolves to."""

    kind: str
    name: str
    id: str
    aliases: tuple[str, ...] = ()
    watched: bool = False

    @cached_property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class Mention(NamedTuple):
    """An alias found in a text: the entity and the character span. A named tuple: articles have
    dozens of mentions, and a tuple is built several times faster than a frozen dataclass."""

    entity: Entity
    start: int
    end: int
    surface: str


@dataclass(frozen=True)
class Gazetteer:
    """Entities with aliases, role titles and count nouns, plus the compiled alias matchers."""

    entities: tuple[Entity, ...]
    roles: Mapping[str, str] = field(default_factory=dict)
    count_nouns: Mapping[str, str] = field(default_factory=dict)
    _exact: Mapping[str, Entity] = field(default_factory=dict, repr=False, compare=False)
    _folded: Mapping[str, Entity] = field(default_factory=dict, repr=False, compare=False)
    _by_name_id: Mapping[str, Entity] = field(default_factory=dict, repr=False, compare=False)
    _case_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _fold_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _fold_ci: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _cjk_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _cjk_role_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        entities: Iterable[Entity],
        roles: Mapping[str, str] | None = None,
        count_nouns: Mapping[str, str] | None = None,
    ) -> Gazetteer:
        """Index the aliases; a lower-case alias matches in any case, others exactly."""
        ents = tuple(entities)
        exact: dict[str, Entity] = {}
        folded: dict[str, Entity] = {}
        by_name_id: dict[str, Entity] = {}
        for ent in ents:
            for alias in (ent.name, *ent.aliases, *_dateline_forms(ent)):
                if alias == alias.lower() and not _CJK.search(alias):
                    folded.setdefault(alias, ent)
                else:
                    exact.setdefault(alias, ent)
                by_name_id.setdefault(name_id(alias), ent)
        return cls(
            entities=ents,
            roles=dict(roles or {}),
            count_nouns=dict(count_nouns or {}),
            _exact=exact,
            _folded=folded,
            _by_name_id=by_name_id,
            # Chinese aliases get their own regex, run only on text with Chinese in it, so that
            # English text pays nothing for them.
            _case_re=_compile([a for a in exact if not _CJK.search(a)], 0, first_char=True),
            _cjk_re=_compile([a for a in exact if _CJK.search(a)], 0, chinese=True),
            _fold_re=_compile(folded, 0),
            _fold_ci=_compile(folded, re.IGNORECASE),
            _cjk_role_re=_compile(_chinese_role_words(roles or {}), 0, chinese=True),
        )

    @property
    def watched(self) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.watched)

    def find(self, text: str) -> list[Mention]:
        """All alias mentions, leftmost-longest, without overlaps."""
        found: list[Mention] = []
        exact, folded = self._exact, self._folded
        if self._case_re is not None:
            for m in self._case_re.finditer(text):
                found.append(Mention(exact[m.group()], m.start(), m.end(), m.group()))
        lowered = text.lower()
        # Lower-case aliases match the lower-cased text with a case-sensitive regex, about twice
        # as fast as re.IGNORECASE; lower() keeps offsets unless a rare character changes length.
        if self._fold_re is not None and len(lowered) == len(text):
            for m in self._fold_re.finditer(lowered):
                start, end = m.span()
                found.append(Mention(folded[m.group()], start, end, text[start:end]))
        elif self._fold_ci is not None:
            for m in self._fold_ci.finditer(text):
                ent = folded.get(m.group().lower())  # None where IGNORECASE matched a ſ or K
                if ent is not None:
                    found.append(Mention(ent, m.start(), m.end(), m.group()))
        if self._cjk_re is not None and has_chinese(text):
            for m in self._cjk_re.finditer(text):
                found.append(Mention(exact[m.group()], m.start(), m.end(), m.group()))
        return _drop_overlaps(found) if len(found) > 1 else found

    def find_chinese_roles(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical role) of each Chinese job title ("首席技术官" → CTO) and of each
        English abbreviation written in Chinese text ("阿里巴巴CEO张勇")."""
        if self._cjk_role_re is None:
            return []
        return [
            (m.start(), m.end(), self.roles.get(m.group(0).lower(), m.group(0)))
            for m in self._cjk_role_re.finditer(text)
        ]

    def lookup(self, alias: str) -> Entity | None:
        """The entity an alias names exactly (case-folded for lower-case aliases)."""
        return self._exact.get(alias) or self._folded.get(alias.lower())

    def lookup_name(self, name: str) -> Entity | None:
        """The entity a name found by pattern stands for, however it is spaced, hyphenated or
        capitalised ("Yitian710", "YITIAN 710" → Yitian 710; see `keys.name_id`)."""
        return self.lookup(name) or self._by_name_id.get(name_id(name))


def _dateline_forms(ent: Entity) -> list[str]:
    """A place as a dateline writes it: "BEIJING", "HONG KONG"."""
    if ent.kind != "place":
        return []
    return [a.upper() for a in (ent.name, *ent.aliases) if len(a) >= 4 and a.isascii()]


def _chinese_role_words(roles: Mapping[str, str]) -> list[str]:
    """The role variants written in Chinese, plus the upper-case abbreviations (CEO, CTO)."""
    words = [variant for variant in roles if _CJK.search(variant)]
    return words + [c for c in set(roles.values()) if c.isupper() and c.isalpha()]


def _drop_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest mention where two overlap (e.g. "Alibaba Cloud" over "Alibaba")."""
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in mentions:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


def _compile(
    aliases: Iterable[str], flags: int, *, chinese: bool = False, first_char: bool = False
) -> re.Pattern[str] | None:
    """One regex for many aliases, factored as a trie so matching stays linear in the text.

    With `first_char`, the test of the character before an alias moves after the alias's first
    character, so the regex starts with a plain character and `re` jumps from one possible first
    character to the next. That pays for aliases written with capitals (rare letters in running
    text); for lower-case aliases, whose first letters are everywhere, testing the character
    before first is cheaper, as it fails inside every word.
    """
    words = sorted(set(aliases))
    if not words:
        return None
    # Latin aliases must not start or end inside a Latin word ("Ali" in "Alibaba"); CJK text has no
    # word boundaries, so CJK letters around an alias are allowed, and an alias starting or ending
    # in a CJK letter may touch anything: a model number ("玄铁910", "含光800人工智能") or a Latin
    # word. A trailing hyphen is allowed too ("Singapore-based", "Alibaba-backed"). Only the
    # Chinese regexes carry the extra start test, so English scanning does not pay for it.
    if first_char and not chinese:
        after_first = r"(?<![A-Za-z0-9_\-][\s\S])"
        return re.compile(trie_pattern(words, after_first=after_first) + _LATIN_END, flags)
    start = r"(?:(?=[\u3400-\u9fff])|(?<![A-Za-z0-9_\-]))" if chinese else r"(?<![A-Za-z0-9_\-])"
    return re.compile(rf"{start}(?:{trie_pattern(words)}){_LATIN_END}", flags)


def load_gazetteer(path: Path) -> Gazetteer:
    """Read and validate the gazetteer file; `ConfigError` names the file and the bad key."""
    data = _read_yaml(path)
    entities: list[Entity] = []
    for section, kind in ENTITY_SECTIONS.items():
        for index, item in enumerate(data.get(section) or []):
            where = f"{path}: {section}[{index}]"
            entities.append(_parse_entity(item, kind, section == "watched", where))
    roles = _parse_synonyms(data.get("roles") or {}, f"{path}: roles")
    nouns = _parse_synonyms(data.get("count_nouns") or {}, f"{path}: count_nouns")
    unknown = set(data) - set(ENTITY_SECTIONS) - {"roles", "count_nouns"}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    return Gazetteer.build(entities, roles, nouns)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _parse_entity(item: Any, kind: str, watched: bool, where: str) -> Entity:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        raise ConfigError(f"{where}.name: each entry needs a non-empty 'name'")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ConfigError(f"{where}.aliases: expected a list of non-empty strings")
    name = item["name"]
    ident = item.get("id") or default_id(kind, name)
    if not isinstance(ident, str):
        raise ConfigError(f"{where}.id: expected a string")
    return Entity(kind, name, ident, tuple(aliases), watched)


def default_id(kind: str, name: str) -> str:
    """Orgs and products get slugs (org:damo-academy); people, places and areas lower-case names."""
    lowered = " ".join(name.lower().split())
    if kind in ("org", "product"):
        return re.sub(r"[^\w]+", "-", lowered).strip("-")
    return lowered


def _parse_synonyms(section: Any, where: str) -> dict[str, str]:
    """`canonical: [variant, ...]` → {variant (lower-case): canonical}."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping of canonical name to variants")
    table: dict[str, str] = {}
    for canonical, variants in section.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise ConfigError(f"{where}.{canonical}: expected a list of strings")
        for variant in (str(canonical), *variants):
            table[variant.lower()] = str(canonical)
    return table


def watched_entities(text: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Canonical names of the watched entities mentioned in `text`, in order of first mention."""
    names: list[str] = []
    for mention in gazetteer.find(text):
        if mention.entity.watched and mention.entity.name not in names:
            names.append(mention.entity.name)
    return tuple(names)
