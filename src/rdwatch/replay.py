"""`rdwatch replay`: a backtest of a candidate config on the stored articles, sent nowhere.

Every stored article goes through ingest again (dedup tiers, story choice, facts, notability,
outbox rules: `ingest.ingest_in_session`, as a run does it), once under the current config and
once under the candidate, in stored order and at the time each was first stored. Each replay goes
into a scratch store (the schema in a fresh SQLite file) inside one transaction that is rolled
back: the configured database is only read, nothing is kept and nothing is delivered. Between the
runs the articles arrived in, the alerts due are marked sent as a delivery would (so updates
follow them as they would have).

The two replays' alerts are then compared. Story ids differ between replays, so a story is known
by its first article's URL; an alert is (story, channel, kind, number). With `since`, the articles
stored before it are replayed as context and only alerts queued since are compared. Each alert
added or removed comes with its reasons: both scores against both thresholds and the notability
rules that differ.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from rdwatch.analysis import Analyser, Analysis, analyse
from rdwatch.config import Config
from rdwatch.facts import load_gazetteer, load_rates
from rdwatch.ingest import IngestContext, ingest_in_session
from rdwatch.models import Article, StoryView
from rdwatch.notify import build_senders
from rdwatch.store import Database
from rdwatch.store import replay as replay_store


@dataclass(frozen=True)
class Queued:
    """One alert (or update) a replay queued, and the story it is on."""

    story_url: str  # the story's first article
    title: str
    channel: str
    kind: str
    number: int  # 0 for an alert, 1, 2, … for updates

    @property
    def slot(self) -> tuple[str, str, str, int]:
        return (self.story_url, self.channel, self.kind, self.number)


@dataclass(frozen=True)
class Verdict:
    """How one replay judged the story an alert is on."""

    score: float
    notable: bool
    threshold: float
    reasons: tuple[str, ...]
    story_url: str  # the first article of the story the alert's story article is in


@dataclass(frozen=True)
class Difference:
    queued: Queued
    added: bool  # True: only the candidate queues it; False: only the current config does
    current: Verdict | None
    candidate: Verdict | None

    @property
    def rules_changed(self) -> list[str]:
        """The notability reasons found by one replay and not the other ("+" candidate only)."""
        now = set(self.current.reasons if self.current else ())
        then = set(self.candidate.reasons if self.candidate else ())
        return [f"+ {r}" for r in sorted(then - now)] + [f"- {r}" for r in sorted(now - then)]


@dataclass(frozen=True)
class ReplayReport:
    articles: int
    replayed: int  # articles stored since `since` (all, without it)
    since: datetime | None
    current_alerts: int
    candidate_alerts: int
    differences: tuple[Difference, ...]

    @property
    def added(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.added)

    @property
    def removed(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if not d.added)


@dataclass
class _Replay:
    """One config's replay in progress."""

    config: Config
    session: Session
    context: IngestContext
    analyser: Analyser


def replay(
    current: Config,
    candidate: Config,
    *,
    since: datetime | None = None,
    on_article: Callable[[], None] | None = None,
) -> ReplayReport:
    """Replay the current config's stored articles under both configs and compare the alerts."""
    db = Database(current.database_url, read_only=True)
    try:
        with tempfile.TemporaryDirectory(prefix="rdwatch-replay-") as scratch:
            return _compare(db, current, candidate, Path(scratch), since, on_article)
    finally:
        db.dispose()


def _compare(
    db: Database,
    current: Config,
    candidate: Config,
    scratch: Path,
    since: datetime | None,
    on_article: Callable[[], None] | None,
) -> ReplayReport:
    (scratch / "current").mkdir()
    (scratch / "candidate").mkdir()
    with (
        replay_store.scratch_session(scratch / "current") as a,
        replay_store.scratch_session(scratch / "candidate") as b,
    ):
        runs = [_start(current, a), _start(candidate, b)]
        articles = replayed = 0
        last: datetime | None = None
        for stored in _stored(db):
            if last is not None and stored.stored_at != last:
                _deliver(runs, last, stored.stored_at)
            last = stored.stored_at
            _ingest(runs, stored.article, stored.archive, stored.stored_at)
            articles += 1
            replayed += since is None or stored.stored_at >= since
            if on_article is not None:
                on_article()
        return _report(runs, articles, replayed, since)


def _stored(db: Database) -> Iterator[replay_store.StoredArticle]:
    """The stored articles, read a batch per short transaction (a run may write meanwhile)."""
    after = 0
    while True:
        with db.session() as session:
            batch = replay_store.stored_articles(session, after)
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _deliver(runs: list[_Replay], run_ended: datetime, next_run: datetime) -> None:
    """What deliveries between two runs would have sent: right after the first, and what came
    due (updates waiting out their rate limit) by the next."""
    for run in runs:
        for when in (run_ended, next_run):
            replay_store.mark_due_sent(run.session, when, run.config.alerts.max_attempts)


def _start(config: Config, session: Session) -> _Replay:
    gazetteer, rates = load_gazetteer(config.facts.gazetteer), load_rates(config.facts.rates)
    senders = build_senders(config.alerts, config.data_dir)
    context = IngestContext(config, gazetteer, rates, senders)
    return _Replay(config, session, context, context.analyser)


def _ingest(runs: list[_Replay], article: Article, archive: bool, now: datetime) -> None:
    analysed: dict[int, Analysis] = {}
    for run in runs:
        # The same analysis serves both replays when dedup and facts settings are the same.
        key = next((i for i, r in enumerate(runs) if _same_analysis(r, run)), 0)
        if key not in analysed:
            analysed[key] = analyse(article, run.analyser)
        ingest_in_session(run.context, run.session, analysed[key], now, archive=archive)


def _same_analysis(a: _Replay, b: _Replay) -> bool:
    return a.config.dedup == b.config.dedup and a.config.facts == b.config.facts


def _report(
    runs: list[_Replay], articles: int, replayed: int, since: datetime | None
) -> ReplayReport:
    current, candidate = (_queued(run, since) for run in runs)
    differences = [
        _difference(q, True, runs) for slot, q in candidate.items() if slot not in current
    ] + [_difference(q, False, runs) for slot, q in current.items() if slot not in candidate]
    return ReplayReport(
        articles=articles,
        replayed=replayed,
        since=since,
        current_alerts=len(current),
        candidate_alerts=len(candidate),
        differences=tuple(sorted(differences, key=lambda d: (not d.added, d.queued.slot))),
    )


def _queued(run: _Replay, since: datetime | None) -> dict[tuple[str, str, str, int], Queued]:
    found = {}
    for entry, url, title in replay_store.queued_alerts(run.session):
        if since is None or entry.created_at >= since:
            queued = Queued(url, title, entry.channel, entry.kind, entry.sequence)
            found[queued.slot] = queued
    return found


def _difference(queued: Queued, added: bool, runs: list[_Replay]) -> Difference:
    current, candidate = (_verdict(run, queued.story_url) for run in runs)
    return Difference(queued, added, current, candidate)


def _verdict(run: _Replay, url: str) -> Verdict | None:
    story = replay_store.story_of(run.session, url)
    if story is None:
        return None
    return Verdict(
        score=story.score,
        notable=story.notable,
        threshold=run.config.notability.threshold,
        reasons=story.reasons,
        story_url=_first_url(story),
    )


def _first_url(story: StoryView) -> str:
    return story.articles[0].url if story.articles else ""


def describe(difference: Difference) -> Iterable[str]:
    """The lines that say why an alert was added or removed."""
    now, then = difference.current, difference.candidate
    if now is not None and then is not None:
        threshold = f"{now.threshold:.2f}"
        if then.threshold != now.threshold:
            threshold += f" → {then.threshold:.2f}"
        yield (
            f"score {now.score:.2f} → {then.score:.2f} (threshold {threshold}; "
            f"notable: {_yes(now.notable)} → {_yes(then.notable)})"
        )
        if now.story_url != then.story_url:
            yield f"grouped differently: the story starts at {now.story_url} → {then.story_url}"
    yield from difference.rules_changed
    both_notable = now is not None and then is not None and now.notable and then.notable
    if both_notable and not difference.rules_changed:
        yield "notable in both: the channel's routing or the update rules differ"


def _yes(value: bool) -> str:
    return "yes" if value else "no"
