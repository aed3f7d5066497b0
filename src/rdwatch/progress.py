"""Progress of a run, reported by the pipeline and shown by whoever is watching.

The pipeline only emits events on the `rdwatch.progress` logger (`begin` a stage with its total,
`advance` it); it knows nothing of terminals or Prefect. The CLI turns the events into rich
progress bars when attached to a terminal; elsewhere nobody listens and they cost nothing. Events
go through logging because the Prefect flow runs the same pipeline in worker threads, where no
callback could be passed in.
"""

from __future__ import annotations

import logging

log = logging.getLogger("rdwatch.progress")
log.propagate = False  # events are for progress displays, not for log files or the Prefect UI


def begin(stage: str, total: int) -> None:
    log.info("%s: %d to do", stage, total, extra={"stage": stage, "total": total, "advance": 0})


def advance(stage: str, steps: int = 1) -> None:
    log.info("%s: +%d", stage, steps, extra={"stage": stage, "total": None, "advance": steps})
