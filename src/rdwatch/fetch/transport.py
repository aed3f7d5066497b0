"""An httpx transport with one small connection pool per host.

httpcore's pool scans every pooled connection (with a socket poll each) to place every request,
so one pool holding connections to many hosts costs O(connections) per request: with 25 hosts ×
2 connections that scan was most of a steady-state poll's CPU. Giving each host its own
`httpx.AsyncHTTPTransport`, sized to `per_host_concurrency`, keeps each scan to a couple of
connections. All pools share one SSL context (building one costs ~20 ms).
"""

from __future__ import annotations

import ssl

import httpx


class PerHostTransport(httpx.AsyncBaseTransport):
    def __init__(self, per_host_connections: int) -> None:
        self._limits = httpx.Limits(
            max_connections=per_host_connections, max_keepalive_connections=per_host_connections
        )
        self._ssl = ssl.create_default_context()
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = httpx.AsyncHTTPTransport(verify=self._ssl, limits=self._limits)
            self._pools[key] = pool
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()
