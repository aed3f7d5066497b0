"""Compression bombs against a whole `rdwatch run`: the size cap holds, and so does memory.

A Brotli feed that expands to 1 GiB, gzip and deflate feeds of 256 MiB (each a few hundred KB or
less on the wire) and, behind a good feed, article pages that are bombs too. The run's peak
memory is read from the kernel's accounting of the run's process (`tests.peak_memory`), so
nothing else this test process does counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import write_config
from tests.fetch.servers import Server, brotli_bomb, gzip_bomb, rss
from tests.peak_memory import run_measured

GIB, MIB = 1 << 30, 1 << 20
PEAK_RSS_LIMIT = 300 * MIB


def _bomb_site(server: Server) -> list[dict[str, str]]:
    bombs = {
        "br": brotli_bomb(GIB),
        "gzip": gzip_bomb(256 * MIB),
        "deflate": gzip_bomb(256 * MIB, wbits=15),
    }
    sources = []
    for encoding, body in bombs.items():
        headers = {"Content-Encoding": encoding}
        feed = server.route(f"{encoding}-bomb.xml", body, headers=headers)
        sources.append({"name": f"{encoding}-bomb", "url": feed})
        page_headers = {**headers, "Content-Type": "text/html"}
        server.route(f"pages/{encoding}.html", body, headers=page_headers)
    links = [(f"DAMO Academy {e} story", server.url(f"pages/{e}.html")) for e in bombs]
    sources.append({"name": "good", "url": server.route("good.xml", rss(*links))})
    return sources


def test_bombs_stop_at_the_cap_and_the_run_stays_under_300_mb(
    tmp_path: Path, server: Server
) -> None:
    config = write_config(
        tmp_path,
        sources=_bomb_site(server),
        fetch={"allow_private_addresses": True, "max_age_days": None, "follow_links": True},
    )
    command = [sys.executable, "-m", "rdwatch", "run", "--no-prefect", "--config", str(config)]
    run = run_measured(command, tmp_path / "run.log")
    output = run.output
    assert run.returncode == 0, output[-3000:]
    for encoding in ("br", "gzip", "deflate"):
        line = f"source failed {encoding}-bomb"
        assert f"{line} " in output and "larger than 5000000 bytes (decoded)" in output, output
        assert f"/pages/{encoding}.html" in server.hit_paths(), server.hit_paths()
    peak = run.peak_bytes
    assert peak < PEAK_RSS_LIMIT, f"peak RSS {peak / MIB:.0f} MiB\n{output[-3000:]}"
    print(f"peak RSS of the run: {peak / MIB:.0f} MiB")
