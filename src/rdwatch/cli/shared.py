"""What every command shares: the console it prints to, the `--config` option, and the database
of the config that option names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rdwatch.config import Config
from rdwatch.store import Database

# Long URLs and reasons stay on one line; `:name:` in a headline is text, not an emoji.
console = Console(soft_wrap=True, emoji=False)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $RDWATCH_CONFIG, else config/rdwatch.yaml).",
        show_default=False,
    ),
]


@contextmanager
def open_database(config: Config, *, read_only: bool = False) -> Iterator[Database]:
    """The config's database; `read_only` for commands that only read (they then work on a
    database that cannot be written)."""
    db = Database(config.database_url, read_only=read_only)
    try:
        yield db
    finally:
        db.dispose()
