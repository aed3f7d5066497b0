"""What hostile sources can put in front of a person: rich markup, escape sequences, passwords.

A local server plays the sources: a feed whose titles hold `[/red]`, `[link=…]` and terminal
escape sequences, a source answering `HTTP 404 Not [/red] Found`, and a source whose configured
URL carries a password. Every command that prints what they said must work and print it as text.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_config
from tests.test_cli import rdwatch

ESC = "\x1b"
TITLE = f"DAMO Academy [/red] opens a [bold]RISC-V lab{ESC}[31m in Hangzhou{ESC}]0;pwned\x07"
SHOWN_TITLE = "DAMO Academy [/red] opens a [bold]RISC-V lab in Hangzhou"
BODY = (
    "Alibaba's DAMO Academy said it has opened a research lab for RISC-V processors in Hangzhou "
    f"and will hire 300 engineers.{ESC}[2J The lab [link=http://127.0.0.1:9/]is led by[/link] "
    "Jeff Zhang, chief technology officer of Alibaba Cloud."
)
FEED = f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Hostile {ESC}[5mwire</title>
<item><title>{TITLE}</title><link>{{base}}/articles/lab</link><guid>lab</guid>
<description>{BODY}</description></item>
</channel></rss>"""
PASSWORD = "s3cret-pw"


@contextmanager
def hostile_sources() -> Iterator[str]:
    """A feed with hostile titles, a 404 with markup in its reason phrase, a 401 for the rest."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/feed.xml":
                body = FEED.replace("{base}", base).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            elif self.path == "/gone.xml":
                body = b"gone"
                self.send_response(404, "Not [/red] Found")
            else:
                body = b"who are you?"
                self.send_response(401, "Unauthorized")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hostile_config(tmp_path: Path) -> Iterator[Path]:
    with hostile_sources() as base:
        yield write_config(
            tmp_path,
            archive=None,
            sources=[
                {"name": "hostile-wire", "url": f"{base}/feed.xml"},
                {"name": "broken [/red] source", "url": f"{base}/gone.xml"},
                {"name": "private", "url": base.replace("://", f"://reader:{PASSWORD}@") + "/p"},
            ],
            fetch={"allow_private_addresses": True, "follow_links": False, "retries": 0},
        )


def _wide() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "400"}  # table cells on one line each


def _check(result: Any, *expected: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert ESC not in output and "\x07" not in output, repr(output)
    assert PASSWORD not in output, output
    for text in expected:
        assert text in result.stdout, result.stdout
    return str(result.stdout)


def test_remote_text_prints_as_text_in_every_command(hostile_config: Path) -> None:
    config = ("--config", str(hostile_config))
    run = rdwatch("run", "--no-prefect", *config, env=_wide())
    _check(
        run,
        "broken [/red] source",
        "HTTP 404 Not [/red] Found",
        "http://reader:***@127.0.0.1:",
        "new stories",
    )
    _check(rdwatch("sources", "list", *config, env=_wide()), "HTTP 404 Not [/red] Found")
    _check(rdwatch("sources", "check", *config, env=_wide()), "HTTP 404 Not [/red] Found")
    _check(rdwatch("stories", "list", *config, env=_wide()), SHOWN_TITLE[:60])

    export = rdwatch("export", *config)
    [record] = [json.loads(line) for line in _check(export).splitlines()]
    assert record["title"] == SHOWN_TITLE

    shown = _check(rdwatch("stories", "show", str(record["story_id"]), *config, env=_wide()))
    assert f"Story {record['story_id']}: {SHOWN_TITLE}" in shown
    assert "[link=http://127.0.0.1:9/]is led by[/link]" in shown
    _check(rdwatch("alerts", "list", *config, env=_wide()))


def test_explain_prints_a_hostile_article_as_text(tmp_path: Path) -> None:
    config = write_config(tmp_path, archive=None)
    article = tmp_path / "article.txt"
    article.write_text(f"{TITLE}\n\n{BODY}\n", encoding="utf-8")
    result = rdwatch("explain", str(article), "--config", str(config), env=_wide())
    assert f"article    {SHOWN_TITLE}" in _check(result)


def test_error_lines_carry_no_escape_sequence_or_password(tmp_path: Path) -> None:
    config = write_config(tmp_path, archive=None, fetch={"retries": 0})
    targets = {
        f"http://reader:{PASSWORD}@127.0.0.1:9/page": "http://reader:***@127.0.0.1:9/page",
        str(tmp_path / f"{ESC}[2Jmissing{ESC}]0;x\x07.html"): str(tmp_path / "missing.html"),
    }
    for target, shown in targets.items():
        result = rdwatch("explain", target, "--config", str(config))
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith("rdwatch: error:") and shown in line, line
        assert ESC not in line and "\x07" not in line and PASSWORD not in line, repr(line)
