"""A guard for tests that hold real-world URLs: name resolution answers only for loopback.

`loopback_only()` replaces `socket.getaddrinfo` for its duration: a loopback name or address
resolves as usual; any other host is recorded and refused (`socket.gaierror`), so nothing in the
test can reach or even resolve news.google.com, bing.com or an outlet's host. The recorded hosts
let a test assert that nothing tried.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOOPBACK = ("127.", "::1", "localhost")


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    attempts: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.startswith(_LOOPBACK) or name in ("", "None"):
            return real(host, *args, **kwargs)
        attempts.append(name)
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve loopback only, not {name}")

    socket.getaddrinfo = guarded
    try:
        yield attempts
    finally:
        socket.getaddrinfo = real
