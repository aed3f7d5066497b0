"""The people and organisations timelines (`rdwatch.intelligence.timeline` decides what an article
says of them; this module stores and reads the rows)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rdwatch.intelligence.timeline import OrgEntry, OrgReport, RoleEntry
from rdwatch.store.schema import OrgEventRow, PersonRoleRow
from rdwatch.store.sql import execute, insert_ignoring, run

_ROLE_COLUMNS = (
    PersonRoleRow.person_key,
    PersonRoleRow.name,
    PersonRoleRow.role,
    PersonRoleRow.org,
    PersonRoleRow.event,
    PersonRoleRow.reported_on,
    PersonRoleRow.previous_role,
    PersonRoleRow.sentence,
    PersonRoleRow.publisher,
    PersonRoleRow.story_id,
    PersonRoleRow.article_id,
)
# Ingest asks these once per article: Core statements compiled once, no ORM rows.
# Newest first; a report with no date sorts after dated ones.
_LAST_ROLE = (
    select(*_ROLE_COLUMNS)
    .where(
        PersonRoleRow.person_key == bindparam("key"),
        PersonRoleRow.role != "",
        or_(PersonRoleRow.reported_on.is_(None), PersonRoleRow.reported_on <= bindparam("on")),
    )
    .order_by(PersonRoleRow.reported_on.desc().nulls_last(), PersonRoleRow.id.desc())
    .limit(1)
)
_ROLE_CHANGES = (
    select(*_ROLE_COLUMNS)
    .where(PersonRoleRow.story_id == bindparam("story"), PersonRoleRow.previous_role.is_not(None))
    .order_by(PersonRoleRow.id)
    .limit(bindparam("limit"))
)


def last_roles(
    session: Session, person_keys: Collection[str], on: date | None
) -> dict[str, RoleEntry]:
    """Each person's latest report with a role, dated `on` or before (any, when undated)."""
    found: dict[str, RoleEntry] = {}
    for key in set(person_keys):
        rows = run(session, _LAST_ROLE, {"key": key, "on": on or date.max})
        if rows:
            found[key] = RoleEntry(**rows[0]._asdict())
    return found


def add_roles(session: Session, entries: Sequence[RoleEntry]) -> None:
    if not entries:
        return
    rows = [
        {"person_key": e.person_key, "name": e.name, "role": e.role, "org": e.org,
         "event": e.event, "reported_on": e.reported_on, "previous_role": e.previous_role,
         "sentence": e.sentence, "publisher": e.publisher, "story_id": e.story_id,
         "article_id": e.article_id}
        for e in entries
    ]  # fmt: skip
    execute(session, insert_ignoring(session, PersonRoleRow), rows)


def add_org_events(session: Session, entries: Sequence[OrgEntry]) -> None:
    if not entries:
        return
    rows = [
        {"org_key": e.report.org_key, "name": e.report.name, "event": e.report.event,
         "detail": e.report.detail, "value": e.report.value, "unit": e.report.unit,
         "reported_on": e.reported_on, "sentence": e.report.sentence, "publisher": e.publisher,
         "story_id": e.story_id, "article_id": e.article_id}
        for e in entries
    ]  # fmt: skip
    execute(session, insert_ignoring(session, OrgEventRow), rows)


def story_role_changes(session: Session, story_id: int, limit: int = 3) -> list[RoleEntry]:
    """The changes of role the story reports (people known in another role before)."""
    rows = run(session, _ROLE_CHANGES, {"story": story_id, "limit": limit})
    return [RoleEntry(**row._asdict()) for row in rows]


def person_timeline(session: Session, name: str | None = None) -> list[RoleEntry]:
    """Every role report, oldest first; `name`: of the people whose name contains it."""
    query = select(PersonRoleRow)
    if name:
        query = query.where(_matches(PersonRoleRow.name, PersonRoleRow.person_key, name))
    order = (PersonRoleRow.reported_on.asc().nulls_first(), PersonRoleRow.id)
    return [_role_entry(row) for row in session.scalars(query.order_by(*order))]


def people_at(session: Session, org: str) -> list[RoleEntry]:
    """Role reports naming an organisation whose name contains `org`, oldest first."""
    query = select(PersonRoleRow).where(func.lower(PersonRoleRow.org).contains(org.lower()))
    order = (PersonRoleRow.reported_on.asc().nulls_first(), PersonRoleRow.id)
    return [_role_entry(row) for row in session.scalars(query.order_by(*order))]


def org_timeline(
    session: Session, name: str | None = None, *, events: Collection[str] | None = None
) -> list[OrgEntry]:
    """Organisation events, oldest first; `name`: of the organisations whose name contains it."""
    query = select(OrgEventRow)
    if name:
        query = query.where(_matches(OrgEventRow.name, OrgEventRow.org_key, name))
    if events:
        query = query.where(OrgEventRow.event.in_(list(events)))
    order = (OrgEventRow.reported_on.asc().nulls_first(), OrgEventRow.id)
    return [_org_entry(row) for row in session.scalars(query.order_by(*order))]


def _matches(
    name: InstrumentedAttribute[str], key: InstrumentedAttribute[str], wanted: str
) -> ColumnElement[bool]:
    lowered = wanted.lower()
    return or_(func.lower(name).contains(lowered), func.lower(key).contains(lowered))


def _role_entry(row: PersonRoleRow) -> RoleEntry:
    return RoleEntry(
        person_key=row.person_key,
        name=row.name,
        role=row.role,
        org=row.org,
        event=row.event,
        reported_on=row.reported_on,
        previous_role=row.previous_role,
        sentence=row.sentence,
        publisher=row.publisher,
        story_id=row.story_id,
        article_id=row.article_id,
    )


def _org_entry(row: OrgEventRow) -> OrgEntry:
    report = OrgReport(
        row.org_key, row.name, row.event, row.detail, row.value, row.unit, row.sentence
    )
    return OrgEntry(report, row.reported_on, row.publisher, row.story_id, row.article_id)
