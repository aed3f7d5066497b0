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
        lines += [f"| {s} | {_cell(c)} | {_remote(e)} |" for s, c, e in summary.alerts_failed]
    return "\n".join(lines)


def _remote(text: str) -> str:
    """A URL or failure reason: passwords redacted, control characters gone."""
    return _cell(one_line(redact(text)))


def source_health_rows(
    health: Sequence[SourceHealth], this_run: Mapping[str, str] | None = None
) -> list[dict[str, object]]:
    """One row per source; with `this_run` (source → what its poll gave), a column for it.
    Remote text (last error, this run's outcome) is redacted and kept to one line."""

    def stamp(value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "—"

    return [
        {
            "source": h.name,
            "status": "gone" if h.gone else ("failing" if h.consecutive_failures else "ok"),
            **(
                {"this run": one_line(redact(this_run.get(h.name, "not polled")))}
                if this_run is not None
                else {}
            ),
            "last success": stamp(h.last_success_at),
            "last new item": stamp(h.last_new_item_at),
            "consecutive failures": h.consecutive_failures,
            "last error": one_line(redact(h.last_error or "")),
            "next poll": stamp(h.next_poll_at),
        }
        for h in health
    ]
