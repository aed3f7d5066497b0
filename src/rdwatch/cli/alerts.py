"""`rdwatch alerts list|test|resend|route`: inspect the outbox, test every channel, send one
again, show which channels a story reaches."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from rdwatch import pipeline as core
from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.errors import NotifyError
from rdwatch.store import outbox as outbox_store
from rdwatch.untrusted import redact

alerts_app = typer.Typer(help="Inspect, test and resend alerts.", no_args_is_help=True)


@alerts_app.command("list")
def alerts_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of alerts.")] = False,
    status: Annotated[str | None, typer.Option(help="Only alerts with this status.")] = None,
) -> None:
    """List alerts with story id, channel, status and attempts."""
    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        entries = outbox_store.list_entries(session, status=status)
    if as_json:
        records = [_alert_record(e) for e in entries]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("id", "story", "channel", "kind", "status", "attempts", "sent", "last error")
    for e in entries:
        table.add_row(
            str(e.id), str(e.story_id), safe(e.channel),
            e.kind if e.kind == "alert" else f"{e.kind} {e.sequence}", e.status, str(e.attempts),
            e.sent_at.strftime("%Y-%m-%d %H:%M") if e.sent_at else "",
            safe(redact(e.last_error or "")),
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
        "sequence": entry.sequence,  # 0: the alert; 1, 2, …: the updates after it
        # a pending row's release time: a retry, an update's rate limit or quiet hours
        "next_attempt_at": entry.next_attempt_at.isoformat() if entry.next_attempt_at else None,
        "folded_at": entry.folded_at.isoformat() if entry.folded_at else None,
    }


@alerts_app.command("test")
def alerts_test(config: ConfigOption = None) -> None:
    """Send a test message to every channel; exit 1 if any channel failed."""
    from rdwatch.notify import build_senders, send_test_messages

    settings = load_config(config)
    senders = build_senders(settings.alerts, settings.data_dir)
    checks = send_test_messages(senders, core.utc_now())
    table = Table("channel", "result", "error")
    for check in checks:
        table.add_row(
            safe(check.channel), "ok" if check.ok else "FAILED", safe(redact(check.error))
        )
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@alerts_app.command("resend")
def alerts_resend(alert_id: int, config: ConfigOption = None) -> None:
    """Send one alert (by id from `alerts list`) again now, whatever its status."""
    from rdwatch.notify import build_senders, resend

    settings = load_config(config)
    senders = build_senders(settings.alerts, settings.data_dir)
    with open_database(settings) as db:
        report = resend(
            db,
            senders,
            alert_id,
            now=core.utc_now,
            max_attempts=settings.alerts.max_attempts,
            settings=settings.notability,
        )
    for story_id, channel in report.sent:
        console.print(
            f"alert {alert_id} (story {story_id}) sent on {safe(channel)}", highlight=False
        )
    for story_id, channel, error in report.failed:
        console.print(
            f"[red]alert {alert_id} (story {story_id}) failed on[/red] {safe(channel)}: "
            f"{safe(redact(error))}",
            highlight=False,
        )
    if report.skipped:
        console.print(f"alert {alert_id} is being sent by another run; not sent again")
    if not report.sent:
        raise typer.Exit(1)


@alerts_app.command("route")
def alerts_route(story_id: int, config: ConfigOption = None) -> None:
    """Show which channels a story's alert reaches and why, and why not the others."""
    from rdwatch.notify import build_senders
    from rdwatch.notify.route_view import route_stored_story

    settings = load_config(config)
    senders = build_senders(settings.alerts, settings.data_dir)
    with open_database(settings, read_only=True) as db, db.session() as session:
        try:
            route = route_stored_story(session, story_id, senders, settings.alerts)
        except NotifyError as exc:
            raise typer.BadParameter(str(exc), param_hint="STORY_ID") from None
    console.print(
        f"story {route.story_id}: {safe(route.title)} (score {route.score:.2f}, {route.tier})",
        highlight=False,
    )
    table = Table("channel", "reaches", "why")
    for decision in route.decisions:
        table.add_row(safe(decision.channel), "yes" if decision.reaches else "no",
                      safe(decision.reason))  # fmt: skip
    console.print(table)
