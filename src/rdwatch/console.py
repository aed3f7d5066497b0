"""Terminal output for the CLI: progress bars from pipeline events, plain log lines otherwise.

On a terminal, `rdwatch.progress` events drive one rich progress bar per stage. Elsewhere (cron,
CI, pipes) the pipeline's log lines go to stderr as plain text, with no control characters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

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

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
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
