"""The private-address guard: literal addresses, resolved names, redirects and feed item links."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from rdwatch.errors import BlockedAddressError, FetchError
from rdwatch.fetch import address_problem, build_client, check_url, fetch_page, fetch_sources, guard
from tests.fetch.helpers import NOW, fast_settings, feed_source, run
from tests.fetch.servers import Server, rss

FAKE_DNS = {
    "feeds.test": ["93.184.216.34"],
    "intranet.test": ["10.0.0.7"],
    "metadata.test": ["169.254.169.254"],
    "split.test": ["93.184.216.34", "192.168.1.20"],
    "sixtofour.test": ["2002:7f00:1::"],
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for DNS: names under .test resolve as FAKE_DNS says."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in FAKE_DNS:
            raise OSError(f"unknown host {host}")
        return FAKE_DNS[host]

    monkeypatch.setattr(guard, "resolve_host", resolve)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "not a public"),
        ("240.0.0.1", "private"),
    ],
)
def test_non_public_addresses_are_refused(address: str, label: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and label in problem


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("2002:7f00:1::", "127.0.0.1 is a loopback address"),  # 6to4
        ("2002:a00:1::1", "10.0.0.1 is a private address"),
        ("2002:a9fe:a9fe::", "169.254.169.254 is a link-local address"),
        ("64:ff9b::7f00:1", "127.0.0.1 is a loopback address"),  # NAT64, well-known prefix
        ("64:ff9b:1::c0a8:1", "192.168.0.1 is a private address"),  # NAT64, local-use prefix
        ("::a00:1", "10.0.0.1 is a private address"),  # IPv4-compatible
        ("::ffff:a9fe:a9fe", "169.254.169.254 is a link-local address"),  # IPv4-mapped
        # Teredo whose client is 127.0.0.1 (stored inverted: 80ff:fffe).
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1 is a loopback address"),
    ],
)
def test_embedded_ipv4_addresses_are_judged_by_that_address(address: str, embedded: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and problem.startswith(embedded) and address in problem, problem


def test_site_local_ipv6_is_refused() -> None:
    assert address_problem(ipaddress.ip_address("fec0::1")) == "fec0::1 is a site-local address"


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2002:5db8:d822::1",  # 6to4 of 93.184.216.34
        "64:ff9b::5db8:d822",  # NAT64 of 93.184.216.34
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://intranet.test/x", "intranet.test resolves to a private address: 10.0.0.7"),
        ("http://metadata.test/", "resolves to a link-local address: 169.254.169.254"),
        ("http://split.test/", "resolves to a private address: 192.168.1.20"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        (
            "http://sixtofour.test/",
            "resolves to 2002:7f00:1::: 127.0.0.1 is a loopback address (embedded in",
        ),
        ("http://[2002:a00:1::]/", "10.0.0.1 is a private address (embedded in 2002:a00:1::)"),
        ("http://[fec0::5]/", "fec0::5 is a site-local address"),
    ],
)
@pytest.mark.usefixtures("fake_dns")
def test_urls_whose_host_resolves_to_any_private_address_are_blocked(url: str, reason: str) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        run(check_url(url))
    assert caught.value.reason.startswith("blocked: ") and reason in caught.value.reason


@pytest.mark.usefixtures("fake_dns")
def test_public_names_pass_and_unresolvable_names_fail_clearly() -> None:
    run(check_url("https://feeds.test/rss"))
    with pytest.raises(FetchError, match=r"cannot resolve host nowhere\.test"):
        run(check_url("http://nowhere.test/"))


def test_loopback_source_is_refused_unless_private_addresses_are_allowed(server: Server) -> None:
    url = server.route("feed.xml", rss(("A", "http://example.com/a")))
    settings = fast_settings(allow_private_addresses=False)

    async def go() -> str | None:
        async with build_client(settings) as client:
            [result] = await fetch_sources(
                [feed_source("s", url)], settings, {}, client=client, now=NOW
            )
        return result.error

    assert run(go()) == "blocked: 127.0.0.1 is a loopback address"
    assert server.hits == []


class _ToLocalServer(httpx.AsyncBaseTransport):
    """Sends every request to the local test server, keeping the URL's host in the Host header."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _routed_client(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=_ToLocalServer(int(server.base.rsplit(":", 1)[1])))


@pytest.mark.usefixtures("fake_dns")
def test_feed_items_linking_to_private_addresses_are_dropped_with_a_warning(server: Server) -> None:
    body = rss(
        ("Public story", "http://feeds.test/news/1"),
        ("Metadata probe", "http://169.254.169.254/latest/meta-data/"),
        ("Intranet", "http://intranet.test/wiki"),
    )
    server.route("feed.xml", body)
    settings = fast_settings(allow_private_addresses=False)

    async def go() -> list:
        async with _routed_client(server) as client:
            source = feed_source("s", "http://feeds.test/feed.xml")
            return await fetch_sources([source], settings, {}, client=client, now=NOW)

    [result] = run(go())
    assert result.ok, result.error
    assert [i.url for i in result.items] == ["http://feeds.test/news/1"]
    assert result.warning is not None
    assert result.warning.startswith("dropped 2 item(s) linking to private addresses")


@pytest.mark.usefixtures("fake_dns")
def test_a_redirect_to_a_private_address_is_blocked_at_that_hop(server: Server) -> None:
    server.route("story", status=302, headers={"Location": "http://intranet.test/secret"})
    server.route("secret", "internal")
    settings = fast_settings(allow_private_addresses=False, respect_robots_txt=False)

    async def go() -> None:
        async with _routed_client(server) as client:
            await fetch_page("http://feeds.test/story", settings, client=client)

    with pytest.raises(BlockedAddressError, match=r"intranet\.test resolves to a private address"):
        run(go())
    assert "/secret" not in server.hit_paths()
