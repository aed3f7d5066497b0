"""`rdwatch run`, `serve` and `demo`: watch the press now, on a schedule, or in a sample world."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rdwatch import pipeline as core
from rdwatch.cli.shared import ConfigOption, console
from rdwatch.collector import freeze_long_lived
from rdwatch.config import default_config_path, load_config
from rdwatch.console import printable, run_display
from rdwatch.models import RunSummary


def run(
    config: ConfigOption = None,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Run the pipeline directly, without Prefect.")
    ] = False,
    due_only: Annotated[
        bool,
        typer.Option(
            "--due-only",
            help="Poll only the sources due by their schedule, as the scheduled watch does "
            "(default: every enabled source).",
        ),
    ] = False,
) -> None:
    """Run one watch now (as the `watch` flow) and print a summary."""
    settings = load_config(config)
    freeze_long_lived()
    with run_display(console, plain_logs=no_prefect):
        summary = (
            core.run_once(settings, due_only=due_only)
            if no_prefect
            else _run_flow(config or default_config_path(), due_only=due_only)
        )
    print_summary(summary)


def _run_flow(config_path: Path, *, due_only: bool = False) -> RunSummary:
    apply_prefect_defaults()
    from flows.api_server import tie_temporary_server
    from flows.watch import watch

    tie_temporary_server()  # a killed run must not leave Prefect's temporary server behind
    return asyncio.run(watch(config_path=str(config_path), due_only=due_only))


def apply_prefect_defaults() -> None:
    """Settings rdwatch wants from Prefect unless the user set them: quiet offline, our logs."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "rdwatch")
    # rdwatch lines logged outside a flow run (opening the database, say) go to the console,
    # without a warning per line that the API handler could not take them.
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def serve(config: ConfigOption = None) -> None:
    """Serve the scheduled deployments (watch, digest, backfill) from this process."""
    load_config(config)
    apply_prefect_defaults()
    from deployments.serve import serve_all
    from flows.api_server import tie_temporary_server

    tie_temporary_server()

    serve_all(str(config or default_config_path()))


def print_summary(summary: RunSummary) -> None:
    summary = printable(summary)  # names, URLs and reasons come from sources: escaped, redacted
    table = Table(title="rdwatch run summary", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("sources ok", str(len(summary.sources_ok)))
    table.add_row("sources failed", str(len(summary.sources_failed)))
    table.add_row("items in feeds", str(summary.items_seen))
    table.add_row("already known (seen)", str(summary.items_skipped_seen))
    table.add_row("left out by keep rules", str(summary.items_filtered))
    table.add_row("left for the next run (per-source cap)", str(summary.items_deferred))
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
        what = f"story {story_id}" if story_id is not None else "source alarm"
        console.print(f"[red]alert failed[/red] {what} on {channel}: {error}")
    for alarm in summary.silent_sources:
        console.print(f"[yellow]silent source[/yellow] {alarm}", highlight=False)
    for url, reason in summary.extract_failures:
        console.print(f"[yellow]not extracted[/yellow] {url}: {reason}", highlight=False)


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
