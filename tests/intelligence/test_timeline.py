"""People and organisations over time: appointments, departures and changes of role with their
date and source, `rdwatch people` and `rdwatch orgs`, and a change of role as notable news."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rdwatch import pipeline as core
from rdwatch.cli import app
from rdwatch.config import load_config
from rdwatch.intelligence.timeline import (
    APPOINTED,
    DEPARTED,
    ESTABLISHED,
    HEADCOUNT,
    HOLDS,
    NAMED,
    RoleEntry,
    RoleReport,
    org_reports,
    resolve_role,
    role_reports,
)
from rdwatch.models import Fact
from tests.conftest import write_config
from tests.intelligence.stories import LIN_APPOINTED, LIN_MOVES_ON, LIN_REPLACED
from tests.notify.conftest import Clock

runner = CliRunner()


def _person(name: str, sentence: str, role: str | None = "Director") -> Fact:
    return Fact("person", name, f"person:{name.lower()}", sentence, role=role, org="DAMO Academy")


@pytest.mark.parametrize(
    ("sentence", "role", "event"),
    [
        ("DAMO Academy named Chen Hao director of its lab, replacing Lin Meiqi.", "Director",
         APPOINTED),
        ("Chen Hao, director of the lab, said the lab would hire 300 researchers next year.",
         "Director", HOLDS),  # the hiring is the lab's, far from the name
        ("Chen Hao, the lab's former director, has joined a university.", "Lab's Former Director",
         DEPARTED),
        ("Chen Hao, who led the lab for two years, stepped down in May.", None, DEPARTED),
        ("Chen Hao said the weather was fine.", None, None),  # no role, no event: not a report
    ],
)  # fmt: skip
def test_the_event_is_the_verb_nearest_the_name_or_the_roles_tense(
    sentence: str, role: str | None, event: str | None
) -> None:
    reports = role_reports((_person("Chen Hao", sentence, role),))
    assert [r.event for r in reports] == ([event] if event else [])


def test_another_sentence_of_the_article_may_say_what_happened() -> None:
    fact = _person("Chen Hao", "Chen Hao, director of the lab, ran its photonics group.")
    text = "DAMO Academy names Chen Hao director of quantum lab\nIt named Chen Hao on Monday."
    assert [r.event for r in role_reports((fact,), text)] == [APPOINTED]


def _entry(role: str, story_id: int, org: str | None = "DAMO Academy") -> RoleEntry:
    return RoleEntry("person:lin meiqi", "Lin Meiqi", role, org, HOLDS, date(2026, 3, 2), None,
                     "", "Harbour Wire", story_id, 1)  # fmt: skip


def _resolve(report: RoleReport, last: RoleEntry | None, story_id: int = 9) -> RoleEntry:
    return resolve_role(report, last, story_id=story_id, article_id=2, publisher="Asia Ledger",
                        reported_on=date(2026, 9, 7))  # fmt: skip


def test_a_departure_leaves_the_last_known_role_and_a_new_role_is_a_change() -> None:
    left = RoleReport("person:lin meiqi", "Lin Meiqi", "", None, DEPARTED, "Lin Meiqi left.")
    resolved = _resolve(left, _entry("Director", 1))
    assert (resolved.role, resolved.org, resolved.previous_role) == (
        "Director",
        "DAMO Academy",
        None,
    )
    moved = RoleReport(
        "person:lin meiqi", "Lin Meiqi", "Chief Scientist", "Alibaba Cloud", HOLDS, ""
    )
    assert _resolve(moved, _entry("Director", 1)).previous_role == "Director"
    assert _resolve(moved, _entry("Director", 9)).previous_role is None  # the same story: a dispute
    assert _resolve(moved, _entry("chief scientist", 1)).previous_role is None
    assert _resolve(moved, None).previous_role is None  # nobody known


def test_organisations_established_and_their_headcounts() -> None:
    facts = (
        Fact("org", "Alibaba Group", "org:alibaba-group", "Alibaba set up Hupan Lab in 2026."),
        Fact("org", "Hupan Lab", "org:hupan-lab", "Alibaba set up Hupan Lab in 2026."),
        Fact("count", "300 researchers", "count:researchers:300",
             "The lab will employ 300 researchers.", value=300, unit="researchers"),
    )  # fmt: skip
    reports = org_reports(facts, title="Alibaba's Hupan Lab opens")
    assert [(r.name, r.event, r.detail) for r in reports] == [
        ("Alibaba Group", NAMED, ""),
        ("Hupan Lab", ESTABLISHED, ""),
        ("Hupan Lab", HEADCOUNT, "researchers:300"),  # the headline's last organisation
    ]


@pytest.fixture
def lin_config(tmp_path: Path, database_url: str) -> Path:
    """A store where Lin Meiqi is appointed, replaced six months later, then moves on (SQLite
    and PostgreSQL)."""
    config = write_config(tmp_path, database_url=database_url)
    clock = Clock()
    pipeline = core.open_pipeline(load_config(config), clock=clock)
    try:
        for article in (LIN_APPOINTED, LIN_REPLACED, LIN_MOVES_ON):
            pipeline.ingest_article(article)
            clock.advance(days=1)
    finally:
        pipeline.close()
    return config


def test_a_person_appointed_then_replaced_has_a_timeline(lin_config: Path) -> None:
    result = runner.invoke(app, ["people", "Lin", "--json", "--config", str(lin_config)])
    assert result.exit_code == 0, result.output
    tenures = json.loads(result.output)
    assert [(t["role"], t["org"], t["from"], t["until"], t["left"]) for t in tenures] == [
        ("director", "DAMO Academy", "2026-03-02", "2026-09-07", True),
        ("chief scientist", "Alibaba Cloud", "2026-10-15", None, False),
    ]
    reports = tenures[0]["reports"]
    assert [(r["event"], r["publisher"]) for r in reports] == [
        ("appointed", "Harbour Wire"), ("departed", "Asia Ledger"),
    ]  # fmt: skip
    assert tenures[1]["reports"][0]["previous_role"] == "Former Director"

    everyone = json.loads(runner.invoke(app, ["people", "--json", "-c", str(lin_config)]).output)
    chen = [t for t in everyone if t["name"] == "Chen Hao"]
    assert [(t["role"], t["from"], t["left"]) for t in chen] == [("director", "2026-09-07", False)]


def test_people_in_words_and_an_unknown_name(lin_config: Path) -> None:
    result = runner.invoke(app, ["people", "lin meiqi", "--config", str(lin_config)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "2026-03-02 Lin Meiqi appointed director of DAMO Academy — Harbour Wire" in text, text
    assert "2026-09-07 Lin Meiqi left as director of DAMO Academy — Asia Ledger" in text, text
    assert "Lin Meiqi appointed chief scientist of Alibaba Cloud (was director)" in text, text
    unknown = runner.invoke(app, ["people", "Nobody Here", "--config", str(lin_config)])
    assert unknown.exit_code != 0 and "nothing reported matches 'Nobody Here'" in str(
        unknown.exception
    )


def test_orgs_show_headcounts_and_people_over_time(lin_config: Path) -> None:
    result = runner.invoke(app, ["orgs", "DAMO", "--json", "--config", str(lin_config)])
    assert result.exit_code == 0, result.output
    [damo] = json.loads(result.output)
    headcounts = [
        (e["date"], e["value"], e["unit"]) for e in damo["events"] if e["event"] == HEADCOUNT
    ]
    assert headcounts == [("2026-03-02", 120.0, "researchers")]
    assert {(p["name"], p["role"], p["left"]) for p in damo["people"]} >= {
        ("Lin Meiqi", "director", True), ("Chen Hao", "director", False),
    }  # fmt: skip
    listed = _org_names(["orgs", "--json", "--config", str(lin_config)])
    assert {"DAMO Academy", "Alibaba Cloud"} <= listed
    assert "Taobao" not in listed  # named in the archive, nothing more
    assert "Taobao" in _org_names(["orgs", "--all", "--json", "--config", str(lin_config)])


def _org_names(args: list[str]) -> set[str]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return {org["name"] for org in json.loads(result.output)}


def test_a_known_person_in_a_new_role_is_notable_news(tmp_path: Path) -> None:
    clock = Clock()
    pipeline = core.open_pipeline(load_config(write_config(tmp_path)), clock=clock)
    try:
        pipeline.ingest_article(LIN_APPOINTED)
        moved = pipeline.ingest_article(LIN_MOVES_ON)
    finally:
        pipeline.close()
    assert moved.notability is not None
    reasons = {r.rule: r for r in moved.notability.reasons}
    assert reasons["role_change"].detail == "Lin Meiqi: director → chief scientist"
    assert reasons["role_change"].weight == 0.2
