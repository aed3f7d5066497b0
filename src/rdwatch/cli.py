"""The `rdwatch` command line (design §4.1).

Each command parses its options, calls library functions, and prints. Errors a user can cause
(`RdwatchError`) become one line on stderr and exit code 2; unexpected errors show their
traceback only with `--debug`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rdwatch import explain as explaining
from rdwatch import pipeline as core
from rdwatch.config import Config, load_config
from rdwatch.console import run_display
from rdwatch.errors import RdwatchError
from rdwatch.models import DedupTier, Fact, RunSummary
from rdwatch.notify import redact
from rdwatch.sources_file import add_discovered_source
from rdwatch.store import Database
from rdwatch.store import articles as article_store
from rdwatch.store import outbox as outbox_store
from rdwatch.store import sources as source_store

app = typer.Typer(
    help="Watch the press for Alibaba / DAMO Academy R&D news and alert on what is new.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
alerts_app = typer.Typer(help="Inspect, test and resend alerts.", no_args_is_help=True)
stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)
sources_app = typer.Typer(help="Source health and checks.", no_args_is_help=True)
archive_app = typer.Typer(
    help="Manage the archive of already-known articles.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
app.add_typer(stories_app, name="stories")
app.add_typer(sources_app, name="sources")
app.add_typer(archive_app, name="archive")
app.add_typer(db_app, name="db")

console = Console(soft_wrap=True)  # long URLs and reasons stay on one line
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $RDWATCH_CONFIG, else config/rdwatch.yaml).",
        show_default=False,
    ),
]
_state: dict[str, bool] = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
) -> None:
    _state["debug"] = debug


def _config(path: Path | None) -> Config:
    return load_config(path)


@contextmanager
def _database(config: Config) -> Iterator[Database]:
    db = Database(config.database_url)
    try:
        yield db
    finally:
        db.dispose()


# --- run / serve ---


@app.command()
def run(
    config: ConfigOption = None,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Run the pipeline directly, without Prefect.")
    ] = False,
) -> None:
    """Run one watch now (as the `watch` flow) and print a summary."""
    settings = _config(config)
    with run_display(console, plain_logs=no_prefect):
        summary = core.run_once(settings) if no_prefect else _run_flow(config or _default_path())
    print_summary(summary)


def _default_path() -> Path:
    from rdwatch.config import default_config_path

    return default_config_path()


def _run_flow(config_path: Path) -> RunSummary:
    _prefect_defaults()
    from flows.watch import watch

    return watch(config_path=str(config_path))


def _prefect_defaults() -> None:
    """Settings rdwatch wants from Prefect unless the user set them: quiet offline, our logs."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "rdwatch")


@app.command()
def serve(config: ConfigOption = None) -> None:
    """Serve the scheduled deployments (watch, digest, backfill) from this process."""
    _config(config)
    _prefect_defaults()
    from deployments.serve import serve_all

    serve_all(str(config or _default_path()))


def print_summary(summary: RunSummary) -> None:
    table = Table(title="rdwatch run summary", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("sources ok", str(len(summary.sources_ok)))
    table.add_row("sources failed", str(len(summary.sources_failed)))
    table.add_row("items in feeds", str(summary.items_seen))
    table.add_row("already known (seen)", str(summary.items_skipped_seen))
    for tier, count in sorted(summary.by_tier.items()):
        if tier != "seen":
            table.add_row(f"dedup: {tier}", str(count))
    table.add_row("new stories", str(len(summary.new_story_ids)))
    table.add_row("alerts sent", str(summary.alerts_sent))
    table.add_row("alerts failed", str(len(summary.alerts_failed)))
    console.print(table)
    for name, url, reason in summary.sources_failed:
        console.print(f"[red]source failed[/red] {name} ({url}): {reason}", highlight=False)
    for story_id, channel, error in summary.alerts_failed:
        console.print(f"[red]alert failed[/red] story {story_id} on {channel}: {error}")
    for alarm in summary.silent_sources:
        console.print(f"[yellow]silent source[/yellow] {alarm}", highlight=False)
    for url, reason in summary.extract_failures:
        console.print(f"[yellow]not extracted[/yellow] {url}: {reason}", highlight=False)


# --- export ---


@app.command()
def export(
    config: ConfigOption = None,
    format: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
) -> None:
    """Print one JSON object per stored article (status, story, facts, notability)."""
    if format != "jsonl":
        raise RdwatchError(f"--format {format!r} is not supported (use jsonl)")
    settings = _config(config)
    with _database(settings) as db, db.session() as session:
        for record in article_store.export_records(session):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- alerts ---


@alerts_app.command("list")
def alerts_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of alerts.")] = False,
    status: Annotated[str | None, typer.Option(help="Only alerts with this status.")] = None,
) -> None:
    """List alerts with story id, channel, status and attempts."""
    settings = _config(config)
    with _database(settings) as db, db.session() as session:
        entries = outbox_store.list_entries(session, status=status)
    if as_json:
        records = [_alert_record(e) for e in entries]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("id", "story", "channel", "kind", "status", "attempts", "sent", "last error")
    for e in entries:
        table.add_row(
            str(e.id), str(e.story_id), e.channel, e.kind, e.status, str(e.attempts),
            e.sent_at.strftime("%Y-%m-%d %H:%M") if e.sent_at else "", e.last_error or "",
        )  # fmt: skip
    console.print(table)


def _alert_record(entry: outbox_store.OutboxEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "story_id": entry.story_id,
        "channel": entry.channel,
        "kind": entry.kind,
        "status": entry.status,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "created_at": entry.created_at.isoformat(),
        "sent_at": entry.sent_at.isoformat() if entry.sent_at else None,
        "score": entry.score,
    }


@alerts_app.command("test")
def alerts_test(config: ConfigOption = None) -> None:
    """Send a test message to every channel; exit 1 if any channel failed."""
    from rdwatch.notify import build_senders, send_test_messages

    settings = _config(config)
    senders = build_senders(settings.alerts, settings.data_dir)
    checks = send_test_messages(senders, core.utc_now())
    table = Table("channel", "result", "error")
    for check in checks:
        table.add_row(check.channel, "ok" if check.ok else "FAILED", redact(check.error))
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@alerts_app.command("resend")
def alerts_resend(alert_id: int, config: ConfigOption = None) -> None:
    """Send one alert (by id from `alerts list`) again now, whatever its status."""
    from rdwatch.notify import build_senders, resend

    settings = _config(config)
    senders = build_senders(settings.alerts, settings.data_dir)
    with _database(settings) as db:
        report = resend(
            db, senders, alert_id, now=core.utc_now, max_attempts=settings.alerts.max_attempts
        )
    for story_id, channel in report.sent:
        console.print(f"alert {alert_id} (story {story_id}) sent on {channel}", highlight=False)
    for story_id, channel, error in report.failed:
        console.print(
            f"[red]alert {alert_id} (story {story_id}) failed on {channel}[/red]: {redact(error)}",
            highlight=False,
        )
    if report.skipped:
        console.print(f"alert {alert_id} is being sent by another run; not sent again")
    if not report.sent:
        raise typer.Exit(1)


# --- stories ---


@stories_app.command("list")
def stories_list(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
) -> None:
    """List stories: id, title, first seen, articles, outlets, notable."""
    settings = _config(config)
    with _database(settings) as db, db.session() as session:
        stories = article_store.list_stories(session, limit=limit)
    table = Table("id", "title", "first seen", "articles", "outlets", "notable", "score")
    for s in stories:
        notable = "archive" if s.is_archive else ("yes" if s.notable else "no")
        table.add_row(
            str(s.id), s.title[:70], s.first_seen.strftime("%Y-%m-%d %H:%M"),
            str(len(s.articles)), ", ".join(s.outlets), notable, f"{s.score:.2f}",
        )  # fmt: skip
    console.print(table)


@stories_app.command("show")
def stories_show(story_id: int, config: ConfigOption = None) -> None:
    """Show one story: its articles with dedup reasons, its facts and why it is notable."""
    settings = _config(config)
    with _database(settings) as db, db.session() as session:
        story = article_store.get_story(session, story_id)
    if story is None:
        raise RdwatchError(f"no story with id {story_id} (see `rdwatch stories list`)")
    kind = "archive story" if story.is_archive else ("notable" if story.notable else "not notable")
    console.print(f"[bold]Story {story.id}: {story.title}[/bold]", highlight=False)
    console.print(
        f"first seen {story.first_seen:%Y-%m-%d %H:%M} UTC · {kind} · score {story.score:.2f}"
    )
    for reason in story.reasons:
        console.print(f"  why: {reason}", highlight=False)
    articles = Table("article", "source", "status", "published", "url", "dedup reason")
    for a in story.articles:
        published = a.published.isoformat() if a.published else ""
        articles.add_row(str(a.article_id), a.source, a.status.value, published, a.url, a.reason)
    console.print(articles)
    facts = Table("kind", "fact", "details", "sentence")
    for f in story.facts:
        details = ", ".join(f"{k}={v}" for k, v in f.to_dict().items() if k not in ("kind", "text"))
        facts.add_row(f.kind, f.text, details, f.sentence[:160])
    console.print(facts)


# --- sources ---


@sources_app.command("list")
def sources_list(config: ConfigOption = None) -> None:
    """Show every source's health: last success, failures, last error, next poll."""
    settings = _config(config)
    with _database(settings) as db:
        with db.session() as session:
            source_store.sync_sources(session, settings.sources)
        with db.session() as session:
            health = source_store.list_source_health(session)
        alarms = core.silent_sources(db, settings, core.utc_now())
    from rdwatch.report import source_health_rows

    rows = source_health_rows(health)
    table = Table(*(rows[0].keys() if rows else ("source",)))
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    for alarm in alarms:
        console.print(f"[yellow]silent source[/yellow] {alarm}", highlight=False)


@sources_app.command("check")
def sources_check(
    names: Annotated[
        list[str] | None, typer.Argument(help="Source names to probe (default: all enabled).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Probe sources once now (all enabled ones, or those named) and report what each returned."""
    settings = _config(config)
    chosen = [settings.source(n) for n in names] if names else settings.sources
    pipeline = core.open_pipeline(settings)
    try:
        results = core.fetch_sources(pipeline, [s for s in chosen if s.enabled or names])
    finally:
        pipeline.close()
    table = Table("source", "result", "items", "detail")
    for r in results:
        result = "ok" if r.ok else "FAILED"
        detail = r.error or r.warning or ("not modified" if r.not_modified else "")
        table.add_row(r.source, result, str(len(r.items)), detail)
    console.print(table)


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="A feed URL, or a page that links to its feed.")],
    config: ConfigOption = None,
    name: Annotated[
        str | None, typer.Option(help="Source name (default: from the host, e.g. example-com).")
    ] = None,
    kind: Annotated[
        Literal["feed", "page"],
        typer.Option(help="feed: the page's feed (or the URL if it is one); page: poll the page."),
    ] = "feed",
    item_selector: Annotated[
        str | None, typer.Option(help="CSS selector of article links, for --kind page.")
    ] = None,
) -> None:
    """Add a source to the config file (comments kept): the feed a page links to, or the page."""
    path = config or _default_path()
    settings = _config(path)
    added = add_discovered_source(
        path, url, settings.fetch, name=name, kind=kind, item_selector=item_selector
    )
    source = added.source
    if added.found_on:
        console.print(f"found feed {source.url} on {added.found_on}", highlight=False, markup=False)
    counted = "article links" if source.kind == "page" else "items"
    console.print(
        f"added source {source.name} ({source.kind}, {added.items} {counted} now): {source.url} "
        f"to {path}",
        highlight=False,
        markup=False,
    )


# --- explain ---


@app.command("explain")
def explain_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="URL|FILE",
            help="An article URL, or an HTML or plain-text file (first line: the title).",
        ),
    ],
    config: ConfigOption = None,
    source: Annotated[
        str | None,
        typer.Option(help="Score it as coming from this configured source (its weight counts)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object instead of text.")
    ] = False,
) -> None:
    """Run one article through dedup, facts and notability without storing or sending; say why."""
    settings = _config(config)
    result = explaining.explain(settings, target, source=source)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    print_explanation(result)


def print_explanation(result: explaining.Explanation) -> None:
    a, d = result.article, result.decision
    published = a.published.isoformat() if a.published else "no date found"
    _say(f"[bold]explain {escape(result.input)}[/bold] (nothing is stored or sent)")
    _say(f"article    {escape(a.title)}")
    _say(f"url        {escape(a.url)}")
    _say(f"           published {published} · source {escape(a.source)} · {len(a.text)} chars")
    _print_neighbours(result.neighbours)
    _say(f"dedup      {d.status.value} (tier {d.tier.value}): {escape(d.reason)}")
    if result.story is not None:
        s = result.story
        kind = "archive story" if s.is_archive else "story"
        _say(f"story      joins {kind} {s.id} ({s.articles} stored article(s)): {escape(s.title)}")
    elif d.tier != DedupTier.SEEN:
        _say("story      starts a new story")
    _print_facts(result)
    _print_notability(result)
    verdict = "[green]yes[/green]" if result.alert.would_alert else "no"
    _say(f"alert      {verdict} — {escape(result.alert.reason)}")


def _say(line: str) -> None:
    console.print(line, highlight=False)


def _print_neighbours(neighbours: tuple[explaining.Neighbour, ...]) -> None:
    if not neighbours:
        _say("nearest    none: no stored article shares an LSH band or two distinctive facts")
        return
    _say("nearest    stored articles dedup compared (similarity: estimated Jaccard of the texts)")
    for n in neighbours:
        _say(
            f"  article {n.article_id} · story {n.story_id} · similarity {n.similarity:.2f} · "
            f"same-story score {n.story_score:.2f} · {escape(n.url)}"
        )
        _say(f"      [dim]{escape(n.story_detail)}[/dim]")


def _print_facts(result: explaining.Explanation) -> None:
    """Facts grouped under the sentence they came from: one sentence usually carries several."""
    if not result.facts:
        _say("facts      none found")
        return
    by_sentence: dict[str, list[Fact]] = {}
    for fact in result.facts:
        by_sentence.setdefault(fact.sentence, []).append(fact)
    _say(f"facts      {len(result.facts)}, by the sentence they came from:")
    for sentence, facts in by_sentence.items():
        shown = sentence if len(sentence) <= 200 else sentence[:199] + "…"
        _say(f"  [dim]“{escape(shown)}”[/dim]")
        _say("      " + " · ".join(escape(_fact_label(f)) for f in facts))


def _fact_label(fact: Fact) -> str:
    details = [
        f"{k}={int(v) if isinstance(v, float) and v.is_integer() else v}"
        for k, v in fact.to_dict().items()
        if k not in ("kind", "text")
    ]
    return f"{fact.kind}: {fact.text}" + (f" ({', '.join(details)})" if details else "")


def _print_notability(result: explaining.Explanation) -> None:
    notability = result.notability
    if notability is None:
        why = "it is already stored" if result.decision.tier == DedupTier.SEEN else "archive story"
        _say(f"notability not scored: a run scores no story here ({why})")
        return
    table = Table("rule", "points", "reason", title="notability rules")
    for r in notability.reasons:
        table.add_row(r.rule, f"{r.weight:+.2f}", escape(r.detail))
    console.print(table)
    verdict = "notable" if notability.notable else "not notable"
    comparison = "≥" if notability.notable else "<"
    _say(
        f"verdict    score {notability.score:.2f} {comparison} threshold "
        f"{result.threshold:.2f}: {verdict}"
    )


# --- archive / db ---


@archive_app.command("import")
def archive_import(path: Path, config: ConfigOption = None) -> None:
    """Import a folder of plain-text articles as known (archive) stories."""
    settings = _config(config)
    pipeline = core.open_pipeline(settings)
    try:
        results = core.import_archive(pipeline, path)
    finally:
        pipeline.close()
    console.print(f"imported {len(results)} new archive article(s) from {path}")
    for r in results:
        console.print(f"  {r.url} → story {r.story_id} ({r.decision.tier.value})", highlight=False)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply pending database migrations."""
    settings = _config(config)
    with _database(settings):
        pass
    console.print(f"database is up to date ({redact(settings.database_url)})", highlight=False)


# --- demo ---


@app.command()
def demo(
    workdir: Annotated[
        Path | None,
        typer.Option(help="Where the demo database, alerts and previews go (default: a temp dir)."),
    ] = None,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Run the waves without Prefect.")
    ] = False,
) -> None:
    """Watch a bundled sample news world served locally, in two waves (works offline)."""
    import tempfile

    from rdwatch.demo import run_demo

    target = workdir or Path(tempfile.mkdtemp(prefix="rdwatch-demo-"))
    console.print(f"[bold]rdwatch demo[/bold] — sample news world, results in {target}")

    def run_wave(config_path: Path) -> RunSummary:
        with run_display(console, plain_logs=no_prefect):
            if no_prefect:
                return core.run_once(load_config(config_path))
            return _run_flow(config_path)

    def show(name: str, summary: RunSummary) -> None:
        console.rule(f"{name} done")
        print_summary(summary)

    result = run_demo(target, run_wave, show)
    console.rule("demo finished")
    console.print(f"alerts sent: {len(result.alerts)} (also in {target / 'alerts.jsonl'})")
    for preview in result.previews:
        console.print(f"email preview: {preview}", highlight=False)
    console.print(
        f"explore: rdwatch stories list --config {result.config_path}\n"
        "see the runs in the Prefect UI: .venv/bin/prefect server start, "
        "then open http://127.0.0.1:4200/runs",
        highlight=False,
    )


# --- entry point ---


def main() -> None:
    try:
        app()  # usage errors, --help and exit codes are handled by typer itself
    except RdwatchError as exc:
        hint = f" — {exc.hint}" if exc.hint else ""
        sys.stderr.write(f"rdwatch: error: {redact(str(exc))}{hint}\n")
        sys.exit(2)
    except Exception:
        if _state["debug"]:
            raise
        error = sys.exc_info()[1]
        sys.stderr.write(
            f"rdwatch: unexpected error: {type(error).__name__}: {error} "
            "(run with --debug for the traceback)\n"
        )
        sys.exit(1)
