"""What a person sees: progress bars and a summary table on a terminal, clean text elsewhere."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

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
