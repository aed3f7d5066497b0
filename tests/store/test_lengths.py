"""Values at their longest plausible length are stored on SQLite and PostgreSQL alike.

PostgreSQL enforces `String(n)` and cannot index much more than 2,700 bytes; SQLite does neither,
so only a run on PostgreSQL shows a value that does not fit. Every length-limited column is listed
here with the longest value its writers produce.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, date, datetime
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import String, select

from rdwatch import dedup, pipeline
from rdwatch.archive import ARCHIVE_SOURCE
from rdwatch.config import SourceConfig, load_config, parse_config
from rdwatch.dedup.terms import MAX_TERM_CHARS
from rdwatch.errors import ConfigError
from rdwatch.facts import extract_facts, load_gazetteer, load_rates, quotes
from rdwatch.facts.gazetteer import ENTITY_SECTIONS
from rdwatch.fetch.urls import MAX_URL_BYTES
from rdwatch.health import Basis
from rdwatch.intelligence.claims import MAX_CLAIM_CHARS
from rdwatch.intelligence.timeline import (
    APPOINTED,
    DEPARTED,
    ESTABLISHED,
    HEADCOUNT,
    HOLDS,
    NAMED,
)
from rdwatch.models import Article, ArticleStatus, DedupTier, Fact, SourceFetch
from rdwatch.notify.render import KEY_FACT_KINDS
from rdwatch.publishers import MAX_PUBLISHER_CHARS
from rdwatch.store import Database, outbox
from rdwatch.store.meta import get_meta, set_meta
from rdwatch.store.schema import SOURCE_NAME_LENGTH, Base, FactRow
from rdwatch.store.sources import (
    list_source_health,
    load_source_states,
    record_fetch,
    sync_sources,
)
from rdwatch.store.stories import add_story
from tests.conftest import ROOT, make_config_data

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# Writers of each length-limited column → the longest value they produce.
LONGEST = {
    "sources.name": SOURCE_NAME_LENGTH,  # checked by the config (SourceConfig.name)
    "source_silences.source": SOURCE_NAME_LENGTH,  # a configured source's name
    "source_silences.basis": max(len(b) for b in get_args(Basis)),
    "sources.kind": max(len(k) for k in get_args(SourceConfig.model_fields["kind"].annotation)),
    "articles.source": max(SOURCE_NAME_LENGTH, len(ARCHIVE_SOURCE)),
    "articles.content_hash": len(dedup.content_hash("any text")),
    "articles.status": max(len(s) for s in ArticleStatus),
    "articles.tier": max(len(t) for t in DedupTier),
    "facts.kind": max(len(k) for k in (*KEY_FACT_KINDS, *ENTITY_SECTIONS.values())),
    "facts.key": quotes.MAX_KEY_LENGTH,  # other keys are names and numbers of a few words
    "story_facts.key": quotes.MAX_KEY_LENGTH,
    "story_facts.kind": max(len(k) for k in (*KEY_FACT_KINDS, *ENTITY_SECTIONS.values())),
    "story_terms.term": MAX_TERM_CHARS,  # cut by rdwatch.dedup.terms.clip_term
    "term_stats.term": MAX_TERM_CHARS,
    "story_publishers.publisher": MAX_PUBLISHER_CHARS,  # cut by rdwatch.publishers
    "outbox.kind": max(len(k) for k in ("alert", "update")),  # rdwatch.pipeline
    # Cut to MAX_CLAIM_CHARS by rdwatch.intelligence (claims and timeline).
    "story_claims.subject": MAX_CLAIM_CHARS,
    "story_claims.value": MAX_CLAIM_CHARS,
    "story_claims.publisher": MAX_PUBLISHER_CHARS,  # the article's publisher
    "person_roles.person_key": MAX_CLAIM_CHARS,
    "person_roles.event": max(len(e) for e in (APPOINTED, DEPARTED, HOLDS)),
    "org_events.org_key": MAX_CLAIM_CHARS,
    "org_events.detail": MAX_CLAIM_CHARS,
    "org_events.event": max(len(e) for e in (ESTABLISHED, HEADCOUNT, NAMED)),
    "outbox.status": max(
        len(s)
        for s in (
            outbox.PENDING,
            outbox.SENDING,
            outbox.SENT,
            outbox.FAILED,
            outbox.GAVE_UP,
            outbox.CANCELLED,
        )
    ),
}
# A quote of 13 clauses, 40–60 characters each (~700 characters): its first eight "words" (runs
# between punctuation) alone are longer than a fact key may be.
CLAUSES = [
    f"第{i}项计划将在未来三年内投入超过三百八十亿元人民币用于建设新一代云计算基础设施和研发中心"
    + "并与高校合作培养人工智能人才" * (i % 2)
    for i in range(1, 14)
]
LONG_QUOTE = "，".join(CLAUSES) + "。"
LONG_ERROR = (
    "HTTP 500 Internal Server Error: " + "上游返回了无法解析的响应 / upstream said no; " * 80
)[:2000]


def _limited_columns() -> dict[str, int]:
    return {
        f"{table.name}.{column.name}": column.type.length
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and column.type.length is not None
    }


def test_every_length_limited_column_fits_what_its_writers_produce() -> None:
    limited = _limited_columns()
    assert set(limited) == set(LONGEST), "list the writers of a new String(n) column in LONGEST"
    too_long = {name: (LONGEST[name], n) for name, n in limited.items() if LONGEST[name] > n}
    assert not too_long, f"(longest value, column length): {too_long}"


def _quotes(text: str) -> list[Fact]:
    gazetteer = load_gazetteer(ROOT / "config" / "gazetteer.yaml")
    rates = load_rates(ROOT / "config" / "rates.yaml")
    return [f for f in extract_facts(text, gazetteer=gazetteer, rates=rates) if f.kind == "quote"]


def test_a_long_chinese_quote_gets_a_key_the_store_keeps_and_a_short_quote_keeps_its_key() -> None:
    [long] = _quotes(f"阿里巴巴创始人马云表示：“{LONG_QUOTE}”")
    [short] = _quotes(
        '"We will spur innovation across the whole region and beyond it," Jeff Zhang said.'
    )
    assert long.text == LONG_QUOTE and long.speaker == "Jack Ma"
    assert len(long.key) == quotes.MAX_KEY_LENGTH
    assert long.key == f"quote:jack ma:{' '.join(CLAUSES)}"[: quotes.MAX_KEY_LENGTH]
    assert short.key == "quote:jeff zhang:we will spur innovation across the whole region"


# --- on both backends ---


def test_fetch_state_at_its_longest_is_stored(database_url: str) -> None:
    name, url = "n" * SOURCE_NAME_LENGTH, "https://example.com/feed?" + "q=x&" * 500
    etag = 'W/"' + "0123456789abcdef" * 64 + '"'  # 1 KB; HTTP sets no limit on an ETag
    ok = SourceFetch(name, url, status_code=200, etag=etag, last_modified="x" * 300,
                     body_hash="v1:" + "f" * 64)  # fmt: skip
    db = Database(database_url)
    try:
        with db.session() as session:
            sync_sources(session, [SourceConfig(name=name, url=url)])
            record_fetch(session, ok, NOW)
        with db.session() as session:
            state = load_source_states(session)[name]
            record_fetch(session, SourceFetch(name, url, error=LONG_ERROR), NOW)
        with db.session() as session:
            [health] = list_source_health(session)
    finally:
        db.dispose()
    assert (state.etag, state.last_modified, state.body_hash) == (
        ok.etag, ok.last_modified, ok.body_hash
    )  # fmt: skip
    assert len(LONG_ERROR) == 2000 and health.last_error == LONG_ERROR
    assert health.url == url and health.consecutive_failures == 1


def test_an_article_with_a_long_chinese_quote_and_url_is_stored(
    database_url: str, tmp_path: Path
) -> None:
    text = (
        "阿里巴巴集团今天宣布了一项新的研发计划。\n\n"
        f"阿里巴巴创始人马云表示：“{LONG_QUOTE}”\n\n"
        "达摩院将负责该计划的实施，首批研究人员已经到位。"
    )
    # The longest link and guid fetch lets through, of random characters: PostgreSQL would
    # compress a repetitive value under its index size limit.
    noise = "".join(random.Random(0).choices(string.ascii_letters + string.digits, k=2000))
    article = Article(
        url=("https://news.example.cn/2026/11/25/" + noise)[:MAX_URL_BYTES],
        title="阿里巴巴宣布新的研发计划" * 20,
        text=text,
        source="s" * SOURCE_NAME_LENGTH,
        published=date(2026, 11, 25),
        guid=("tag:news.example.cn,2026:" + noise[::-1])[:MAX_URL_BYTES],
    )
    config = parse_config(make_config_data(tmp_path, database_url=database_url, archive=None))
    opened = pipeline.open_pipeline(config)
    try:
        result = opened.ingest_article(article)
        with opened.db.session() as session:
            stored = session.scalars(
                select(FactRow).where(FactRow.article_id == result.article_id)
            ).all()
    finally:
        opened.close()
    assert result.article_id is not None, result
    [quote] = [f for f in stored if f.kind == "quote"]
    assert len(quote.key) == quotes.MAX_KEY_LENGTH and quote.text == LONG_QUOTE


def test_outbox_and_digest_bookkeeping_at_their_longest_are_stored(database_url: str) -> None:
    channel = "team alerts: " + "渠道" * 150  # a configured channel name is not bounded
    db = Database(database_url)
    try:
        with db.session() as session:
            story_id = add_story(session, "t" * 5000, NOW)
            assert outbox.enqueue(session, story_id, channel, NOW)
            set_meta(session, f"digest.last_sent_at.{channel}", NOW.isoformat())
        with db.session() as session:
            [row_id] = outbox.due_ids(session, NOW, max_attempts=3)
            assert outbox.claim(session, row_id, NOW) is not None
            outbox.mark_failed(session, row_id, LONG_ERROR, NOW, max_attempts=3)
        with db.session() as session:
            entry = outbox.get_entry(session, row_id)
            sent_at = get_meta(session, f"digest.last_sent_at.{channel}")
    finally:
        db.dispose()
    assert entry is not None and entry.channel == channel and entry.last_error == LONG_ERROR
    assert sent_at == NOW.isoformat()


def test_a_source_name_longer_than_the_store_keeps_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "rdwatch.yaml"
    name = "n" * (SOURCE_NAME_LENGTH + 1)
    config.write_text(f"sources:\n  - name: {name}\n    url: https://example.com/feed\n")
    with pytest.raises(ConfigError, match=r"sources\.0\.name"):
        load_config(config)
