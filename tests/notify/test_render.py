"""Rendering alerts from fixture stories: email HTML with its text part, plain text, chat."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from apprise import NotifyFormat
from apprise.conversion import convert_between

from rdwatch.models import AlertMessage
from rdwatch.notify.render import MAX_CHAT_LINES, FollowUp, render_alert
from rdwatch.notify.summary import build_parts
from rdwatch.notify.text import chat_url
from tests.notify.stories import (
    FIRST_SEEN,
    HEADLINE,
    LEAD_SENTENCE,
    RULE_IDS,
    crowded_story,
    hostile_story,
    photonics_context,
    photonics_story,
)
from tests.notify.test_text import LIVE_MENTION

FORMATS = ("html", "text", "markdown")
STORIES = {"photonics": photonics_story, "crowded": crowded_story, "hostile": hostile_story}
FOLLOW_UP = FollowUp(first_alert_id=3, first_sent_at=FIRST_SEEN + timedelta(hours=2), new_facts=())


def _render(
    body_format: str,
    story: str = "photonics",
    *,
    kind: str = "alert",
    follow_up: FollowUp | None = None,
) -> AlertMessage:
    story_view = STORIES[story]()
    context = photonics_context()
    return render_alert(story_view, body_format, kind=kind, follow_up=follow_up, context=context)


def _plain(body: str) -> str:
    """Markdown as a reader sees it: escapes undone, link targets kept."""
    return re.sub(r"\\(.)", r"\1", body)


def email_text_part(html: str) -> str:
    """The text/plain part apprise's email plugin sends beside an HTML body."""
    return str(convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, html))


def test_every_format_says_what_happened_what_is_new_why_and_who() -> None:
    parts = build_parts(photonics_story(), photonics_context())
    for body_format in FORMATS:
        message = _render(body_format)
        body = _plain(message.body) if body_format == "markdown" else message.body
        body = body.replace("&#39;", "'")
        assert message.title.replace("\\", "") == f"rdwatch: {HEADLINE}"
        assert LEAD_SENTENCE in body, (body_format, body)
        for fact in parts.facts:
            assert fact.label in body, (body_format, fact.label)
        for phrase in parts.why:
            assert phrase in body, (body_format, phrase)
        assert "score 1.05" in body
        for name in ("Harbour Tech Journal", "Delta Business Daily", "Coastal Wire"):
            assert name in body
        assert "+1 syndicated copy" in body
        for article in photonics_story().articles:
            assert article.url in body, (body_format, article.url)  # every alert links its sources


def test_facts_are_marked_new_or_known() -> None:
    known = photonics_context().known_keys | {"count:researchers:400"}
    story, context = photonics_story(), photonics_context(known_keys=known)
    text = render_alert(story, "text", context=context).body
    assert "- 400 researchers · known" in text and "- Guangjian-1 · new" in text, text
    chat = _plain(render_alert(story, "markdown", context=context).body)
    assert "**New:** RMB 3 bn (≈ US$420 m) · Guangjian-1 · " in chat
    assert "; **known:** 400 researchers" in chat
    html = render_alert(story, "html", context=context).body
    assert re.search(r"400 researchers <span[^>]*>·</span> <span[^>]*>known</span>", html)


def test_the_same_amount_never_twice() -> None:
    for body_format in FORMATS:
        body = _plain(_render(body_format).body)
        assert body.count("US$420 m") == 1, (body_format, body)  # beside RMB 3 bn, once
        assert "US$420 million" not in body and "US$417 m" not in body
        assert body.count("RMB 3 bn (≈ US$420 m)") == 1
    text = _render("text").body
    amount_lines = [line for line in text.splitlines() if "US$420" in line or "3 bn" in line]
    # one key fact, and "why" naming the same amount the same way
    assert len(amount_lines) == 2 and amount_lines[0] == "- RMB 3 bn (≈ US$420 m) · new"
    assert "· RMB 3 bn (above US$10 m) ·" in amount_lines[1]


def test_no_rule_identifier_in_any_alert() -> None:
    for story in STORIES:
        for body_format in FORMATS:
            for follow_up in (None, FOLLOW_UP):
                message = _render(body_format, story, kind="update", follow_up=follow_up)
                for rule in RULE_IDS:
                    text = message.title + message.body.replace("\\_", "_")
                    assert rule not in text, (story, body_format, rule)
                assert not re.search(r"\([+-]\d\.\d\d\)", message.body)


@pytest.mark.parametrize("story", sorted(STORIES))
def test_chat_alerts_stay_within_ten_lines_and_keep_every_link(story: str) -> None:
    for follow_up in (None, FOLLOW_UP):
        body = _render("markdown", story, follow_up=follow_up).body
        lines = body.splitlines()
        assert len(lines) <= MAX_CHAT_LINES <= 10, body
        best = STORIES[story]().articles[0]
        assert lines[0].startswith("**[") and f"](<{chat_url(best.url)}>)**" in lines[0], lines[0]
        for article in STORIES[story]().articles:
            if article.url.startswith("https://"):
                assert f"(<{chat_url(article.url)}>)" in body, (article.url, body)


def test_many_outlets_fold_onto_the_last_line() -> None:
    lines = _render("markdown", "crowded").body.splitlines()
    assert lines[-1].startswith("- +9 more outlets: [Outlet 3](<"), lines[-1]
    assert "+2 syndicated copies: [Wire 0](<" in lines[-1]


def test_a_follow_up_names_the_alert_it_follows() -> None:
    context = photonics_context(since_first_alert=True)
    for body_format in FORMATS:
        message = render_alert(
            photonics_story(), body_format, kind="update", follow_up=FOLLOW_UP, context=context
        )
        assert message.title.replace("\\", "").startswith("rdwatch: Update: ")
        assert "Follow-up to alert #3 of 2026-03-03 11:00 UTC" in message.body
        assert "new since the last alert" in message.body


def test_the_email_is_self_contained_html_with_inline_styles() -> None:
    html = _render("html").body
    assert html.startswith("<!DOCTYPE html>") and 'name="viewport"' in html
    for external in ("<style", "<link", "<img", "<script", " src=", "url(", "class="):
        assert external not in html, external
    assert "max-width:640px" in html and "table-layout:fixed" in html
    headline = re.search(r'<h1[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a></h1>', html)
    assert headline and headline.groups() == (photonics_story().articles[0].url, HEADLINE)


def test_the_email_text_part_has_the_same_content_as_the_html() -> None:
    html, text = _render("html").body, _render("text").body
    part = email_text_part(html)
    for line in text.splitlines():
        if line.strip():
            assert line.strip() in part, (line, part)


def test_hostile_titles_are_escaped_and_mention_nobody() -> None:
    for body_format in FORMATS:
        message = _render(body_format, "hostile")
        everything = message.title + "\n" + message.body
        shown = email_text_part(message.body) if body_format == "html" else message.body
        assert not LIVE_MENTION.search(message.title + shown), (body_format, shown)
        assert "\x1b" not in everything and "javascript:" not in everything
        if body_format == "html":  # the title is the Subject: a header, never read as HTML
            assert "<script" not in message.body and "<img" not in message.body
            assert "&lt;script&gt;" in message.body and 'href="http://evil' not in message.body
        if body_format == "markdown":
            assert "[click here](" not in everything and r"\[click here\](" in everything
            assert "<script" not in everything.replace(r"\<script", "")
