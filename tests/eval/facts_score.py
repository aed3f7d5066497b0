"""Precision and recall of extracted facts against the corpus's `expected_facts`, per group.

Expected strings occur verbatim in the article text; a person's role in parentheses is an
annotation, so a person matches on the name. An extracted fact matches an expected string when,
after folding case, spacing, quote marks, a trailing possessive and traditional Chinese characters
(to simplified), the two are equal or one holds the other as whole words and covers at least half
of it ("US$1 billion" in "US$1 billion funding round"), or when the expected string is, as a
whole, an alias of the gazetteer entity the fact names (the extractor reports known entities by
their canonical name: "张勇" is found as "Daniel Zhang", "Tongyi Qianwen" as "Qwen").

Fact kinds are routed to groups by `group_of`: market figures count as money when they carry a
currency (revenue) and as numbers otherwise (a share move in per cent); dates, percentages, unit
prices and specs are numbers; publications named in the text are organisations.

The expected lists are not exhaustive: a fact that matches none is counted as unlabelled, and only
an unlabelled fact listed as wrong in `judged.yaml` (or of a kind the group excludes) is a false
positive. Precision is therefore reported two ways: against the labels alone (a floor) and after
the review (`judged.yaml`: facts reviewed as correct or wrong, per article).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdwatch.facts.gazetteer import Gazetteer, load_gazetteer
from rdwatch.facts.qualifiers import QUALIFIERS
from tests.eval.corpus import FACT_GROUPS, ROOT, CorpusArticle

# Which fact kinds answer each expected group.
GROUP_KINDS: dict[str, frozenset[str]] = {
    "money": frozenset({"money"}),
    "people": frozenset({"person"}),
    "places": frozenset({"place"}),
    "numbers": frozenset({"count", "spec", "number", "duration", "date", "percent", "price"}),
    "products": frozenset({"product"}),
    # Publications and agencies named in the text ("Reuters said") are organisations here.
    "orgs": frozenset({"org", "media"}),
}
SCORED_KINDS = frozenset().union(*GROUP_KINDS.values(), {"market"})
_ROLE = re.compile(r"\s*[（(][^)）]*[)）]\s*$")
_QUOTES = str.maketrans({c: "" for c in "\"'“”‘’「」『』《》〈〉"})
_HEDGE = re.compile(
    "^(?:{})\\s*".format("|".join(sorted(map(re.escape, QUALIFIERS), key=len, reverse=True)))
)


def group_of(fact: Mapping[str, Any]) -> str | None:
    """The expected group a fact answers, or None for kinds the corpus does not label."""
    kind = fact["kind"]
    if kind == "market":
        return "money" if fact.get("currency") else "numbers"
    return next((group for group, kinds in GROUP_KINDS.items() if kind in kinds), None)


@cache
def _simplified() -> dict[int, str]:
    from wordfreq.chinese import SIMPLIFIED_MAP  # loaded once, only when scoring

    return dict(SIMPLIFIED_MAP)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    if not text.isascii():
        text = text.translate(_simplified())
    text = re.sub(r"(?<=\w)(?:'s|’s|s')\b", "", text)
    return " ".join(text.replace("-", " ").split())


def expected_text(group: str, entry: str) -> str:
    return _ROLE.sub("", entry) if group == "people" else entry


def canonical_names(gazetteer: Gazetteer) -> dict[str, str]:
    """Normalised alias → normalised canonical name, for every entity that yields a fact."""
    names: dict[str, str] = {}
    for entity in gazetteer.entities:
        if entity.kind == "ignore":
            continue
        for alias in (entity.name, *entity.aliases):
            names.setdefault(normalise(alias), normalise(entity.name))
    return names


def matches(expected: str, found: str, names: Mapping[str, str] | None = None) -> bool:
    a, b = normalise(expected), normalise(found)
    if not a or not b:
        return False
    if a == b:
        return True
    if names and names.get(a, a) == names.get(b, b):
        return True
    if _HEDGE.sub("", a) == _HEDGE.sub("", b):
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) * 2 < len(long):
        return False
    if short.isascii():
        return re.search(rf"(?<!\w){re.escape(short)}(?!\w)", long) is not None
    return short in long


@dataclass
class GroupScore:
    tp: int = 0
    fn: int = 0
    matched_facts: int = 0
    unlabelled: int = 0
    judged_wrong: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision_floor(self) -> float:
        """Matched facts over all facts of the group's kinds: unlabelled counts as wrong."""
        total = self.matched_facts + self.unlabelled
        return self.matched_facts / total if total else 1.0

    @property
    def precision(self) -> float:
        """Unlabelled facts counted as wrong only where the review says so."""
        total = self.matched_facts + self.unlabelled
        return (total - self.judged_wrong) / total if total else 1.0


@dataclass(frozen=True)
class Judgement:
    """Reviewed unlabelled facts of one article: normalised texts judged wrong or right."""

    wrong: frozenset[str] = frozenset()
    right: frozenset[str] = frozenset()


def load_judgements(raw: Mapping[str, Any] | None) -> dict[str, Judgement]:
    result = {}
    for article_id, entry in (raw or {}).items():
        result[str(article_id)] = Judgement(
            wrong=frozenset(normalise(t) for t in entry.get("wrong") or ()),
            right=frozenset(normalise(t) for t in entry.get("right") or ()),
        )
    return result


def score_facts(
    articles: Sequence[CorpusArticle],
    facts_by_article: Mapping[str, Iterable[Mapping[str, Any]]],
    judgements: Mapping[str, Judgement] | None = None,
    *,
    gazetteer: Gazetteer | None = None,
) -> dict[str, GroupScore]:
    """Per group and overall ("all"): recall of expected facts, precision of extracted ones.

    `facts_by_article` maps a corpus id to its exported facts (`{"kind", "text", …}`);
    `gazetteer` (default: the project's) tells which names are aliases of one entity."""
    scores = {group: GroupScore() for group in (*FACT_GROUPS, "all")}
    judgements = judgements or {}
    names = canonical_names(gazetteer or load_gazetteer(ROOT / "config" / "gazetteer.yaml"))
    for article in articles:
        facts = [f for f in facts_by_article.get(article.id, ()) if f["kind"] in SCORED_KINDS]
        judged = judgements.get(article.id, Judgement())
        for group in FACT_GROUPS:
            _score_group(article, group, facts, judged, names, (scores[group], scores["all"]))
    return scores


def _score_group(
    article: CorpusArticle,
    group: str,
    facts: Sequence[Mapping[str, Any]],
    judged: Judgement,
    names: Mapping[str, str],
    scores: tuple[GroupScore, GroupScore],
) -> None:
    expected = [expected_text(group, e) for e in article.expected_facts[group]]
    mine = [f for f in facts if group_of(f) == group]
    for entry in expected:
        found = any(matches(entry, f["text"], names) for f in mine)
        for s in scores:
            if found:
                s.tp += 1
            else:
                s.fn += 1
                s.misses.append(f"{article.id}: {entry}")
    all_expected = [expected_text(g, e) for g in FACT_GROUPS for e in article.expected_facts[g]]
    for fact in mine:
        for s in scores:
            if any(matches(e, fact["text"], names) for e in expected):
                s.matched_facts += 1
                continue
            s.unlabelled += 1
            text = normalise(fact["text"])
            labelled_elsewhere = any(matches(e, fact["text"], names) for e in all_expected)
            if text in judged.wrong and not labelled_elsewhere:
                s.judged_wrong += 1
                s.wrong.append(f"{article.id}: {fact['kind']}: {fact['text']}")


def format_table(scores: Mapping[str, GroupScore]) -> str:
    rows = [
        "| kind | recall | precision | precision (labels only) | expected | found |",
        "|---|---|---|---|---|---|",
    ]
    for group in (*FACT_GROUPS, "all"):
        s = scores[group]
        rows.append(
            f"| {group} | {s.recall:.2f} | {s.precision:.2f} | {s.precision_floor:.2f} "
            f"| {s.tp + s.fn} | {s.tp} |"
        )
    return "\n".join(rows)
