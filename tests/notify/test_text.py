"""Article text made safe for every alert format: cleaning, mentions, markdown, URLs."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from rdwatch.notify.text import (
    ZERO_WIDTH_SPACE,
    chat_url,
    clean_text,
    escape_markdown,
    neutralise_mentions,
    safe_url,
)

# What Discord, Mattermost and Slack (and apprise's Discord plugin) read as a mention.
LIVE_MENTION = re.compile(r"@(?:everyone|here|channel|all)\b|<[@!#]|@&?\d", re.IGNORECASE)
# A markdown character with no backslash before it.
UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[`*_{}\[\]<>|~]")


def test_mentions_in_every_form_are_neutralised() -> None:
    for text in ("@everyone", "@here now", "ping @channel!", "<@123>", "<@&987>", "<!channel>",
                 "<!here|here>", "@all", "＠everyone", "@123"):  # fmt: skip
        cleaned = clean_text(text)
        assert not LIVE_MENTION.search(cleaned), (text, cleaned)
        shown = cleaned.replace(ZERO_WIDTH_SPACE, "")
        assert shown.translate(str.maketrans("‹›¦", "<>|")) == text  # reads the same


def test_control_and_bidi_characters_are_removed() -> None:
    assert (
        clean_text("red\x1b[31m title\x07 \u202eevil\u202c\n\tnext") == "red [31m title evil next"
    )


def test_markdown_escaping_keeps_plain_punctuation_plain() -> None:
    assert escape_markdown("RMB 2 bn (≈ US$280 m), 3.5% up!") == "RMB 2 bn (≈ US$280 m), 3.5% up!"
    assert escape_markdown("[click](http://evil.example) <b>x</b> *a* _b_ `c` |") == (
        r"\[click\](http://evil.example) \<b\>x\</b\> \*a\* \_b\_ \`c\` \|"
    )
    assert escape_markdown("1. first", line_start=True) == r"1\. first"
    assert escape_markdown("- item", line_start=True) == r"\- item"
    assert escape_markdown("- item") == "- item"  # inside a line a dash is a dash


def test_only_http_urls_survive_and_chat_urls_carry_no_mention() -> None:
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url("data:text/html,x") == ""
    assert safe_url(" https://a.example/x y(1)<>\"' ") == "https://a.example/x%20y%281%29%3C%3E%22'"
    assert safe_url("https://a.example/@everyone") == "https://a.example/@everyone"
    assert (
        chat_url("https://a.example/@everyone?u=@123") == "https://a.example/%40everyone?u=%40123"
    )
    assert chat_url("https://user@a.example/p") == "https://user@a.example/p"


@given(st.text())
def test_cleaned_text_is_one_line_without_live_mentions(text: str) -> None:
    cleaned = clean_text(text)
    assert "\n" not in cleaned and "\x1b" not in cleaned
    assert not LIVE_MENTION.search(cleaned.replace("＠", "@"))
    assert clean_text(cleaned) == cleaned  # idempotent: cleaning twice changes nothing


@given(st.text())
def test_escaped_markdown_has_no_active_markdown_character(text: str) -> None:
    escaped = escape_markdown(text, line_start=True)
    assert not UNESCAPED.search(escaped), escaped
    unescaped = re.sub(r"\\(.)", r"\1", escaped)
    assert unescaped == clean_text(text)


@given(st.text(alphabet=st.sampled_from("@!<>&#ae1 ＠")))
def test_neutralising_is_idempotent(text: str) -> None:
    once = neutralise_mentions(text)
    assert neutralise_mentions(once) == once
