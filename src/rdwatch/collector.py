"""When Python's cyclic garbage collector runs during a poll.

Ingest allocates a few hundred thousand small objects per batch that live until the batch commits,
and the collector's repeated passes over them, and over everything the process imported, took a
fifth of a first poll (`bench_poll.py`). The objects alive when a run starts live as long as the
process and are frozen once; a batch runs with the collector paused, and what it leaves behind is
collected after it, so memory stays bounded by the batch.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False


def freeze_long_lived() -> None:
    """Move the objects alive now (imported modules, config, gazetteer) out of the collector's
    sight, so its full passes skip them. Once per process: what is frozen is never collected."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (the objects alive before it are frozen first)."""
    freeze_long_lived()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
