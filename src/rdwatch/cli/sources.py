"""`rdwatch sources list|check|add`: source health, a probe now, and adding a source to the
config file."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from rdwatch import pipeline as core
from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import Config, SourceConfig, default_config_path, load_config
from rdwatch.console import safe
from rdwatch.fetch.aggregators import is_google_news_feed
from rdwatch.fetch.schedule import cadences_of
from rdwatch.keep import describe_keep
from rdwatch.source_health import silent_sources
from rdwatch.sources_file import add_discovered_source
from rdwatch.store import sources as source_store
from rdwatch.untrusted import redact

sources_app = typer.Typer(help="Source health and checks.", no_args_is_help=True)


@sources_app.command("list")
def sources_list(config: ConfigOption = None) -> None:
    """Show every source's health: last success, failures, last error, interval, next poll."""
    settings = load_config(config)
    with open_database(settings, read_only=True) as db:
        if not db.read_only:  # else: the sources as the last run that could write left them
            with db.session() as session:
                source_store.sync_sources(session, settings.sources)
        with db.session() as session:
            health = source_store.list_source_health(session)
        alarms = silent_sources(db, settings, core.utc_now())
    from rdwatch.report import source_health_rows

    every = {
        name: c.every for name, c in cadences_of(settings.sources, settings.fetch.every).items()
    }
    rows = source_health_rows(health, every=every)
    table = Table(*(rows[0].keys() if rows else ("source",)))
    for row in rows:
        table.add_row(*(safe(redact(str(v))) for v in row.values()))
    console.print(table)
    for alarm in alarms:
        console.print(f"[yellow]silent source[/yellow] {safe(alarm)}", highlight=False)


@sources_app.command("check")
def sources_check(
    names: Annotated[
        list[str] | None, typer.Argument(help="Source names to probe (default: all enabled).")
    ] = None,
    config: ConfigOption = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Fetch nothing: show each source's kind, keep filter and how its items are read.",
        ),
    ] = False,
) -> None:
    """Probe sources once now (all enabled ones, or those named) and report what each returned."""
    settings = load_config(config)
    chosen = [settings.source(n) for n in names] if names else settings.sources
    if offline:
        _describe_sources(settings, chosen)
        return
    pipeline = core.open_pipeline(settings)
    try:
        results = core.fetch_sources(pipeline, [s for s in chosen if s.enabled or names])
    finally:
        pipeline.close()
    table = Table("source", "result", "items", "detail")
    for r in results:
        result = "ok" if r.ok else "FAILED"
        detail = r.error or r.warning or ("not modified" if r.not_modified else "")
        table.add_row(safe(r.source), result, str(len(r.items)), safe(redact(detail)))
    console.print(table)


def _describe_sources(settings: Config, chosen: list[SourceConfig]) -> None:
    table = Table("source", "kind", "filter", "items", "url")
    table.columns[-1].overflow = "fold"
    for source in chosen:
        kind = source.kind if source.enabled else f"{source.kind} (off)"
        table.add_row(
            source.name, kind, describe_keep(source), _reading(settings, source), source.url
        )
    console.print(table)
    console.print(
        "items: headline = aggregator headline, publisher and date (its link is not fetched); "
        "page = each item's page is fetched and read; entry = the feed entry alone.",
        highlight=False,
    )


def _reading(settings: Config, source: SourceConfig) -> str:
    if is_google_news_feed(source.url):
        return "decoded, else headline" if source.resolve == "google-news" else "headline"
    reading = "page" if settings.follows_links(source) else "entry"
    return f"{reading} (links: {source.item_selector})" if source.kind == "page" else reading


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
    path = config or default_config_path()
    settings = load_config(path)
    added = add_discovered_source(
        path, url, settings.fetch, name=name, kind=kind, item_selector=item_selector
    )
    source = added.source
    if added.found_on:
        console.print(f"found feed {safe(source.url)} on {safe(added.found_on)}", highlight=False)
    counted = "article links" if source.kind == "page" else "items"
    console.print(
        f"added source {safe(source.name)} ({source.kind}, {added.items} {counted} now): "
        f"{safe(source.url)} to {safe(path)}",
        highlight=False,
    )
