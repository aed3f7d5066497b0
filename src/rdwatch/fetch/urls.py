"""Canonical URLs and news-aggregator link resolution.

`canonical_url` maps the many spellings of one article's address to one string, so the "seen" dedup
tier can skip an item before any download. It is pure, never raises on an http(s) URL, and is
idempotent: `canonical_url(canonical_url(u)) == canonical_url(u)`.

`resolve_aggregator_url` turns a redirector link into the publisher's URL when the link itself
holds it (Bing News `apiclick.aspx?url=…`, Google's `/url?q=…`, a Google News id of the pre-2024
format); otherwise it returns the link unchanged. It never asks the network: current Google News
ids are opaque, and such items are read as headlines (`rdwatch.fetch.aggregators`).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, unquote_plus, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, SoupStrainer

# Query parameters that only say where a click came from; they never select content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "__hs", "ga_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid",
        "ttclid", "li_fat_id", "mkt_tok", "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id",
        "wickedid", "s_cid", "ncid", "ocid", "cmpid", "ref_src", "ref_url", "spm", "cmp",
        "sr_share", "smid", "taid",
    }
)  # fmt: skip
# `?amp=1`, `?amp`, `?outputType=amp` select the AMP rendering of the same article.
_AMP_PARAMS = frozenset({"amp", "outputtype"})
# Host prefixes of mobile and AMP renderings of the same site (m.example.com → example.com).
_VARIANT_HOST_LABELS = frozenset({"m", "mobile", "amp"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Article links and guids are indexed in the store, and PostgreSQL cannot index a value of much
# more than 2,700 bytes; 2,000 bytes is also about the longest URL browsers and CDNs accept.
MAX_URL_BYTES = 2000
_AMP_SUFFIX = re.compile(r"\.amp(\.html?)?$", re.IGNORECASE)

_GOOGLE_NEWS_ARTICLE = re.compile(r"^/(?:rss/)?articles/([A-Za-z0-9_-]+)")
# Redirectors whose `url=` / `q=` parameter names the destination.
_REDIRECT_PARAMS = ("url", "q", "u")


def canonical_url(url: str, html: str | None = None) -> str:
    """The canonical form of `url`; a `<link rel=canonical>` in `html` wins when it is usable."""
    url = url.strip()
    try:
        declared = _declared_canonical(url, html) if html else None
        return _normalise(declared or url)
    except ValueError:  # not parseable as a URL (e.g. a stray "[" in the host): leave it alone
        return url


def _normalise(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url
    return urlunsplit(
        (scheme, _netloc(scheme, parts.netloc), _path(parts.path), _query(parts.query), "")
    )


def _netloc(scheme: str, netloc: str) -> str:
    # Credentials never belong in a stored canonical URL; the port only when it is not the default.
    hostport = netloc.rpartition("@")[2].lower()
    host, port = _split_port(hostport)
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in _VARIANT_HOST_LABELS:
        labels = labels[1:]
    host = ".".join(labels).rstrip(".") or host
    if port is None or port == str(_DEFAULT_PORTS[scheme]):
        return host
    return f"{host}:{port}"


def _split_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):  # IPv6 literal: [::1]:8080
        host, _, rest = hostport.partition("]")
        port = rest[1:] if rest.startswith(":") and rest[1:].isdigit() else None
        return host + "]", port
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit():
        return host, str(int(port))
    return hostport.rstrip(":"), None


def _path(path: str) -> str:
    # Repeat until stable so the result is idempotent whatever order the variants were nested in.
    previous = None
    while previous != path:
        previous = path
        path = _AMP_SUFFIX.sub(lambda m: m.group(1) or "", path.rstrip("/"))
        segments = path.split("/")
        if segments and segments[-1].lower() == "amp":
            segments = segments[:-1]
        if len(segments) > 1 and segments[1].lower() == "amp":
            segments = [segments[0], *segments[2:]]
        path = "/".join(segments)
    return path or "/"


def _query(query: str) -> str:
    # Work on raw `k=v` pieces so the parameters kept are byte-for-byte what the site sent.
    kept = sorted(piece for piece in query.split("&") if piece and _keeps(piece))
    return "&".join(kept)


def _keeps(piece: str) -> bool:
    name = unquote_plus(piece.partition("=")[0]).strip().lower()
    if name in _TRACKING_NAMES or name in _AMP_PARAMS:
        return False
    return not name.startswith(_TRACKING_PREFIXES)


def _declared_canonical(url: str, html: str) -> str | None:
    """The page's `<link rel=canonical>` resolved against `url`, unless it is unusable."""
    soup = BeautifulSoup(html, "lxml", parse_only=SoupStrainer("link"))
    for link in soup.find_all("link"):
        rel: list[str] = list(link.get("rel") or [])
        href = link.get("href")
        if "canonical" not in [r.lower() for r in rel] or not isinstance(href, str) or not href:
            continue
        target = urljoin(url, href.strip())
        if urlsplit(target).scheme.lower() not in _DEFAULT_PORTS:
            return None
        # A canonical pointing at the home page from an article is a common CMS template bug;
        # trusting it would fold every article of the site into one URL.
        if urlsplit(target).path in ("", "/") and urlsplit(url).path not in ("", "/"):
            return None
        return target if fits_store(target) else None
    return None


def fits_store(url: str) -> bool:
    """Whether the store can index `url` (at most `MAX_URL_BYTES` in UTF-8)."""
    return len(url.encode()) <= MAX_URL_BYTES


def resolve_aggregator_url(url: str) -> str:
    """The publisher's URL behind a redirector link, when the link itself holds it."""
    if "google." not in url and "bing.com" not in url:
        return url  # the common case, decided without parsing
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not (host == "google.com" or host.endswith(".google.com") or host.endswith("bing.com")):
        return url
    for name, value in parse_qsl(parts.query):
        if name.lower() in _REDIRECT_PARAMS and value.startswith(("http://", "https://")):
            return value
    match = _GOOGLE_NEWS_ARTICLE.match(parts.path)
    if host == "news.google.com" and match:
        return _decode_google_news_id(match.group(1)) or url
    return url


def _decode_google_news_id(article_id: str) -> str | None:
    """The URL inside a Google News article id of the pre-2024 format, else None.

    An id is a base64 protobuf. Old ids hold the publisher's URL as a string field; current ones
    hold an opaque token (`AU_yqL…`) that only Google can map to the article, through an
    undocumented call. Those stay unresolved: the item is its headline, never fetched.
    """
    try:
        raw = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    for value in _protobuf_strings(raw):
        if value.startswith((b"http://", b"https://")):
            try:
                return value.decode("ascii")
            except UnicodeDecodeError:
                return None
    return None


def _protobuf_strings(raw: bytes) -> list[bytes]:
    """The length-delimited fields of a protobuf message, read until it stops making sense."""
    found, position = [], 0
    while position < len(raw):
        key, position = _varint(raw, position)
        if key is None:
            break
        wire_type = key & 7
        if wire_type == 0:
            _, position = _varint(raw, position)
        elif wire_type == 2:
            length, position = _varint(raw, position)
            if length is None or position + length > len(raw):
                break
            found.append(raw[position : position + length])
            position += length
        else:
            break
    return found


def _varint(raw: bytes, position: int) -> tuple[int | None, int]:
    value = shift = 0
    while position < len(raw) and shift < 64:
        byte = raw[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
    return None, position
