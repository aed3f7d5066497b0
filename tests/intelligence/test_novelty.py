"""What is new, in every alert: facts marked new (in neither the archive nor an earlier message on
the story) or known, new first — in alerts, updates and the digest."""

from __future__ import annotations

from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.digest import send_digests
from rdwatch.notify.render import render_alert
from tests.intelligence.stories import PHOTONICS_FIRST, PHOTONICS_REVISED
from tests.notify.conftest import Clock, open_pipeline
from tests.notify.stories import photonics_context, photonics_story
from tests.servers import Receiver


def _key_facts(body: str) -> list[str]:
    lines = body.splitlines()
    start = lines.index("Key facts") + 1
    return lines[start : lines.index("", start)]


def test_every_format_lists_new_facts_before_known_ones() -> None:
    known = photonics_context().known_keys | {"money:cny:3e9", "money:usd:4.2e8"}
    story, context = photonics_story(), photonics_context(known_keys=known)
    text = render_alert(story, "text", context=context).body
    marks = [line.rsplit(" · ", 1)[1] for line in _key_facts(text)]
    assert marks == sorted(marks, key=lambda m: m != "new") and marks[-1] == "known", text
    assert _key_facts(text)[-1] == "- RMB 3 bn (≈ US$420 m) · known"
    html = render_alert(story, "html", context=context).body
    assert html.index("400 researchers") < html.index("RMB 3 bn")  # new before known
    chat = render_alert(story, "markdown", context=context).body
    assert chat.index("**New:**") < chat.index("**known:**")


def test_the_digest_marks_what_an_alert_on_the_channel_already_told(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock()
    channel = {"url": f"json://{receiver.base}/h", "name": "chat", "format": "text"}
    pipeline = open_pipeline(tmp_path, [channel], clock, updates=False)
    try:
        pipeline.ingest_article(PHOTONICS_FIRST)
        core.deliver(pipeline)
        clock.advance(hours=1)
        pipeline.ingest_article(PHOTONICS_REVISED)
        clock.advance(hours=1)
        send_digests(pipeline.db, pipeline.senders, clock(), max_stories=10)
    finally:
        pipeline.close()
    alert, digest = receiver.json_bodies()
    assert _key_facts(alert["message"]) == ["- US$1 bn · new", "- 300 engineers · new"]
    assert _key_facts(digest["message"]) == [
        "- US$1.5 bn · new",
        "- Chen Hao, director of the photonics laboratory at DAMO Academy · new",
        "- US$1 bn · known",
        "- 300 engineers · known",
    ], digest["message"]
    assert "Reports differ" in digest["message"]
