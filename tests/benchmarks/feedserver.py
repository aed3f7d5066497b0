"""Many local feeds for the fetch benchmarks, served by a process of their own.

`serve_feeds(feeds, items, hosts)` starts a separate process with a small asyncio HTTP/1.1 server
on `hosts` ports of 127.0.0.1 (each port a "host") and yields the feeds' URLs, feed n on host
n % hosts. Each feed is RSS 2.0 with an ETag and a Last-Modified; the server answers 304 when
If-None-Match or If-Modified-Since matches, so a client that polls conditionally gets no body.
Serving from its own process keeps the server off the client's GIL and out of its timings.

Items carry distinct text (words made of random syllables, seeded per item), so that no two
items of the whole set look alike to a deduplicator and none shares a vocabulary with the others.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime

LAST_MODIFIED = format_datetime(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), usegmt=True)
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _words(rng: random.Random, count: int) -> str:
    return " ".join(
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(count)
    )


def make_feed(number: int, items: int) -> bytes:
    stamp = format_datetime(datetime(2026, 11, 20, tzinfo=UTC))
    entries = []
    for i in range(items):
        rng = random.Random(number * 100_003 + i)
        entries.append(
            f"<item><title>{_words(rng, 7).capitalize()}</title>"
            f"<link>https://outlet{number}.example.com/news/{i}?utm_source=rss</link>"
            f'<guid isPermaLink="false">feed-{number}-item-{i}</guid>'
            f"<pubDate>{stamp}</pubDate>"
            f"<description>&lt;p&gt;{_words(rng, 60)}.&lt;/p&gt;</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {number}</title><link>https://outlet{number}.example.com/</link>"
        f"<description>bench</description>{''.join(entries)}</channel></rss>"
    ).encode()


_FEEDS: dict[int, bytes] = {}


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            number = int(lines[0].split(" ")[1].rsplit("/", 1)[1].split(".")[0])
            etag = f'"feed-{number}-v1"'
            sent = {
                name.strip().lower(): value.strip()
                for name, _, value in (ln.partition(":") for ln in lines[1:] if ":" in ln)
            }
            validators = f"ETag: {etag}\r\nLast-Modified: {LAST_MODIFIED}\r\n"
            if sent.get("if-none-match") == etag or (
                "if-none-match" not in sent and sent.get("if-modified-since") == LAST_MODIFIED
            ):
                writer.write(f"HTTP/1.1 304 Not Modified\r\n{validators}\r\n".encode())
            else:
                body = _FEEDS[number]
                writer.write(
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                    f"{validators}Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(ports: multiprocessing.Queue, feeds: int, items: int, hosts: int) -> None:  # type: ignore[type-arg]
    _FEEDS.update({n: make_feed(n, items) for n in range(feeds)})

    async def main() -> None:
        servers = [
            await asyncio.start_server(_handle, "127.0.0.1", 0, backlog=1024) for _ in range(hosts)
        ]
        ports.put([s.sockets[0].getsockname()[1] for s in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def serve_feeds(feeds: int, items: int, hosts: int) -> Iterator[list[str]]:
    """The URLs of `feeds` local feeds of `items` items each, served until the block ends."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, feeds, items, hosts), daemon=True)
    server.start()
    try:
        ports = queue.get(timeout=120)
        yield [f"http://127.0.0.1:{ports[n % hosts]}/feeds/{n}.xml" for n in range(feeds)]
    finally:
        server.terminate()
        server.join()
