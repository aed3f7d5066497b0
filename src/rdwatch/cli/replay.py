"""`rdwatch replay --config CANDIDATE.yaml`: which alerts a candidate config would add or remove
on the stored articles, with reasons; nothing is stored or sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rdwatch.cli.shared import console
from rdwatch.config import default_config_path, load_config
from rdwatch.console import safe
from rdwatch.errors import RdwatchError

if TYPE_CHECKING:  # imported when the command runs: it loads the whole pipeline
    from rdwatch import replay as replaying


def replay_command(
    config: Annotated[
        Path,
        typer.Option("--config", "-c", help="The candidate config to try.", show_default=False),
    ],
    current: Annotated[
        Path | None,
        typer.Option(
            help="The config in use, whose database holds the stored articles "
            "(default: $RDWATCH_CONFIG, else config/rdwatch.yaml).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Compare only alerts on articles stored since this day (YYYY-MM-DD); earlier "
            "ones are replayed as context.",
        ),
    ] = None,
) -> None:
    """Backtest a candidate config: replay the stored articles through dedup and notability under
    it and under the current config (in a transaction rolled back, sent nowhere) and list the
    alerts it would add or remove, with reasons."""
    from rdwatch import replay as replaying

    candidate = load_config(config)
    in_use = load_config(current or default_config_path())
    report = replaying.replay(in_use, candidate, since=_day(since))
    print_report(report, candidate=str(config), current=str(current or default_config_path()))


def _day(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise RdwatchError(f"--since {value!r} is not a date (YYYY-MM-DD)") from None


def print_report(report: replaying.ReplayReport, *, candidate: str, current: str) -> None:
    from rdwatch import replay as replaying

    since = f", {report.replayed} since {report.since:%Y-%m-%d}" if report.since else ""
    _say(f"[bold]replay[/bold] {report.articles} stored article(s){since}: "
         f"{safe(candidate)} against {safe(current)} (nothing is stored or sent)")  # fmt: skip
    _say(
        f"alerts   {report.current_alerts} under the current config, {report.candidate_alerts} "
        f"under the candidate: {len(report.added)} added, {len(report.removed)} removed"
    )
    for difference in report.differences:
        q = difference.queued
        sign, colour = ("+", "green") if difference.added else ("-", "red")
        what = "alert" if q.kind == "alert" else f"update {q.number}"
        _say(f"[{colour}]{sign} {what} on {safe(q.channel)}[/{colour}]: {safe(q.title)}")
        _say(f"    {safe(q.story_url)}")
        for line in replaying.describe(difference):
            _say(f"    {safe(line)}")


def _say(line: str) -> None:
    console.print(line, highlight=False)
