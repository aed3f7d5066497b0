"""Scoring extracted facts against hand-written gold files (tests/data/archive_facts.yaml and the
held-out set), per kind: precision, recall, and how often checked attributes (role, org, speaker,
currency, usd) agree on matched facts.

Gold per article: `facts` (must be found; count for both measures) and `acceptable` (correct but
minor: neither required nor penalised). A gold entry matches by `key`, or by `text_contains` on a
fact of the same kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdwatch.models import Fact

CHECKED_ATTRIBUTES = ("role", "org", "speaker", "currency", "usd")


@dataclass
class Score:
    """Counts for one kind (or overall)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    attr_ok: int = 0
    attr_total: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _matches(entry: Mapping[str, Any], fact: Fact) -> bool:
    if entry.get("kind") != fact.kind:
        return False
    if "key" in entry:
        return bool(entry["key"] == fact.key)
    return str(entry.get("text_contains", "\0")) in fact.text


def _attribute_checks(entry: Mapping[str, Any], fact: Fact, score: Score) -> None:
    for name in CHECKED_ATTRIBUTES:
        if name in entry:
            expected, got = entry[name], getattr(fact, name)
            ok = (
                abs(float(got) - float(expected)) <= 0.02 * abs(float(expected))
                if name == "usd" and got is not None
                else got == expected
            )
            score.attr_total += 1
            score.attr_ok += int(ok)
            if not ok:
                score.misses.append(f"{fact.key} {name}: expected {expected!r}, got {got!r}")


def score_article(facts: Iterable[Fact], gold: Mapping[str, Any], scores: dict[str, Score]) -> None:
    """Add one article's outcome to `scores` (per kind, plus "all")."""
    facts = list(facts)
    required = list(gold.get("facts") or [])
    acceptable = list(gold.get("acceptable") or [])
    for entry in required:
        kind_score, total = (
            scores.setdefault(entry["kind"], Score()),
            scores.setdefault("all", Score()),
        )
        found = next((f for f in facts if _matches(entry, f)), None)
        for score in (kind_score, total):
            if found is None:
                score.fn += 1
                score.misses.append(str(entry.get("key") or entry.get("text_contains")))
            else:
                score.tp += 1
                _attribute_checks(entry, found, score)
    for fact in facts:
        if any(_matches(e, fact) for e in required + acceptable):
            continue
        for name in (fact.kind, "all"):
            scores.setdefault(name, Score()).fp += 1
            scores[name].false_positives.append(f"{fact.key} ({fact.text!r})")


def format_scores(scores: Mapping[str, Score]) -> str:
    """A markdown table of the scores, overall last."""
    rows = [
        "| kind | precision | recall | tp | fp | fn | attributes ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in sorted(scores, key=lambda k: (k == "all", k)):
        s = scores[kind]
        attrs = f"{s.attr_ok}/{s.attr_total}" if s.attr_total else "-"
        rows.append(
            f"| {kind} | {s.precision:.2f} | {s.recall:.2f} | {s.tp} | {s.fp} | {s.fn} | {attrs} |"
        )
    return "\n".join(rows)
