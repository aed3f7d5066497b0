"""Same-event recognition on real coverage: one small case from the corpus (dev part, read in
place from ../shared/corpus) for each way independent reports used to be missed or mistaken.

- no candidate: two outlets' own write-ups of one funding round share almost no wording (no LSH
  candidate), yet meet through what the event is about and form one story;
- earnings coverage: quarterly results are market news, stored but never alerted;
- a page with no date metadata keeps no date, whatever years its text mentions (extract tests);
- publishers: an aggregator's items count their own publishers (pipeline tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.models import Article, ArticleStatus
from tests.conftest import make_config_data
from tests.eval.corpus import CorpusArticle, corpus_dir, load_corpus

pytestmark = pytest.mark.skipif(
    not corpus_dir().is_dir(), reason=f"the real-coverage corpus is not at {corpus_dir()}"
)


def _corpus() -> dict[str, CorpusArticle]:
    return {a.id: a for a in load_corpus()}


def _article(item: CorpusArticle) -> Article:
    return Article(
        url=f"https://{item.id}.example/{item.id}",
        title=item.title,
        text=item.text,
        source=item.outlet,
        published=item.published,
        publisher=item.outlet,
    )


def _pipeline(tmp_path: Path) -> core.Pipeline:
    return core.open_pipeline(parse_config(make_config_data(tmp_path)))


def test_two_outlets_own_write_ups_of_one_event_form_one_story(tmp_path: Path) -> None:
    corpus = _corpus()
    first, second = corpus["212"], corpus["214"]  # one funding round, Bloomberg and MENAFN
    assert first.part == second.part == "dev" and first.event == second.event
    opened = _pipeline(tmp_path)
    try:
        a = opened.ingest_article(_article(first))
        b = opened.ingest_article(_article(second))
    finally:
        opened.close()
    assert a.decision.status == ArticleStatus.NEW
    assert b.decision.status == ArticleStatus.SAME_STORY, b.decision.reason
    assert b.story_id == a.story_id
    assert b.decision.similarity is not None and "shared:" in b.decision.reason


def test_quarterly_results_are_stored_but_never_notable(tmp_path: Path) -> None:
    corpus = _corpus()
    earnings = corpus["149"]  # results day: shares, profit, sales
    assert earnings.part == "dev" and earnings.event is None
    opened = _pipeline(tmp_path)
    try:
        result = opened.ingest_article(_article(earnings))
    finally:
        opened.close()
    assert result.notability is not None and not result.notability.notable
    assert any(r.rule == "market_news" and r.weight < 0 for r in result.notability.reasons)
