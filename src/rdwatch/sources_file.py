"""Adding a source to the YAML config file without losing its comments or layout.

ruamel.yaml round-trips the file (comments, key order, quoting), so `rdwatch sources add` can
edit a hand-written config. The new entry is validated with the config models before writing.
`add_discovered_source` first finds what to add: the feed a page advertises with
`<link rel="alternate">` (or the URL itself when it already is a feed), fetched through the same
guarded, size-capped HTTP as a run, so a source is only written once it has answered.
"""

from __future__ import annotations

import asyncio
import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rdwatch.config import FetchConfig, SourceConfig
from rdwatch.errors import ConfigError, FetchError, RdwatchError
from rdwatch.fetch import build_client, decode_html, discover_feed, http, parse_feed, parse_listing
from rdwatch.fetch.pages import looks_like_html

SourceKind = Literal["feed", "page"]
# A `key:` line, any comment or blank lines, then the first `- ` item of its list.
_LIST_UNDER_KEY = re.compile(
    r"^( *)[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", re.M
)


def add_source_to_config(
    config_path: Path | str,
    name: str,
    url: str,
    kind: SourceKind = "feed",
    item_selector: str | None = None,
) -> SourceConfig:
    """Append a source to `config_path`'s `sources:` list; ConfigError if the name is taken."""
    path = Path(config_path)
    source = _validated(path, name, url, kind, item_selector)
    yaml, document = _load(path)
    sources = document.get("sources")
    if sources is None:
        sources = document["sources"] = CommentedSeq()
    if name in _names(sources):
        raise ConfigError(f"{path}: a source named {name!r} already exists", hint="pass --name")
    same = [s.get("name") for s in sources if isinstance(s, dict) and s.get("url") == url]
    if same:
        raise ConfigError(f"{path}: {url} is already configured as source {same[0]!r}")
    entry = CommentedMap([("name", name), ("kind", kind), ("url", url)])
    if item_selector:
        entry["item_selector"] = item_selector
    if sources:
        _move_trailing_lines(sources[-1], entry)
    sources.append(entry)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)
    return source


def _move_trailing_lines(previous: Any, entry: CommentedMap) -> None:
    """ruamel keeps the blank lines and comments after the last entry (the gap before the next
    key) with that entry; move them to the new last entry so it sits right under the others."""
    if not isinstance(previous, CommentedMap) or not previous:
        return
    key = list(previous)[-1]
    slot = previous.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None:
        return
    own_line, _, after = token.value.partition("\n")  # an end-of-line comment stays put
    if not after:
        return
    moved = copy.copy(token)
    moved.value = "\n" + after
    token.value = own_line + "\n"
    entry.ca.items[list(entry)[-1]] = [None, None, moved, None]


def _validated(
    path: Path, name: str, url: str, kind: SourceKind, item_selector: str | None
) -> SourceConfig:
    try:
        return SourceConfig(name=name, url=url, kind=kind, item_selector=item_selector)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "source"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: new source {name!r}: {where}: {message}") from None


def _load(path: Path) -> tuple[YAML, Any]:
    text = path.read_text(encoding="utf-8")
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    offset = _sequence_offset(text)
    # ruamel re-indents every list on dump; keep the file's own "  - item" style.
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml, yaml.load(text) or CommentedMap()


def _sequence_offset(text: str) -> int:
    """How far the file indents a list's dash under its key (`key:` / `  - item` → 2)."""
    match = _LIST_UNDER_KEY.search(text)
    return max(len(match.group(2)) - len(match.group(1)), 0) if match else 0


def _names(sources: Any) -> set[str]:
    return {str(s.get("name")) for s in sources or () if isinstance(s, dict)}


# --- sources add: find the feed, then add it ---


@dataclass(frozen=True)
class AddedSource:
    source: SourceConfig
    found_on: str | None  # the page that advertised the feed; None when the URL itself was added
    items: int  # entries in the feed, or article links the selector matched on the page


def source_name_for(url: str) -> str:
    """A source name from the URL's host: `https://www.example.co.uk/news` → `example-co-uk`."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "source"


def add_discovered_source(
    config_path: Path | str,
    url: str,
    settings: FetchConfig,
    *,
    name: str | None = None,
    kind: SourceKind = "feed",
    item_selector: str | None = None,
) -> AddedSource:
    """Fetch `url`, find its feed (kind feed) or check the selector (kind page), then add it."""
    path = Path(config_path)
    chosen = name or source_name_for(url)
    _validated(path, chosen, url, kind, item_selector)  # a bad URL fails before any request
    if chosen in _names(_load(path)[1].get("sources")):
        raise ConfigError(
            f"{path}: a source named {chosen!r} already exists", hint="pick another with --name"
        )
    if kind == "page":
        assert item_selector is not None  # _validated requires it for pages
        links = asyncio.run(_count_links(url, item_selector, settings))
        source = add_source_to_config(path, chosen, url, kind, item_selector)
        return AddedSource(source, None, links)
    feed_url, found_on, items = asyncio.run(_find_feed(url, settings))
    return AddedSource(add_source_to_config(path, chosen, feed_url, "feed"), found_on, items)


async def _find_feed(url: str, settings: FetchConfig) -> tuple[str, str | None, int]:
    """(feed URL, page it was found on or None, entries) for a feed URL or a page linking one."""
    async with build_client(settings) as client:
        response = await _get(client, url, settings)
        if not looks_like_html(response.body, response.headers.get("content-type", "")):
            return url, None, _entries(response, url)
        html = decode_html(response.body, response.headers)
        feed_url = discover_feed(html, response.final_url)
        if feed_url is None:
            raise RdwatchError(
                f"no feed found at {url}: the page advertises no RSS, Atom or JSON feed "
                '(<link rel="alternate">)',
                hint="pass the feed URL itself, or add the page: --kind page --item-selector CSS",
            )
        return feed_url, url, _entries(await _get(client, feed_url, settings), feed_url)


async def _count_links(url: str, selector: str, settings: FetchConfig) -> int:
    async with build_client(settings) as client:
        response = await _get(client, url, settings)
    html = decode_html(response.body, response.headers)
    links = parse_listing(html, source="new", url=response.final_url, selector=selector)
    if not links:
        raise RdwatchError(f"{url}: the item selector {selector!r} matches no article link")
    return len(links)


async def _get(client: httpx.AsyncClient, url: str, settings: FetchConfig) -> http.Response:
    # http.get checks every hop against the private-address guard unless the config allows them.
    response = await http.get(client, url, settings)
    if response.status_code != 200:
        raise FetchError(url, http.status_reason(response))
    return response


def _entries(response: http.Response, url: str) -> int:
    try:
        items, _warning = parse_feed(response.body, source="new", url=url, headers=response.headers)
    except FetchError as exc:
        raise FetchError(url, f"not a feed ({exc.reason})") from None
    return len(items)
