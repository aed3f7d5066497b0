"""The whole road from a feed to an alert, without Prefect, against real local servers.

Every test runs on SQLite and on a real PostgreSQL (`database_url` in tests/conftest.py): PostgreSQL
enforces column lengths and types that SQLite ignores.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from rich.console import Console

from rdwatch import pipeline
from rdwatch.cli import run as run_command
from rdwatch.config import Config, SourceConfig
from rdwatch.models import SourceState
from rdwatch.report import summary_markdown
from rdwatch.store import Database
from rdwatch.store.articles import export_records, get_stories, get_story
from rdwatch.store.sources import load_source_states
from tests.fetch.servers import Server, serve
from tests.servers import Receiver, SiteServer

ETAG = '"feed-v1"'
LAST_MODIFIED = "Fri, 20 Nov 2026 09:30:00 GMT"


@pytest.fixture
def site_config(site_config: Config, database_url: str) -> Config:
    """The fixture site's config (tests/conftest.py), on each backend in turn."""
    return site_config.model_copy(update={"database_url": database_url})


@pytest.fixture
def validating_feed(site: SiteServer) -> Iterator[Server]:
    """The fixture site's feed from a server that sends ETag and Last-Modified, and answers 304."""
    feed = (site.root / "feed.xml").read_text(encoding="utf-8").replace("{{BASE}}", site.base)
    with serve() as server:
        server.route("feed.xml", feed, etag=ETAG, last_modified=LAST_MODIFIED)
        yield server


def _with_feed(config: Config, url: str) -> Config:
    return config.model_copy(update={"sources": [SourceConfig(name="tech-wire", url=url)]})


def _source_state(config: Config) -> SourceState:
    db = Database(config.database_url)
    try:
        with db.session() as session:
            return load_source_states(session)["tech-wire"]
    finally:
        db.dispose()


def _export(config: Config) -> dict[str, dict]:
    db = Database(config.database_url)
    try:
        with db.session() as session:
            return {r["url"]: r for r in export_records(session)}
    finally:
        db.dispose()


def test_first_run_alerts_once_for_the_new_announcement(
    site_config: Config, site: SiteServer, receiver: Receiver
) -> None:
    summary = pipeline.run_once(site_config)

    assert summary.sources_failed == ()
    assert summary.alerts_sent == 1, summary
    [body] = receiver.json_bodies()
    assert "quantum lab" in body["title"].lower()
    assert "US$500 million" in body["message"] or "US\\$500 million" in body["message"]
    assert site.url("articles/damo-quantum-singapore.html") in body["message"]


def test_second_run_on_an_unchanged_feed_parses_and_sends_nothing(
    site_config: Config, site: SiteServer, receiver: Receiver
) -> None:
    pipeline.run_once(site_config)
    site.hits.clear()
    second = pipeline.run_once(site_config)

    assert second.alerts_sent == 0
    assert second.items_seen == 0, "an unchanged feed body is not parsed again"
    assert site.hits == ["/feed.xml"], "no article page is downloaded again"
    assert len(receiver.requests) == 1


def test_a_feed_without_validators_records_its_body_hash(
    site_config: Config, site: SiteServer
) -> None:
    pipeline.run_once(site_config)
    state = _source_state(site_config)

    assert state.etag is None and state.last_modified is None
    assert state.body_hash is not None and state.body_hash.startswith("v1:"), state
    assert state.consecutive_failures == 0


def test_a_feed_with_validators_records_them_and_is_not_modified_next_run(
    site_config: Config, validating_feed: Server, receiver: Receiver
) -> None:
    config = _with_feed(site_config, validating_feed.url("feed.xml"))
    first = pipeline.run_once(config)
    state = _source_state(config)
    second = pipeline.run_once(config)

    assert first.sources_failed == () and first.alerts_sent == 1, first
    assert (state.etag, state.last_modified) == (ETAG, LAST_MODIFIED), state
    assert state.body_hash is not None
    sent = validating_feed.hits[-1][1]
    assert (sent.get("if-none-match"), sent.get("if-modified-since")) == (ETAG, LAST_MODIFIED)
    assert second.sources_failed == () and second.items_seen == 0 and second.alerts_sent == 0
    assert _source_state(config) == state, "a 304 keeps the stored validators"
    assert len(receiver.requests) == 1


def test_links_and_guids_too_long_to_index_do_not_stop_the_run(
    site_config: Config, site: SiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Random characters: PostgreSQL compresses a repetitive value under its index size limit.
    noise = "".join(random.Random(0).choices(string.ascii_letters + string.digits, k=3000))
    feed = (site.root / "feed.xml").read_text(encoding="utf-8").replace("{{BASE}}", site.base)
    feed = feed.replace("fixture-unrelated", f"tag:{noise}").replace(
        "</channel>",
        f"<item><title>Long link</title><link>{site.url(noise)}</link></item></channel>",
    )
    site.overrides["/feed.xml"] = (200, feed.encode())
    summary = pipeline.run_once(site_config)

    assert summary.sources_failed == () and summary.items_seen == 3, summary
    assert summary.alerts_sent == 1
    assert "dropped 1 item(s) with a link over 2000 bytes" in caplog.text
    assert site.url("articles/cycle-lanes.html") in _export(site_config)


def test_items_already_stored_are_skipped_as_seen_when_the_feed_changes(
    site_config: Config, site: SiteServer, receiver: Receiver
) -> None:
    pipeline.run_once(site_config)
    feed = (site.root / "feed.xml").read_text(encoding="utf-8").replace("{{BASE}}", site.base)
    site.overrides["/feed.xml"] = (200, feed.replace("Tech Wire Asia", "Tech Wire").encode())
    site.hits.clear()
    second = pipeline.run_once(site_config)

    assert second.items_seen == 3
    assert second.items_skipped_seen == 3
    assert second.alerts_sent == 0
    assert site.hits == ["/feed.xml"]
    assert len(receiver.requests) == 1


def test_export_marks_the_reprint_as_duplicate_of_its_archive_article(
    site_config: Config, site: SiteServer
) -> None:
    pipeline.run_once(site_config)
    records = _export(site_config)

    reprint = records[site.url("articles/damo-postdoc-reprint.html")]
    assert reprint["status"] == "duplicate", reprint
    assert reprint["duplicate_of"] == "archive://004_343b488ded391e63.txt"
    new = records[site.url("articles/damo-quantum-singapore.html")]
    assert new["status"] == "new" and new["notable"] is True
    assert any(f["kind"] == "money" and f.get("usd") == 500_000_000 for f in new["facts"]), new
    unrelated = records[site.url("articles/cycle-lanes.html")]
    assert unrelated["status"] == "new" and unrelated["notable"] is False
    archive = [r for r in records.values() if r["status"] == "archive"]
    assert sorted(r["url"] for r in archive) == sorted(
        f"archive://{p.name}"
        for p in (Path(__file__).parent.parent / "config/archive").glob("*.txt")
    )


def test_broken_and_unreachable_sources_are_reported_and_the_run_completes(
    tmp_path: Path, site_config: Config, site: SiteServer, receiver: Receiver
) -> None:
    site.overrides["/broken.xml"] = (200, b"<rss><channel><item><title>half")
    sources = [
        *site_config.model_dump()["sources"],
        {"name": "dead-host", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"},
        {"name": "not-found", "kind": "feed", "url": site.url("missing.xml")},
    ]
    config = site_config.model_copy(
        update={"sources": [type(site_config.sources[0])(**s) for s in sources]}
    )
    summary = pipeline.run_once(config)

    failed = {name: reason for name, _url, reason in summary.sources_failed}
    assert set(failed) == {"dead-host", "not-found"}, summary.sources_failed
    assert "404" in failed["not-found"]
    assert summary.alerts_sent == 1


def test_archive_import_is_idempotent(site_config: Config) -> None:
    first = pipeline.open_pipeline(site_config)
    try:
        again = pipeline.import_archive(first, site_config.archive)  # type: ignore[arg-type]
    finally:
        first.close()
    assert again == []
    records = _export(site_config)
    assert sum(1 for r in records.values() if r["status"] == "archive") == 5


def test_alerts_file_is_written_when_no_channel_is_configured(
    tmp_path: Path, site_config: Config
) -> None:
    config = site_config.model_copy(update={"alerts": type(site_config.alerts)()})
    summary = pipeline.run_once(config)

    assert summary.alerts_sent == 1
    lines = (config.data_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert "quantum" in json.loads(lines[0])["title"].lower()


def test_stories_read_in_one_batch_match_those_read_one_by_one(site_config: Config) -> None:
    """`get_stories` (new-stories artifact, digest): in the order asked, unknown ids left out."""
    summary = pipeline.run_once(site_config)
    wanted = [*reversed(summary.new_story_ids), 1, 999_999]  # story 1: an archive story
    db = Database(site_config.database_url)
    try:
        with db.session() as session:
            batch = get_stories(session, wanted)
            one_by_one = [s for i in wanted if (s := get_story(session, i)) is not None]
    finally:
        db.dispose()
    assert len(batch) == len(summary.new_story_ids) + 1 >= 3
    assert batch == one_by_one
    assert any(s.facts for s in batch) and any(len(s.articles) > 1 for s in batch), batch


_PAGE_TOPICS = {
    "Canonical": "the bridge repair, the traffic plan for the works and the detour for buses",
    "Redirected": "the library's new reading room, its opening hours and the archive it holds",
}


def _page(title: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    topic = _PAGE_TOPICS[title]
    paragraphs = "".join(
        f"<p>Part {n} of the council's notes covers {topic}, in {n + 2} short points.</p>"
        for n in range(6)
    )
    return (
        f"<html><head><title>{title}</title>{link}</head>"
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def test_pages_pointing_at_urls_too_long_to_index_keep_the_feed_link(
    site_config: Config,
) -> None:
    """A `<link rel=canonical>` or a redirect to a URL over 2,000 bytes: the feed's link is kept."""
    noise = "".join(random.Random(1).choices(string.ascii_letters + string.digits, k=3000))
    html = {"Content-Type": "text/html; charset=utf-8"}
    with serve() as server:
        long_url = server.url(f"news/{noise}.html")
        canonical = server.route("news/a.html", _page("Canonical", long_url), headers=html)
        server.route(f"news/{noise}.html", _page("Redirected"), headers=html)
        redirect = server.route("news/b.html", status=302, headers={"Location": long_url})
        items = "".join(
            f"<item><title>{title}</title><link>{link}</link></item>"
            for title, link in (("Canonical", canonical), ("Redirected", redirect))
        )
        feed = server.route(
            "feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
            "</channel></rss>",
            headers={"Content-Type": "application/rss+xml"},
        )
        config = _with_feed(site_config, feed)
        config = config.model_copy(
            update={"fetch": config.fetch.model_copy(update={"follow_links": True})}
        )
        summary = pipeline.run_once(config)

    assert summary.sources_failed == () and summary.extract_failures == (), summary
    records = _export(config)
    assert {canonical, redirect} <= set(records), sorted(records)
    assert records[canonical]["title"] == "Canonical" and records[redirect]["title"] == "Redirected"


def test_items_over_the_per_source_cap_wait_for_the_next_run(
    site_config: Config, validating_feed: Server
) -> None:
    config = _with_feed(site_config, validating_feed.url("feed.xml"))
    capped = config.model_copy(
        update={"fetch": config.fetch.model_copy(update={"max_items_per_source": 2})}
    )
    first = pipeline.run_once(capped)
    assert (
        first.items_deferred == 1 and len(first.new_story_ids) + first.by_tier.get("near", 0) == 2
    )
    assert "1 left for the next run" in summary_markdown(first)  # the run-summary artifact
    console = Console(record=True, width=120)
    with patch.object(run_command, "console", console):
        run_command.print_summary(first)
    assert re.search(r"left for the next run \(per-source cap\)\s*│\s*1\b", console.export_text())
    assert _source_state(capped).etag is None, "the feed must be read in full next time"
    second = pipeline.run_once(capped)
    assert second.items_deferred == 0 and second.items_skipped_seen == 2, second
    assert len(_export(capped)) == 5 + 3  # the archive and the three items, none lost
    assert _source_state(capped).etag == ETAG


def test_validators_are_stored_only_once_the_items_are(
    site_config: Config, validating_feed: Server
) -> None:
    """A run killed while storing items leaves no ETag whose 304 would hide them next time."""
    config = _with_feed(site_config, validating_feed.url("feed.xml"))
    opened = pipeline.open_pipeline(config)
    try:
        fetches = pipeline.fetch_sources(opened, config.sources)
        assert _source_state(config).etag is None
        pipeline.process_fetches(opened, fetches)
    finally:
        opened.close()
    assert _source_state(config).etag == ETAG


AGGREGATOR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News search</title><link>{base}/</link>
<description>x</description>
<item><title>Zorvex Labs opens Qlarion-7 chip centre in Hangzhou - Pacific Wire</title>
<link>{base}/a</link><guid>a</guid><source url="https://pacific-wire.example">Pacific Wire</source>
<description>Zorvex Labs opened its Qlarion-7 chip design centre in Hangzhou with 300 engineers,
the company said on Monday.</description></item>
<item><title>Qlarion-7: Zorvex Labs staffs new Hangzhou design centre - Chip Ledger</title>
<link>{base}/b</link><guid>b</guid><source url="https://chip-ledger.example">Chip Ledger</source>
<description>The new Hangzhou centre of Zorvex Labs, home of the Qlarion-7 chip, will employ 300
engineers by next year.</description></item>
<item><title>Zorvex Labs opens Qlarion-7 chip centre in Hangzhou - Pacific Wire</title>
<link>{base}/c</link><guid>c</guid><source url="https://pacific-wire.example">Pacific Wire</source>
<description>Zorvex Labs opened its Qlarion-7 chip design centre in Hangzhou with 300 engineers,
the company said on Monday.</description></item>
</channel></rss>"""


def test_an_aggregators_items_count_their_own_publishers_and_a_copy_adds_none(
    site_config: Config,
) -> None:
    with serve() as server:
        feed = server.route("news.xml", AGGREGATOR.format(base=server.base))
        config = site_config.model_copy(
            update={
                "sources": [SourceConfig(name="news-search", url=feed, follow_links=False)],
                "archive": None,
            }
        )
        pipeline.run_once(config)
    records = _export(config)
    stories = {r["story_id"] for r in records.values()}
    assert len(records) == 3 and len(stories) == 1, records
    assert {r["publisher"] for r in records.values()} == {"Pacific Wire", "Chip Ledger"}
    assert {r["outlets"] for r in records.values()} == {2}, "the copy adds no outlet"
    assert sorted(r["status"] for r in records.values()) == ["duplicate", "new", "same_story"]
