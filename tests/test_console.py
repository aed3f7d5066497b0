"""What a person sees: progress bars and a summary table on a terminal, clean text elsewhere."""

from __future__ import annotations

import logging
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.markup import render

from rdwatch.console import PlainFormatter, printable, safe
from rdwatch.models import RunSummary
from rdwatch.untrusted import strip_controls
from tests.conftest import write_config
from tests.servers import SiteServer

ROOT = Path(__file__).resolve().parent.parent


def _run_in_terminal(args: list[str], timeout: float = 120) -> str:
    """Run a command attached to a pseudo-terminal and return everything it wrote."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(
        args, stdin=terminal, stdout=terminal, stderr=terminal, cwd=ROOT, env=env, close_fds=True
    )
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            output.extend(chunk)
        elif process.poll() is not None:
            break
    process.wait(timeout=10)
    os.close(controller)
    assert process.returncode == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


def _config(tmp_path: Path, site: SiteServer) -> Path:
    return write_config(
        tmp_path, sources=[{"name": "tech-wire", "kind": "feed", "url": site.url("feed.xml")}]
    )


def test_terminal_run_shows_progress_bars_and_the_summary(tmp_path: Path, site: SiteServer) -> None:
    config = _config(tmp_path, site)
    args = [sys.executable, "-m", "rdwatch", "run", "--no-prefect", "--config", str(config)]
    output = _run_in_terminal(args)

    assert "\x1b[" in output  # a live, styled display
    for stage in ("fetch", "extract", "dedup, facts, notability"):
        assert stage in output, output
    assert "3/3" in output  # the extract bar completed
    assert "rdwatch run summary" in output and "alerts sent" in output


def test_piped_run_prints_no_control_characters(tmp_path: Path, site: SiteServer) -> None:
    config = _config(tmp_path, site)
    result = subprocess.run(
        [sys.executable, "-m", "rdwatch", "run", "--no-prefect", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "rdwatch run summary" in result.stdout
    assert "INFO rdwatch" in result.stderr  # plain log lines instead of bars


# Text as hostile sources write it: markup-like brackets, backslashes, emoji codes, escapes.
_MARKUP_PIECES = st.sampled_from(
    [*"[]/\\ab:=#@ ", "[/red]", "[red]", "\\[", "[link=x]", "[/]", "[@click]", ":fire:", "\x1b[31m"]
)
HOSTILE = st.lists(_MARKUP_PIECES).map("".join)


@given(HOSTILE, HOSTILE)
def test_safe_text_prints_as_itself_wherever_it_sits_in_markup(first: str, second: str) -> None:
    markup = f"[red]failed[/red] {safe(first)} ({safe(second)}): [bold]x[/bold] {safe(second)}"
    text = render(markup, emoji=False)  # never a MarkupError
    a, b = strip_controls(first), strip_controls(second)
    assert [str(span.style) for span in text.spans] == ["red", "bold"], markup
    if "\\[" not in a + b:  # a backslash right before `[` is shown doubled, nothing else changes
        assert text.plain == f"failed {a} ({b}): x {b}", markup


def test_a_printable_run_summary_is_escaped_and_redacted() -> None:
    now = datetime.now(UTC)
    summary = RunSummary(
        started_at=now,
        finished_at=now,
        sources_failed=(("feed [/red]", "https://me:pw@127.0.0.1/f", "HTTP 404 Not [/red] Found"),),
        extract_failures=(("http://127.0.0.1/\x1b[2Ja", "no text"),),
        by_tier={"new": 1},
    )
    shown = printable(summary)
    assert shown.sources_failed == (
        ("feed \\[/red]", "https://me:***@127.0.0.1/f", "HTTP 404 Not \\[/red] Found"),
    )
    assert shown.extract_failures == (("http://127.0.0.1/a", "no text"),)
    assert (shown.started_at, shown.by_tier) == (now, {"new": 1})


def test_plain_log_lines_lose_control_characters_and_passwords() -> None:
    record = logging.LogRecord(
        "rdwatch.fetch", logging.INFO, __file__, 1, "retrying %s after %s",
        ("https://me:pw@127.0.0.1/feed", "HTTP 503 \x1b[31mbusy"), None,
    )  # fmt: skip
    line = PlainFormatter("%(message)s").format(record)
    assert line == "retrying https://me:***@127.0.0.1/feed after HTTP 503 busy"
