"""Remote text made safe to show: no escape sequence or control character survives."""

from __future__ import annotations

import logging
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.untrusted import one_line, strip_controls

# Text as hostile sources write it: words, escape sequences, every kind of control character.
_PIECES = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "\x1b[31m", "\x1b[2J", "\x1b[0m", "\x1b]0;owned\x07", "\x1b]8;;http://x\x1b\\",
            "\x1bc", "\x1b(B", "\x9b31m", "\x1b", "\x1b[", "\r", "\r\n", "\x00", "\x7f", "\x85",
            "\u202e", "\u2066", "\u2028", "\t", "\n", "[/red]", "Alibaba ",
        ]
    ),
)  # fmt: skip
HOSTILE = st.lists(_PIECES).map("".join)


def _is_control(char: str) -> bool:
    return (
        unicodedata.category(char) == "Cc"
        or "\u202a" <= char <= "\u202e"
        or ("\u2066" <= char <= "\u2069")
    )


@given(HOSTILE)
def test_no_control_character_survives_but_tab_and_newline(text: str) -> None:
    cleaned = strip_controls(text)
    assert not [c for c in cleaned if _is_control(c) and c not in "\t\n"], repr(cleaned)
    assert "\u2028" not in cleaned and "\u2029" not in cleaned


@given(HOSTILE)
def test_stripping_twice_changes_nothing(text: str) -> None:
    once = strip_controls(text)
    assert strip_controls(once) == once


@given(st.text().filter(lambda t: not any(_is_control(c) or c in "\u2028\u2029" for c in t)))
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert strip_controls(text) == text


@given(HOSTILE)
def test_one_line_is_a_single_line_of_printable_text(text: str) -> None:
    line = one_line(text)
    assert "\n" not in line and "\t" not in line and line == line.strip()
    assert one_line(line) == line


def test_escape_sequences_go_whole_not_just_their_esc() -> None:
    title = "DAMO \x1b[31mAcademy\x1b[0m opens \x1b]0;pwned\x07a lab\x1b[2J\r\n in Hangzhou"
    assert strip_controls(title) == "DAMO Academy opens a lab\n in Hangzhou"
    assert one_line("HTTP 404 Not\x1b[5m Found\x00") == "HTTP 404 Not Found"


def test_fetch_log_lines_never_carry_a_sources_password(caplog: pytest.LogCaptureFixture) -> None:
    from rdwatch.fetch import http

    with caplog.at_level(logging.INFO, logger="rdwatch.fetch.http"):
        http.log.info("retrying %s after %s", "https://bot:s3cret@feeds.example/x", "HTTP 503")
    assert "s3cret" not in caplog.text and "https://bot:***@feeds.example/x" in caplog.text
