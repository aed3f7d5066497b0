"""The digest: stories since each channel's last digest, grouped and ranked, one message each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.config import load_config
from rdwatch.digest import build_digest, render_digest, send_digests
from rdwatch.models import Article, StoryView
from rdwatch.notify.summary import build_parts
from tests.conftest import write_config
from tests.notify.conftest import T0, Clock, notable_article, open_pipeline
from tests.notify.stories import FIRST_SEEN, RULE_IDS, photonics_context, photonics_story
from tests.servers import Receiver


def _story(
    i: int, score: float, *, notable: bool, hours: float = 1, archive: bool = False, title: str = ""
) -> StoryView:
    return StoryView(
        id=i,
        title=title or f"story {i}",
        first_seen=T0 + timedelta(hours=hours),
        is_archive=archive,
        notable=notable,
        score=score,
        reasons=(),
    )


def test_build_digest_groups_notable_first_and_ranks_by_score() -> None:
    stories = [
        _story(1, 0.6, notable=True),
        _story(2, 0.9, notable=True),
        _story(3, 0.3, notable=False),
        _story(4, 0.0, notable=False),  # never mentioned a watched entity
        _story(5, 0.95, notable=True, hours=30),  # after the window
        _story(6, 0.8, notable=True, archive=True),
    ]
    digest = build_digest(stories, T0, T0 + timedelta(days=1), max_stories=10)
    assert [(g.name, [s.id for s in g.stories]) for g in digest.groups] == [
        ("Notable", [2, 1]),
        ("Also covered", [3]),
    ]
    limited = build_digest(stories, T0, T0 + timedelta(days=1), max_stories=1)
    assert limited.story_count == 3 and limited.omitted == 2


def test_rendered_digest_escapes_article_text() -> None:
    hostile = _story(1, 0.7, notable=True, title="<script>x</script>")
    digest = build_digest([hostile], T0, T0 + timedelta(days=1), 10)
    assert "&lt;script&gt;" in render_digest(digest, "html").body
    assert "<script>" not in render_digest(digest, "markdown").body


def test_the_digest_tells_each_story_with_the_parts_of_its_alert() -> None:
    story, context = photonics_story(), photonics_context()
    digest = build_digest([story], FIRST_SEEN - timedelta(hours=1), FIRST_SEEN, 10)
    parts = build_parts(story, context)
    for body_format in ("html", "markdown", "text"):
        body = render_digest(digest, body_format, {story.id: context}).body
        plain = body.replace("\\", "").replace("&#39;", "'")
        for shown in (parts.headline, *(f.label for f in parts.facts), *parts.why):
            assert shown in plain, (body_format, shown)
        for article in story.articles:
            assert article.url in plain, (body_format, article.url)
        assert not any(rule in plain for rule in RULE_IDS), plain


def test_each_channel_gets_the_stories_since_its_last_digest(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock()
    channels = [
        {"url": f"json://{receiver.base}/chat", "name": "chat"},
        {"url": f"json://{receiver.base}/alerts-only", "name": "alerts", "kind": "alerts"},
    ]
    pipeline = open_pipeline(tmp_path, channels, clock)
    try:
        pipeline.ingest_article(notable_article())
        clock.advance(hours=2)
        first = send_digests(pipeline.db, pipeline.senders, clock(), max_stories=10)
        again = send_digests(pipeline.db, pipeline.senders, clock(), max_stories=10)
        clock.advance(hours=1)
        pipeline.ingest_article(
            Article(
                url="https://news.example/outage",
                title="Alibaba Cloud restores service after outage",
                text="Alibaba Cloud said services were restored after a two-hour outage.",
                source="asia-tech-ledger",
            ),
        )
        clock.advance(hours=1)
        later = send_digests(pipeline.db, pipeline.senders, clock(), max_stories=10)
    finally:
        pipeline.close()

    assert [(r.channel, r.stories, r.sent) for r in first] == [("chat", 1, True)]
    assert [(r.channel, r.stories, r.sent) for r in again] == [("chat", 0, False)]
    assert [(r.channel, r.stories, r.sent) for r in later] == [("chat", 1, True)]
    paths = [path for path, _ in receiver.requests]
    assert paths == ["/chat", "/chat"]
    bodies = [b["message"].replace("\\", "") for b in receiver.json_bodies()]
    assert "quantum lab" in bodies[0] and "Also covered" in bodies[1] and "quantum" not in bodies[1]


def test_digest_flow_runs_under_prefect(tmp_path: Path, receiver: Receiver) -> None:
    config = write_config(tmp_path, alerts={"channels": [{"url": f"json://{receiver.base}/d"}]})
    pipeline = core.open_pipeline(load_config(config))
    try:
        pipeline.ingest_article(notable_article())
    finally:
        pipeline.close()
    from flows.digest import digest
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        [result] = digest(config_path=str(config))
    assert result.sent and result.stories == 1
    assert len(receiver.requests) == 1
