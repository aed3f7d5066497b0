"""Human-readable reports of a run: markdown for Prefect artifacts, rows for tables.

Pure functions of domain objects, shared by the CLI summary and the Prefect artifacts so both say
the same thing. Text from outlets and sources (titles, facts, error messages) is escaped as the
chat alert escapes it (`notify.text.escape_markdown`: no raw HTML, no markdown links or
emphasis, no mentions, `|` kept inside its table cell); links are http(s) only. Article URLs are
not redacted (they hold no secrets, and channel URLs never reach a report), but a source's URL
may carry a password (`https://user:pass@host/feed`) and a failure's reason may quote it: the
run summary and the health rows redact both, as every log line and error does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from rdwatch.models import RunSummary, StoryView
from rdwatch.notify.summary import build_parts
from rdwatch.notify.text import chat_url, escape_markdown
from rdwatch.store.sources import SourceHealth
from rdwatch.untrusted import one_line, redact

ARTIFACT_KEY_FACTS = 4


def _cell(text: object) -> str:
    return escape_markdown(text)


def _link(text: str, url: str) -> str:
    href = chat_url(url)
    return f"[{_cell(text)}](<{href}>)" if href else _cell(text)


def new_stories_markdown(stories: Sequence[StoryView]) -> str:
    if not stories:
        return "# New stories\n\nNo new stories in this run."
    lines = [
        "# New stories",
        "",
        "| Story | Title | Notable | Score | Key facts | Why | Links |",
        "|---|---|---|---|---|---|---|",
    ]
    for story in stories:
        parts = build_parts(story)
        facts = "; ".join(f.label for f in parts.facts[:ARTIFACT_KEY_FACTS]) or "—"
        links = " ".join(_link(a.outlet, a.url) for a in story.articles)
        lines.append(
            f"| {story.id} | {_cell(story.title)} | {'yes' if story.notable else 'no'} "
            f"| {story.score:.2f} | {_cell(facts)} | {_cell('; '.join(story.reasons) or '—')} "
            f"| {links} |"
        )
    return "\n".join(lines)


def summary_markdown(summary: RunSummary) -> str:
    tiers = ", ".join(f"{k}: {v}" for k, v in sorted(summary.by_tier.items())) or "none"
    lines = [
        "# Run summary",
        "",
        f"- Sources: {len(summary.sources_ok)} ok, {len(summary.sources_failed)} failed",
        f"- Items: {summary.items_seen} seen in feeds, {summary.items_skipped_seen} already known,"
        f" {summary.items_filtered} left out by keep rules, {summary.items_deferred} left for the"
        " next run (over fetch.max_items_per_source)",
        f"- New stories: {len(summary.new_story_ids)}",
        f"- Dedup decisions per tier: {tiers}",
        f"- Alerts: {summary.alerts_sent} sent, {len(summary.alerts_failed)} failed",
    ]
    if summary.sources_failed:
        lines += ["", "## Failed sources", "", "| Source | URL | Reason |", "|---|---|---|"]
        lines += [
            f"| {_cell(n)} | {_remote(u)} | {_remote(r)} |" for n, u, r in summary.sources_failed
        ]
    if summary.alerts_failed:
        lines += ["", "## Failed alerts", "", "| Story | Channel | Error |", "|---|---|---|"]
        lines += [
            f"| {s if s is not None else 'source alarm'} | {_cell(c)} | {_remote(e)} |"
            for s, c, e in summary.alerts_failed
        ]
    return "\n".join(lines)


def _remote(text: str) -> str:
    """A URL or failure reason: passwords redacted, control characters gone."""
    return _cell(one_line(redact(text)))


def source_health_rows(
    health: Sequence[SourceHealth],
    this_run: Mapping[str, str] | None = None,
    *,
    every: Mapping[str, timedelta] | None = None,
) -> list[dict[str, object]]:
    """One row per source; with `this_run` (source → what its poll gave), a column for it.
    `every` (source → its configured interval) shows where adaptive polling has taken each
    source. Remote text (last error, this run's outcome) is redacted and kept to one line."""

    def stamp(value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "—"

    return [
        {
            "source": h.name,
            "status": _status(h),
            **(
                {"this run": one_line(redact(this_run.get(h.name, "not polled")))}
                if this_run is not None
                else {}
            ),
            "last success": stamp(h.last_success_at),
            "last new item": stamp(h.last_new_item_at),
            "silent since": stamp(h.silent_since),
            "consecutive failures": h.consecutive_failures,
            "last error": one_line(redact(h.last_error or "")),
            "polled every": _interval(h, (every or {}).get(h.name)),
            "next poll": stamp(h.next_poll_at),
        }
        for h in health
    ]


def _status(health: SourceHealth) -> str:
    if health.gone:
        return "gone"
    if health.consecutive_failures:
        return "failing"
    return "silent" if health.silent_since is not None else "ok"


def _interval(health: SourceHealth, configured: timedelta | None) -> str:
    """`22m 30s (every 15m)`: the adapted interval, and the configured one when it differs."""
    current = timedelta(seconds=health.interval_s) if health.interval_s is not None else configured
    if current is None:
        return "—"
    if configured is None or current == configured:
        return human_interval(current)
    return f"{human_interval(current)} (every {human_interval(configured)})"


def human_interval(span: timedelta) -> str:
    """`1d 6h`, `22m 30s`, `45s`: the two largest units."""
    seconds = round(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2]) or "0s"
