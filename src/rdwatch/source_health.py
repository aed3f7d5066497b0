"""A run's look at its sources' silence: gather what `rdwatch.health` needs, let it decide,
store the episodes that begin and end, and queue each new one's alarm on the operations channels.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rdwatch.config import Config
from rdwatch.fetch import schedule
from rdwatch.health import SILENCE_FACTOR, SilenceAlarm, find_silent_sources, silence_changes
from rdwatch.store import Database
from rdwatch.store import silences as silence_store
from rdwatch.store import sources as source_store

if TYPE_CHECKING:  # the channels (apprise) load only when a run has something to send
    from rdwatch.notify.channels import Sender

log = logging.getLogger(__name__)
# How far back the arrivals that teach a source's rhythm are read.
HEALTH_HISTORY = timedelta(days=90)


def silent_sources(db: Database, config: Config, now: datetime) -> list[SilenceAlarm]:
    """Sources that have brought nothing new for longer than their usual rhythm."""
    enabled = [s for s in config.sources if s.enabled]
    with db.session() as session:
        health = {h.name: h for h in source_store.list_source_health(session)}
        arrivals = source_store.new_item_arrivals(session, now - HEALTH_HISTORY)
    expected = {s.name: s.expected_update_hours for s in enabled}
    quiet_since = {
        s.name: (h.last_new_item_at or h.added_at) if (h := health.get(s.name)) else None
        for s in enabled
    }
    # A source polled every few days cannot show new items more often than that.
    floors = {
        name: cadence.max_every * SILENCE_FACTOR
        for name, cadence in schedule.cadences_of(enabled, config.fetch.every).items()
    }
    return find_silent_sources(arrivals, expected, now, quiet_since=quiet_since, floors=floors)


def record_silences(
    db: Database, config: Config, senders: Sequence[Sender], now: datetime
) -> list[SilenceAlarm]:
    """The sources silent now; a silence not seen before begins an episode, alarmed once on the
    operations channels through the outbox, and an episode whose source brought items again
    ends."""
    alarms = silent_sources(db, config, now)
    operations = [s.channel_id for s in senders if s.operations]
    with db.session() as session:
        changes = silence_changes(alarms, silence_store.open_silences(session))
        if changes.opened or changes.cleared:
            silence_store.record_silence_changes(session, changes, now, operations)
    for alarm in changes.opened:
        log.warning("source silent: %s", alarm)
    return alarms
