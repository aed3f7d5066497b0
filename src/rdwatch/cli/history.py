"""`rdwatch people [NAME]` and `rdwatch orgs [NAME]`: who held which role when, and what was
reported of each organisation over time."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.errors import RdwatchError
from rdwatch.intelligence.roles import plain_role
from rdwatch.intelligence.timeline import DEPARTED, ESTABLISHED, HEADCOUNT, OrgEntry, RoleEntry

if TYPE_CHECKING:
    from rdwatch.intelligence import views

NameArgument = Annotated[
    str | None,
    typer.Argument(
        help="Only names containing this (any case); all when left out.", show_default=False
    ),
]


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document instead of text.")]


def people(
    name: NameArgument = None, config: ConfigOption = None, as_json: JsonOption = False
) -> None:
    """Who held which role when: appointments, departures and changes of role, with sources."""
    from rdwatch.intelligence import views

    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        tenures = views.people(session, name)
    if as_json:
        _dump([_tenure_dict(t) for t in tenures])
        return
    if not tenures:
        _nothing("people", name)
        return
    table = Table("person", "role", "organisation", "from", "until", "reports", "last source")
    for t in tenures:
        until = _day(t.until) if t.left else "(in post)"
        last = t.events[-1]
        table.add_row(
            safe(t.name), safe(t.role), safe(t.org or ""), _day(t.since), until,
            str(len(t.events)), safe(f"{last.publisher}, story {last.story_id}"),
        )  # fmt: skip
    console.print(table)
    if name:
        _print_reports([e for t in tenures for e in t.events])


def _print_reports(entries: list[RoleEntry]) -> None:
    ordered = sorted(entries, key=lambda e: (_day(e.reported_on), e.article_id))
    for entry in ordered:
        change = f" (was {plain_role(entry.previous_role)})" if entry.previous_role else ""
        role = plain_role(entry.role) or "role not stated"
        where = f" of {entry.org}" if entry.org else ""
        line = (
            f"{_day(entry.reported_on)}  {entry.name} {_verb(entry.event)} {role}{where}{change}"
            f" — {entry.publisher}, story {entry.story_id}"
        )
        console.print(safe(line), highlight=False)
        if entry.sentence:
            console.print(f"            “{safe(entry.sentence[:200])}”", highlight=False)


def _verb(event: str) -> str:
    return {"appointed": "appointed", DEPARTED: "left as"}.get(event, "reported as")


def orgs(
    name: NameArgument = None,
    config: ConfigOption = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every organisation named in a story, not only the eventful."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Organisations over time: units and labs established, headcounts, people in roles there."""
    from rdwatch.intelligence import views

    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        histories = views.orgs(session, name, every=every)
    if as_json:
        _dump([_org_dict(h) for h in histories])
        return
    if not histories:
        _nothing("orgs", name)
        return
    table = Table("organisation", "stories", "first reported", "last reported", "established",
                  "latest headcounts")  # fmt: skip
    for h in histories:
        established = [e for e in h.events if e.report.event == ESTABLISHED]
        dates = [e.reported_on for e in h.events if e.reported_on is not None]
        table.add_row(
            safe(h.name), str(h.stories), _day(min(dates, default=None)),
            _day(max(dates, default=None)),
            _day(established[0].reported_on) if established else "",
            safe(_latest_headcounts(h)),
        )  # fmt: skip
    console.print(table)
    if name:
        for history in histories:
            _print_org(history)


def _latest_headcounts(history: views.OrgHistory) -> str:
    latest: dict[str, str] = {}
    for entry in history.headcounts:
        latest[entry.report.unit or ""] = f"{entry.report.value:,.0f} {entry.report.unit}"
    return ", ".join(latest.values())


def _print_org(history: views.OrgHistory) -> None:
    console.print(f"\n[bold]{safe(history.name)}[/bold]")
    for entry in history.events:
        report = entry.report
        if report.event == HEADCOUNT:
            what = f"headcount {report.value:,.0f} {report.unit}"
        elif report.event == ESTABLISHED:
            what = "established"
        else:
            continue  # named in a story: counted in the table
        line = f"{_day(entry.reported_on)}  {what} — {entry.publisher}, story {entry.story_id}"
        console.print(safe(line), highlight=False)
    for tenure in history.people:
        until = f" until {_day(tenure.until)}" if tenure.left else " (in post)"
        line = f"  {tenure.name}, {tenure.role}: from {_day(tenure.since)}{until}"
        console.print(safe(line), highlight=False)


def _day(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def _nothing(command: str, name: str | None) -> None:
    """A name nobody reported is a user's error; an empty timeline is not."""
    if name:
        raise RdwatchError(f"nothing reported matches {name!r} (see `rdwatch {command}`)")
    console.print("nothing reported yet: the timeline fills as articles are stored")


def _dump(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _tenure_dict(tenure: views.Tenure) -> dict[str, Any]:
    return {
        "name": tenure.name,
        "role": tenure.role,
        "org": tenure.org,
        "from": _day(tenure.since) or None,
        "until": _day(tenure.until) or None,
        "left": tenure.left,
        "reports": [_role_dict(e) for e in tenure.events],
    }


def _role_dict(entry: RoleEntry) -> dict[str, Any]:
    return {
        "date": _day(entry.reported_on) or None,
        "event": entry.event,
        "role": entry.role,
        "org": entry.org,
        "previous_role": entry.previous_role,
        "publisher": entry.publisher,
        "story_id": entry.story_id,
        "sentence": entry.sentence,
    }


def _org_dict(history: views.OrgHistory) -> dict[str, Any]:
    return {
        "name": history.name,
        "key": history.key,
        "stories": history.stories,
        "events": [_event_dict(e) for e in history.events],
        "people": [_tenure_dict(t) for t in history.people],
    }


def _event_dict(entry: OrgEntry) -> dict[str, Any]:
    report = entry.report
    return {
        "date": _day(entry.reported_on) or None,
        "event": report.event,
        "value": report.value,
        "unit": report.unit,
        "publisher": entry.publisher,
        "story_id": entry.story_id,
        "sentence": report.sentence,
    }
