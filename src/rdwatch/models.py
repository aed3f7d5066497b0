"""Domain objects passed between the pipeline stages.

What a source said (`FeedItem`), what rdwatch made of it (`Article`, `Fact`, `DedupDecision`,
`Notability`) and what is stored (`StoredArticle`, `StoryView`) are kept apart. All are frozen;
datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class ArticleStatus(StrEnum):
    ARCHIVE = "archive"
    NEW = "new"
    DUPLICATE = "duplicate"
    SAME_STORY = "same_story"


class FetchFailure(StrEnum):
    """Why a source or page could not be fetched, as the next poll should treat it."""

    TRANSIENT = "transient"  # timeout, refused or broken connection, 5xx: try again next run
    THROTTLED = "throttled"  # 429, or 503 with Retry-After: not before the server's time
    GONE = "gone"  # 410: not polled again until its config entry changes
    BAD = "bad"  # anything else (404, not a feed, too large, blocked…): needs a person


class DedupTier(StrEnum):
    SEEN = "seen"
    EXACT = "exact"
    NEAR = "near"
    SAME_STORY = "same_story"
    NEW = "new"


@dataclass(frozen=True)
class FeedItem:
    """One entry as a feed or listing page announced it."""

    source: str
    url: str
    title: str = ""
    guid: str | None = None
    summary: str = ""
    published: datetime | None = None
    publisher: str | None = None  # the item's own `<source>`, on aggregator feeds
    author: str | None = None  # `dc:creator`, `<author>`
    # An aggregator's item whose link leads to no article rdwatch can read (a Google News
    # interstitial): the headline, publisher, snippet and date are all there is.
    headline_only: bool = False


@dataclass(frozen=True)
class SourceState:
    """What rdwatch remembers about a source between polls (validators and health)."""

    name: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    next_poll_at: datetime | None = None
    consecutive_failures: int = 0
    gone: bool = False


@dataclass(frozen=True)
class FetchedPage:
    """An article page as downloaded: final URL after redirects and the decoded HTML."""

    url: str
    final_url: str
    html: str
    status_code: int = 200


@dataclass(frozen=True)
class SourceFetch:
    """The outcome of polling one source: items, or the reason it failed and what kind of failure.

    `failure` is set exactly when `error` is (an error given without a kind counts as BAD);
    `retry_after_s` is the server's Retry-After for a THROTTLED source. `skipped` sources were not
    polled (backoff, gone), and their health is left as it was.
    """

    source: str
    url: str
    items: tuple[FeedItem, ...] = ()
    error: str | None = None
    failure: FetchFailure | None = None
    status_code: int | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    warning: str | None = None
    retry_after_s: float | None = None
    skipped: bool = False
    elapsed_s: float = 0.0

    def __post_init__(self) -> None:
        if self.error is not None and self.failure is None:
            object.__setattr__(self, "failure", FetchFailure.BAD)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def gone(self) -> bool:
        return self.failure is FetchFailure.GONE


@dataclass(frozen=True)
class Article:
    """A piece of coverage with its main text, ready for dedup and fact extraction."""

    url: str
    title: str
    text: str
    source: str
    published: date | None = None
    guid: str | None = None
    author: str | None = None
    publisher: str | None = None  # the outlet (see rdwatch.publishers); None: the source's name
    headline_only: bool = False  # made of an aggregator's headline and snippet, no page read


@dataclass(frozen=True)
class Fact:
    """One typed fact and the sentence it came from.

    `kind` is one of money, count, person, org, place, product, area, date, quote, and:
    spec (a figure with a unit of measure or of hardware: `spec:nm:5`, `spec:ghz:3.2`,
    `spec:cores:128`), percent (`percent:97`), price (an amount per unit:
    `price:cny/token:5e-07`), market (share moves and prices, revenue, profit, valuations:
    `market:hkd:161.6`, `market:pct:8`; never an R&D commitment) and media (a publication or
    agency named in the text: `media:reuters`). `key` is the normalised identity used to merge the
    same fact across articles and to compare with the archive: `<kind>:<id>`, where an id found
    by pattern is spelling-insensitive (`product:qwen3` for "Qwen 3", "Qwen3", "Qwen-3").
    """

    kind: str
    text: str
    key: str
    sentence: str = ""
    value: float | None = None
    currency: str | None = None
    usd: float | None = None
    unit: str | None = None
    role: str | None = None
    org: str | None = None
    speaker: str | None = None
    qualifier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The export shape: kind and text always, other fields when set."""
        record: dict[str, Any] = {"kind": self.kind, "text": self.text}
        for name in ("value", "currency", "usd", "unit", "role", "org", "speaker", "qualifier"):
            item = getattr(self, name)
            if item is not None:
                record[name] = item
        return record


@dataclass(frozen=True)
class DedupDecision:
    """Where an article stands relative to what is stored, and why."""

    status: ArticleStatus
    tier: DedupTier
    reason: str
    matched_article_id: int | None = None
    matched_url: str | None = None
    story_id: int | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class Reason:
    """One notability rule's contribution."""

    rule: str
    weight: float
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.weight:+.2f}): {self.detail}"


@dataclass(frozen=True)
class Notability:
    score: float
    notable: bool
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class StoryArticle:
    article_id: int
    url: str
    title: str
    source: str
    status: ArticleStatus
    published: date | None
    reason: str
    publisher: str | None = None

    @property
    def outlet(self) -> str:
        return self.publisher or self.source


@dataclass(frozen=True)
class StoryView:
    """A story as stored: its articles, merged facts and notability."""

    id: int
    title: str
    first_seen: datetime
    is_archive: bool
    notable: bool
    score: float
    reasons: tuple[str, ...]
    articles: tuple[StoryArticle, ...] = ()
    facts: tuple[Fact, ...] = ()

    @property
    def outlets(self) -> tuple[str, ...]:
        """Independent publishers: a copy (duplicate) of another article adds no outlet."""
        return tuple(
            sorted({a.outlet for a in self.articles if a.status != ArticleStatus.DUPLICATE})
        )


@dataclass(frozen=True)
class StoryAggregate:
    """What ingest needs of a stored story to add an article and score it, kept as articles join
    rather than recomputed from every member. `watched_in_*` is None where not computed yet."""

    id: int
    title: str
    is_archive: bool
    indexed_articles: int
    lead: str
    facts: tuple[Fact, ...]
    publishers: tuple[str, ...]
    source_names: tuple[str, ...]
    watched_in_title: tuple[str, ...] | None
    watched_in_lead: tuple[str, ...] | None
    first_published: date | None = None
    last_published: date | None = None


@dataclass(frozen=True)
class AlertMessage:
    """A rendered alert for one channel."""

    story_id: int
    title: str
    body: str
    body_format: str  # "markdown" | "html" | "text"


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery of the outbox did."""

    sent: tuple[tuple[int, str], ...] = ()  # (story id, channel)
    failed: tuple[tuple[int, str, str], ...] = ()  # (story id, channel, error)
    skipped: int = 0


@dataclass(frozen=True)
class RunSummary:
    """What one watch run did; printed by the CLI and published as a Prefect artifact."""

    started_at: datetime
    finished_at: datetime
    sources_ok: tuple[str, ...] = ()
    sources_failed: tuple[tuple[str, str, str], ...] = ()  # (name, url, reason)
    items_seen: int = 0
    items_skipped_seen: int = 0
    articles_new: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    new_story_ids: tuple[int, ...] = ()
    alerts_sent: int = 0
    alerts_failed: tuple[tuple[int, str, str], ...] = ()  # (story id, channel, error)
    extract_failures: tuple[tuple[str, str], ...] = ()  # (url, reason)
    silent_sources: tuple[str, ...] = ()  # one line per source quiet for longer than usual
    items_deferred: int = 0  # new items over the per-source cap, left for the next run
    items_filtered: int = 0  # new items a source's keep rules left out (never stored)
