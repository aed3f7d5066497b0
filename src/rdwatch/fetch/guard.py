"""The private-address guard: no fetch may reach loopback, private, link-local or reserved hosts.

A feed is untrusted input; without this guard a feed item (or a redirect) pointing at
`http://169.254.169.254/` or `http://localhost:6379/` would make rdwatch probe its own network.
Every URL and every redirect hop is checked unless `fetch.allow_private_addresses` is true.
A host is refused if ANY of its resolved addresses is non-public, because the connection may use
any of them.

Known limit: the check resolves the name separately from httpx's own connect, so a DNS server that
answers differently between the two lookups (DNS rebinding) is not caught.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from rdwatch.errors import BlockedAddressError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# IPv6 prefixes that carry an IPv4 destination in their last 32 bits and are translated to it by
# the network: NAT64's well-known prefix and its local-use range. (6to4, IPv4-mapped and
# IPv4-compatible addresses have their own properties or layout below.)
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def address_problem(address: IPAddress) -> str | None:
    """Why `address` must not be fetched, or None for a public address.

    An IPv6 address that stands for an IPv4 one (mapped, compatible, 6to4, NAT64) is judged by
    that IPv4 address, because that is where the packets end up: `2002:7f00:1::` is 127.0.0.1.
    Teredo names a server and a client: both must be public, and the address itself as well.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = embedded_ipv4(address)
        if embedded is not None:
            problem = _problem(embedded)
            return None if problem is None else f"{problem} (embedded in {address})"
        for part in address.teredo or ():
            problem = _problem(part)
            if problem is not None:
                return f"{problem} (embedded in Teredo address {address})"
        if address.is_site_local:  # fec0::/10: deprecated, but routed inside a site if anywhere
            return f"{address} is a site-local address"
    return _problem(address)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 destination an IPv6 address is translated to, if it is one of those forms."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in prefix for prefix in _NAT64):
        return low32
    # ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 keep their own meaning.
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return low32
    return None


def _problem(address: IPAddress) -> str | None:
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
    )
    for label, hit in checks:
        if hit:
            return f"{address} is a {label} address"
    # Anything else that is not globally routable (100.64/10 carrier NAT, 192.0.0/24, …).
    return None if address.is_global else f"{address} is not a public address"


async def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to (module-level so tests can stand in for DNS)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check_url(url: str, *, cache: dict[str, str | None] | None = None) -> None:
    """Raise BlockedAddressError if `url`'s host is or resolves to a non-public address.

    `cache` maps a host to its problem (None: fine) so a run resolves each host once.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(url, "URL has no host")
    if cache is not None and host in cache:
        problem = cache[host]
    else:
        problem = await _host_problem(url, host, _port(parts.scheme, parts))
        if cache is not None:
            cache[host] = problem
    if problem is not None:
        raise BlockedAddressError(url, f"blocked: {problem}")


async def _host_problem(url: str, host: str, port: int) -> str | None:
    try:
        return address_problem(ipaddress.ip_address(host))
    except ValueError:
        pass  # a name, not a literal address
    try:
        addresses = await resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve host {host}") from exc
    for text in addresses:
        problem = address_problem(ipaddress.ip_address(text.split("%")[0]))
        if problem is None:
            continue
        if problem.startswith(text + " is "):
            return f"{host} resolves to {problem.removeprefix(text + ' is ')}: {text}"
        return f"{host} resolves to {text}: {problem}"
    return None


def _port(scheme: str, parts: object) -> int:
    try:
        port = getattr(parts, "port", None)
    except ValueError:
        port = None
    return port or (443 if scheme == "https" else 80)
