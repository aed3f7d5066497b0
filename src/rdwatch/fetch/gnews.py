"""Opt-in decoding of Google News links (`resolve: google-news` on a source).

Current Google News ids are opaque; the only known way to the publisher's URL is an undocumented
call to Google (`batchexecute`), which the `googlenewsdecoder` package (an optional dependency:
`pip install 'rdwatch[google-news]'`) makes. It is fragile and against the feed's terms, so it is
off unless a source asks for it, and every failure falls back cleanly: the package missing, an
exception, a refused or odd answer, or a URL rdwatch would not store all leave the item as it was,
a headline. The package makes its own requests, with its own HTTP client (it honours the usual
proxy variables), not rdwatch's. A decoded item keeps its guid, so it is not decoded again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace

from rdwatch.config import SourceConfig
from rdwatch.fetch.urls import canonical_url, fits_store
from rdwatch.models import FeedItem

log = logging.getLogger(__name__)
# Turns Google News links into publisher URLs (None where it could not), in order.
Decoder = Callable[[list[str]], Awaitable[list[str | None]]]


async def resolve_google_news(
    items: Sequence[FeedItem],
    sources: Iterable[SourceConfig],
    *,
    timeout_s: float = 10.0,
    decoder: Decoder | None = None,
) -> list[FeedItem]:
    """The items, with headline-only items of sources that opted in decoded where possible."""
    wanted = {s.name for s in sources if s.resolve == "google-news"}
    todo = [i for i, item in enumerate(items) if item.headline_only and item.source in wanted]
    if not todo:
        return list(items)
    decode = decoder or library_decoder(timeout_s)
    if decode is None:
        log.warning(
            "resolve: google-news needs the optional googlenewsdecoder package "
            "(pip install 'rdwatch[google-news]'); %d item(s) stay headlines",
            len(todo),
        )
        return list(items)
    try:
        decoded = await decode([items[i].url for i in todo])
    except Exception as exc:  # a third-party call to Google: any failure means "not decoded"
        log.warning("Google News links not decoded (%s); items stay headlines", exc)
        return list(items)
    result = list(items)
    for index, url in zip(todo, decoded, strict=False):
        usable = url if isinstance(url, str) and url.startswith(("https://", "http://")) else None
        if usable is not None and fits_store(usable):
            result[index] = replace(items[index], url=canonical_url(usable), headline_only=False)
    done = sum(1 for i in todo if not result[i].headline_only)
    log.info("decoded %d of %d Google News link(s)", done, len(todo))
    return result


def library_decoder(timeout_s: float) -> Decoder | None:
    """`googlenewsdecoder`'s batch decoder, or None when the package is not installed."""
    try:
        from googlenewsdecoder import GoogleDecoderAsync
    except ImportError:
        return None

    async def decode(urls: list[str]) -> list[str | None]:
        async with GoogleDecoderAsync(timeout=timeout_s) as decoder:
            answers = await decoder.decode_google_news_urls(urls)
        return [_decoded_url(answer) for answer in answers]

    return decode


def _decoded_url(answer: object) -> str | None:
    # Releases differ in the flag's name ("status" before 0.2, "success" since).
    if not isinstance(answer, dict) or not (answer.get("success") or answer.get("status")):
        return None
    url = answer.get("decoded_url")
    return url if isinstance(url, str) else None
