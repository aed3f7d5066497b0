"""Analysis of feed entries and articles: an entry becomes its article where it is analysed, in
a worker process for a large batch, and one without enough text is reported, not dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch.analysis import Analyser, Analysis, AnalysisPool, NoArticle, analyse, analyse_entry
from rdwatch.config import DedupConfig
from rdwatch.extract import article_from_item
from rdwatch.facts import load_gazetteer, load_rates
from rdwatch.models import FeedItem

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = (
    "<p>Alibaba's <b>DAMO Academy</b> said on Tuesday it had opened a chip lab in Hangzhou "
    "with 300 researchers.</p>"
)


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return Analyser(
        DedupConfig(),
        load_gazetteer(ROOT / "config" / "gazetteer.yaml"),
        load_rates(ROOT / "config" / "rates.yaml"),
    )


def _entry(n: int, summary: str = SUMMARY) -> FeedItem:
    return FeedItem(
        "wire", f"https://wire.example/{n}", title=f"DAMO opens chip lab {n}", summary=summary
    )


def test_an_entry_is_analysed_as_the_article_it_makes(analyser: Analyser) -> None:
    entry = _entry(1)
    outcome = analyse_entry(entry, analyser)
    assert outcome == analyse(article_from_item(entry), analyser)
    assert isinstance(outcome, Analysis) and "<b>" not in outcome.article.text


def test_an_entry_without_enough_text_is_reported_with_its_reason(analyser: Analyser) -> None:
    outcome = analyse_entry(
        FeedItem("wire", "https://wire.example/empty", summary="<p></p>"), analyser
    )
    assert isinstance(outcome, NoArticle)
    assert outcome.url == "https://wire.example/empty" and "no article text" in outcome.reason


def test_worker_processes_give_the_same_outcomes_in_the_same_order(analyser: Analyser) -> None:
    entries = [_entry(n) for n in range(450)]
    entries[7] = FeedItem("wire", "https://wire.example/empty", summary="")
    with AnalysisPool(analyser, expected=len(entries)) as pool:
        in_workers = pool.submit(entries)()
    assert in_workers == [analyse_entry(entry, analyser) for entry in entries]
    assert isinstance(in_workers[7], NoArticle)
