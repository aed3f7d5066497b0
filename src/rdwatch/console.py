"""Terminal output for the CLI: progress bars from pipeline events, plain log lines otherwise,
and remote text made safe to print.

On a terminal, `rdwatch.progress` events drive one rich progress bar per stage. Elsewhere (cron,
CI, pipes) the pipeline's log lines go to stderr as plain text, with no control characters and
no URL password.

Rich reads `[…]` in printed strings as markup, so a feed title or a server's reason phrase holding
`[/red]` would end the command with a `MarkupError`, and `[link=…]` would plant a hyperlink.
Every string that did not come from rdwatch itself goes through `safe` before it is printed.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from rdwatch.progress import log as progress_log
from rdwatch.untrusted import redact, strip_controls

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_BRACKET = re.compile(r"(\\*)\[")
_Data = TypeVar("_Data")


def safe(value: object) -> str:
    """`value` as text to put into rich markup: it prints as itself, minus control characters.

    Every `[` is escaped, not only those that look like a tag on their own: `[/` at the end of
    one value and `]` in the next would make a tag together. Rich shows an escaped `[` as `[` and
    halves the backslashes before it, so those are doubled (shown doubled only where no tag
    follows, a backslash right before a `[` being all but unknown in headlines). Print it on a
    console without emoji codes (`:fire:` stays text), and never put a tag right after it.
    """
    text = strip_controls(str(value))
    return _BRACKET.sub(lambda m: m.group(1) * 2 + "\\[", text)


def printable(data: _Data) -> _Data:
    """A copy of a dataclass (a run summary) whose every string is `safe` and redacted."""
    copy: _Data = _printable(data)
    return copy


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return safe(redact(value))
    if isinstance(value, tuple | list):
        return type(value)(_printable(v) for v in value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.init]
        return dataclasses.replace(value, **{n: _printable(getattr(value, n)) for n in fields})
    return value


class PlainFormatter(logging.Formatter):
    """Log lines for stderr: a source's text loses its control characters, URLs their password."""

    def format(self, record: logging.LogRecord) -> str:
        return strip_controls(redact(super().format(record)))


class ProgressBars(logging.Handler):
    """Turns `rdwatch.progress` events into rich progress bars, one per stage."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def emit(self, record: logging.LogRecord) -> None:
        stage = getattr(record, "stage", None)
        if stage is None:
            return
        total = getattr(record, "total", None)
        if total is not None:
            if stage in self.tasks:
                self.progress.update(self.tasks[stage], total=total, completed=0)
            else:
                self.tasks[stage] = self.progress.add_task(stage, total=total)
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=None)
        self.progress.advance(self.tasks[stage], getattr(record, "advance", 1))


@contextmanager
def run_display(console: Console, *, plain_logs: bool = True) -> Iterator[bool]:
    """Progress bars on a terminal (yields True), plain INFO log lines on stderr otherwise.

    `plain_logs=False` when someone else already prints rdwatch's logs (Prefect does, through
    PREFECT_LOGGING_EXTRA_LOGGERS), so no line appears twice.
    """
    if not console.is_terminal:
        if not plain_logs:
            yield False
            return
        handler: logging.Handler = logging.StreamHandler()
        handler.setFormatter(PlainFormatter(PLAIN_FORMAT))
        with _attached(logging.getLogger("rdwatch"), handler):
            yield False
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        Progress(*columns, console=console) as progress,
        _attached(progress_log, ProgressBars(progress)),
    ):
        yield True


@contextmanager
def _attached(logger: logging.Logger, handler: logging.Handler) -> Iterator[None]:
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
