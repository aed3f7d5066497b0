"""Precision and recall against hand-written gold: the archive (targets ≥ 0.9) and the held-out
articles (never tuned on; a modest floor, numbers printed and recorded in RESULTS.md)."""

from __future__ import annotations

from pathlib import Path

import yaml

from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.facts.evaluation import Score, format_scores, score_article

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = ROOT / "config" / "archive"
HELDOUT = ROOT / "tests" / "data" / "facts_heldout"


def _score(
    folder: Path, gold_path: Path, gazetteer: Gazetteer, rates: RateTable
) -> dict[str, Score]:
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    scores: dict[str, Score] = {}
    for name, expected in gold.items():
        text = (folder / name).read_text(encoding="utf-8")
        facts = extract_facts(
            text, gazetteer=gazetteer, rates=rates, published=expected.get("published")
        )
        score_article(facts, expected, scores)
    return scores


def _report(title: str, scores: dict[str, Score]) -> str:
    total = scores["all"]
    return (
        f"{title}\n{format_scores(scores)}\nmisses: {total.misses}\n"
        f"false positives: {total.false_positives}"
    )


def test_archive_gold_precision_and_recall(gazetteer: Gazetteer, rates: RateTable) -> None:
    scores = _score(ARCHIVE, ROOT / "tests" / "data" / "archive_facts.yaml", gazetteer, rates)
    report = _report("archive", scores)
    print(report)
    assert scores["all"].recall >= 0.9, report
    assert scores["all"].precision >= 0.9, report


def test_archive_gold_covers_every_archive_file() -> None:
    gold = yaml.safe_load((ROOT / "tests" / "data" / "archive_facts.yaml").read_text())
    assert sorted(gold) == sorted(p.name for p in ARCHIVE.glob("*.txt"))


def test_heldout_gold_precision_and_recall(gazetteer: Gazetteer, rates: RateTable) -> None:
    scores = _score(HELDOUT, HELDOUT / "gold.yaml", gazetteer, rates)
    report = _report("held-out", scores)
    print(report)
    assert scores["all"].recall >= 0.6, report
    assert scores["all"].precision >= 0.6, report
