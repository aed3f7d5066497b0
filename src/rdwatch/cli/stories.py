"""`rdwatch stories list|show` and `rdwatch export`: read back what the runs stored, with where
the publishers of a story disagree."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.errors import RdwatchError
from rdwatch.store import articles as article_store

if TYPE_CHECKING:
    from rdwatch.intelligence.claims import Contradiction

stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)


@stories_app.command("list")
def stories_list(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
    contradicted: Annotated[
        bool,
        typer.Option(
            "--contradicted",
            help="Only stories whose publishers disagree (amounts, headcounts, roles, dates).",
        ),
    ] = False,
) -> None:
    """List stories: id, title, first seen, articles, outlets, notable."""
    settings = load_config(config)
    disputes: dict[int, tuple[Contradiction, ...]] = {}
    with open_database(settings, read_only=True) as db, db.session() as session:
        if contradicted:
            from rdwatch.intelligence import views

            stories = views.contradicted_stories(session, limit=limit)
            disputes = views.contradictions_of(session, {s.id: s.facts for s in stories})
        else:
            stories = article_store.list_stories(session, limit=limit)
    table = Table("id", "title", "first seen", "articles", "outlets", "notable", "score")
    for s in stories:
        notable = "archive" if s.is_archive else ("yes" if s.notable else "no")
        table.add_row(
            str(s.id), safe(s.title[:70]), s.first_seen.strftime("%Y-%m-%d %H:%M"),
            str(len(s.articles)), safe(", ".join(s.outlets)), notable, f"{s.score:.2f}",
        )  # fmt: skip
    console.print(table)
    for story_id, found in disputes.items():
        for contradiction in found:
            line = f"story {story_id} reports differ: {contradiction}"
            console.print(safe(line), highlight=False)


@stories_app.command("show")
def stories_show(story_id: int, config: ConfigOption = None) -> None:
    """Show one story: its articles with dedup reasons, its facts and why it is notable."""
    from rdwatch.intelligence import views

    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        story = article_store.get_story(session, story_id)
        if story is None:
            raise RdwatchError(f"no story with id {story_id} (see `rdwatch stories list`)")
        disputes = views.contradictions_of(session, {story.id: story.facts})[story.id]
        moves = views.role_changes(session, story.id)
    kind = "archive story" if story.is_archive else ("notable" if story.notable else "not notable")
    console.print(f"Story {story.id}: {safe(story.title)}", style="bold", highlight=False)
    console.print(
        f"first seen {story.first_seen:%Y-%m-%d %H:%M} UTC · {kind} · score {story.score:.2f}"
    )
    for reason in story.reasons:
        console.print(f"  why: {safe(reason)}", highlight=False)
    articles = Table("article", "source", "status", "published", "url", "dedup reason")
    for a in story.articles:
        published = a.published.isoformat() if a.published else ""
        articles.add_row(
            str(a.article_id),
            safe(a.source),
            a.status.value,
            published,
            safe(a.url),
            safe(a.reason),
        )
    console.print(articles)
    facts = Table("kind", "fact", "details", "sentence")
    for f in story.facts:
        details = ", ".join(f"{k}={v}" for k, v in f.to_dict().items() if k not in ("kind", "text"))
        facts.add_row(f.kind, safe(f.text), safe(details), safe(f.sentence[:160]))
    console.print(facts)
    for contradiction in disputes:
        console.print(f"  reports differ: {safe(str(contradiction))}", highlight=False)
    for move in moves:
        console.print(f"  change of role: {safe(move)}", highlight=False)


def export(
    config: ConfigOption = None,
    format: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
) -> None:
    """Print one JSON object per stored article (status, story, facts, notability)."""
    if format != "jsonl":
        raise RdwatchError(f"--format {format!r} is not supported (use jsonl)")
    from rdwatch.intelligence import views

    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        for record in views.export_records(session):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
