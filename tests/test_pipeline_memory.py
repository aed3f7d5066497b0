"""Memory of a run does not grow with its number of items: 300 article pages of 1 MB each are
downloaded, extracted and stored a chunk at a time, and only the articles are kept.

The run's peak memory is the kernel's accounting of the child process (`tests.peak_memory`); the
pages are served by a separate server process (the standard library's).
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rdwatch.config import load_config
from rdwatch.store import Database
from rdwatch.store.articles import count_articles
from tests.conftest import write_config
from tests.fetch.servers import rss
from tests.peak_memory import run_measured

MIB = 1 << 20
PAGES = 300
PEAK_RSS_LIMIT = 300 * MIB


def _page(rng: random.Random, n: int) -> bytes:
    # Mostly script, as heavy pages are: a megabyte on the wire, a few paragraphs of article.
    filler = "".join(rng.choices("abcdefghij ", k=MIB))
    paragraphs = "".join(
        f"<p>Zorvex Labs {n} opened lab number {n} in Hangzhou, item {i} of its plan.</p>"
        for i in range(12)
    )
    html = (
        f"<html><head><title>Zorvex Labs {n} opens lab {n}</title><script>var x='{filler}';"
        f"</script></head><body><article><h1>Zorvex Labs {n}</h1>{paragraphs}</article>"
        "</body></html>"
    )
    return html.encode()


@pytest.fixture
def heavy_site(tmp_path: Path) -> Iterator[str]:
    """A feed of PAGES one-megabyte pages, served by `python -m http.server` on loopback."""
    root = tmp_path / "site"
    (root / "pages").mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(3)
    links = []
    for n in range(PAGES):
        (root / "pages" / f"{n}.html").write_bytes(_page(rng, n))
        links.append((f"Zorvex Labs {n} opens lab {n}", f"{base}/pages/{n}.html"))
    (root / "feed.xml").write_bytes(rss(*links))
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"{base}/feed.xml"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_300_one_megabyte_pages_keep_the_run_under_300_mb(tmp_path: Path, heavy_site: str) -> None:
    config = write_config(
        tmp_path,
        sources=[{"name": "heavy", "url": heavy_site}],
        fetch={"allow_private_addresses": True, "max_age_days": None, "follow_links": True,
               "max_items_per_source": None, "per_host_concurrency": 8},
    )  # fmt: skip
    command = [sys.executable, "-m", "rdwatch", "run", "--no-prefect", "--config", str(config)]
    run = run_measured(command, tmp_path / "run.log")
    output, peak = run.output, run.peak_bytes
    assert run.returncode == 0, output[-3000:]
    stored = Database(load_config(config).database_url, migrate=False)
    try:
        with stored.session() as session:
            assert count_articles(session) == 5 + PAGES, output[-3000:]  # the archive and all
    finally:
        stored.dispose()
    assert peak < PEAK_RSS_LIMIT, f"peak RSS {peak / MIB:.0f} MiB\n{output[-3000:]}"
    print(f"peak RSS of the run: {peak / MIB:.0f} MiB")
