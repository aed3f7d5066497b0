"""`rdwatch stories list|show` and `rdwatch export`: read back what the runs stored."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.errors import RdwatchError
from rdwatch.store import articles as article_store

stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)


@stories_app.command("list")
def stories_list(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
) -> None:
    """List stories: id, title, first seen, articles, outlets, notable."""
    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        stories = article_store.list_stories(session, limit=limit)
    table = Table("id", "title", "first seen", "articles", "outlets", "notable", "score")
    for s in stories:
        notable = "archive" if s.is_archive else ("yes" if s.notable else "no")
        table.add_row(
            str(s.id), safe(s.title[:70]), s.first_seen.strftime("%Y-%m-%d %H:%M"),
            str(len(s.articles)), safe(", ".join(s.outlets)), notable, f"{s.score:.2f}",
        )  # fmt: skip
    console.print(table)


@stories_app.command("show")
def stories_show(story_id: int, config: ConfigOption = None) -> None:
    """Show one story: its articles with dedup reasons, its facts and why it is notable."""
    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        story = article_store.get_story(session, story_id)
    if story is None:
        raise RdwatchError(f"no story with id {story_id} (see `rdwatch stories list`)")
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


def export(
    config: ConfigOption = None,
    format: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
) -> None:
    """Print one JSON object per stored article (status, story, facts, notability)."""
    if format != "jsonl":
        raise RdwatchError(f"--format {format!r} is not supported (use jsonl)")
    settings = load_config(config)
    with open_database(settings, read_only=True) as db, db.session() as session:
        for record in article_store.export_records(session):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
