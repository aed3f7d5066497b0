"""Text from elsewhere (feed entries, pages, servers' error answers) made safe to show a person.

Remote text can carry terminal control sequences: `ESC [ … m` recolours or clears a terminal,
`ESC ] … BEL` sets its title or plants a hyperlink, and the C1 controls (U+0080–U+009F) act as
escapes on some terminals. Explicit bidirectional overrides (U+202A–U+202E, U+2066–U+2069) make a
terminal show text in an order other than the one stored. None of these belong in a headline or an
article, so `strip_controls` removes every ESC sequence whole (dropping the ESC alone would leave
its `[31m` behind) and every other control character except tab and newline; a C1 control goes
alone, since in mis-decoded text it stands for a lost quote mark, not for a sequence. A carriage
return becomes a newline, so nothing can overwrite what a line already showed.

Invariants (tests/test_untrusted.py checks them on arbitrary text): the result holds no control
character but tab and newline; stripping twice changes nothing; text without controls is returned
unchanged.

URLs carry secrets (apprise URLs are credentials; a source URL can hold `user:password@`):
`redact` hides them in any text that is logged, printed or published.
"""

from __future__ import annotations

import logging
import re

_ESCAPE_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: cursor moves, colours, clearing the screen
    r"|\x1b[]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC, DCS…: titles, hyperlinks, up to ST
    r"|\x1b[ -/]*[0-~]?"  # any other escape: ESC, intermediates, a final byte
)
_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences and control characters; tab and newline are kept."""
    if text.isprintable():  # the common case: nothing to remove, and no newline either
        return text
    text = _ESCAPE_SEQUENCES.sub("", text)
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


def one_line(text: str) -> str:
    """`text` stripped of controls, its whitespace runs (newlines too) made single spaces."""
    return " ".join(strip_controls(text).split())


_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<rest>[^\s'\"<>]+)", re.IGNORECASE)
_USERINFO_PASSWORD = re.compile(r"^(?P<user>[^/@:]*):[^/@]*@")
# Schemes whose URLs are addresses, not credentials: only a password in them is hidden.
_ADDRESS_SCHEMES = {"http", "https", "archive", "file", "sqlite"}


def redact(text: str) -> str:
    """Hide secrets in URLs: apprise URLs entirely after `scheme://`, passwords elsewhere."""
    return _URL.sub(_redact_url, text)


def _redact_url(match: re.Match[str]) -> str:
    scheme, rest = match.group("scheme"), match.group("rest")
    base = scheme.lower().split("+", 1)[0]
    if base in _ADDRESS_SCHEMES or base in ("postgresql", "postgres", "mysql"):
        return f"{scheme}://" + _USERINFO_PASSWORD.sub(r"\g<user>:***@", rest)
    return f"{scheme}://***"


class RedactingFilter(logging.Filter):
    """Rewrites a logger's records so a URL's secrets never reach a log handler (Prefect's
    included, which shows them in the UI)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
