"""`rdwatch archive import` and `rdwatch db upgrade`: prepare the database a watch runs on."""

from __future__ import annotations

from pathlib import Path

import typer

from rdwatch import pipeline as core
from rdwatch.cli.shared import ConfigOption, console, open_database
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.untrusted import redact

archive_app = typer.Typer(
    help="Manage the archive of already-known articles.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@archive_app.command("import")
def archive_import(path: Path, config: ConfigOption = None) -> None:
    """Import a folder of plain-text articles as known (archive) stories."""
    settings = load_config(config)
    pipeline = core.open_pipeline(settings)
    try:
        results = core.import_archive(pipeline, path)
    finally:
        pipeline.close()
    console.print(f"imported {len(results)} new archive article(s) from {safe(path)}")
    for r in results:
        console.print(
            f"  {safe(r.url)} → story {r.story_id} ({r.decision.tier.value})", highlight=False
        )


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply pending database migrations."""
    settings = load_config(config)
    with open_database(settings):
        pass
    console.print(
        f"database is up to date ({safe(redact(settings.database_url))})", highlight=False
    )
