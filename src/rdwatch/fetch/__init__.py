"""The fetch stage: sources → FeedItems, item links → article pages.

    http      bounded, polite GETs: limits, timeouts, size cap, redirects
    retry     the one retry policy: per-URL budget, typed failures (transient/throttled/gone/bad)
    decoding  Content-Encoding decoded a bounded piece at a time (compression bombs stop at the cap)
    guard     refuses loopback/private/link-local hosts on every URL and redirect hop
    robots    robots.txt (protego) for article pages, cached per host
    feeds     feed bodies → FeedItems (feedparser; JSON Feed)
    rss       the fast path `feeds` takes for plain RSS 2.0 (lxml)
    pages     listing pages (CSS selectors), feed discovery, HTML decoding
    urls      canonical URLs, the longest URL the store indexes, redirector links resolved offline
    aggregators  Google News items as headlines: interstitial links, publisher suffixes, snippets
    gnews     opt-in decoding of Google News links (`resolve: google-news`)
    sources   fetch_sources: conditional GET, backoff skips, per-source outcomes as values
    shards    fetch_in_shards: sources in a few host-grouped shards, each run by a given wrapper
    articles  fetch_page / fetch_pages / iter_pages

Every function takes its dependencies (client, settings, clock) as arguments.
"""

from rdwatch.fetch.articles import fetch_page, fetch_pages, iter_pages
from rdwatch.fetch.feeds import parse_feed
from rdwatch.fetch.gnews import resolve_google_news
from rdwatch.fetch.guard import address_problem, check_url
from rdwatch.fetch.http import build_client
from rdwatch.fetch.pages import decode_html, discover_feed, parse_listing
from rdwatch.fetch.shards import (
    PollShard,
    Shard,
    ShardRunner,
    fetch_in_shards,
    poll_directly,
    split_into_shards,
)
from rdwatch.fetch.sources import fetch_sources
from rdwatch.fetch.urls import canonical_url, fits_store, resolve_aggregator_url

__all__ = [
    "PollShard",
    "Shard",
    "ShardRunner",
    "address_problem",
    "build_client",
    "canonical_url",
    "check_url",
    "decode_html",
    "discover_feed",
    "fetch_in_shards",
    "fetch_page",
    "fetch_pages",
    "fetch_sources",
    "fits_store",
    "iter_pages",
    "parse_feed",
    "parse_listing",
    "poll_directly",
    "resolve_aggregator_url",
    "resolve_google_news",
    "split_into_shards",
]
