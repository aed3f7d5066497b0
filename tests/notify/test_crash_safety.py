"""Exactly-once delivery across processes: SIGKILL after commit, SIGKILL mid-send, two runs at once.

Each child is a real `python` process using the library as `rdwatch run` does (open the pipeline,
store, deliver); the parent kills it with SIGKILL and then runs the next delivery itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.config import load_config
from rdwatch.store import outbox as outbox_store
from rdwatch.store.outbox import STALE_CLAIM
from tests.conftest import ROOT, write_config
from tests.notify.conftest import Clock
from tests.notify.receivers import serve_hanging_receiver
from tests.servers import Receiver

# The child stores the notable article (one committed transaction: story + outbox rows), prints
# STORED, then (if `deliver` is set) delivers, then prints DONE and idles until it is killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from rdwatch import pipeline as core
    from rdwatch.config import load_config
    from tests.notify.conftest import notable_article

    config_path, deliver = sys.argv[1], sys.argv[2] == "deliver"
    pipeline = core.open_pipeline(load_config(config_path))
    pipeline.ingest_article(notable_article())
    print("STORED", flush=True)
    if deliver:
        sent = core.deliver(pipeline).sent
        print("DONE", len(sent), flush=True)
    time.sleep(120)
    """
)


def _child(config: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(config), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for(child: subprocess.Popen[str], marker: str) -> str:
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith(marker), f"child said {line!r}, expected {marker}"
    return line


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL


def _entries(config: Path) -> list[outbox_store.OutboxEntry]:
    pipeline = core.open_pipeline(load_config(config))
    try:
        with pipeline.db.session() as session:
            return outbox_store.list_entries(session)
    finally:
        pipeline.close()


def _deliver(config: Path, clock: Clock | None = None) -> int:
    pipeline = core.open_pipeline(load_config(config), clock=clock or core.utc_now)
    try:
        return len(core.deliver(pipeline).sent)
    finally:
        pipeline.close()


def test_killed_between_commit_and_delivery_delivers_exactly_once_after_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    config = write_config(tmp_path, alerts={"channels": [{"url": f"json://{receiver.base}/h"}]})
    child = _child(config, "store-only")
    _wait_for(child, "STORED")
    _kill(child)
    assert receiver.requests == []
    assert [e.status for e in _entries(config)] == ["pending"]

    assert _deliver(config) == 1  # the restarted run
    assert _deliver(config) == 0
    assert len(receiver.requests) == 1


def test_killed_while_sending_is_retried_after_the_claim_lease_exactly_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    with serve_hanging_receiver() as stuck:
        config = write_config(tmp_path, alerts={"channels": [{"url": f"json://{stuck}/h"}]})
        child = _child(config, "deliver")
        _wait_for(child, "STORED")
        for _ in range(200):  # until the child has claimed the row and is stuck sending it
            if [e.status for e in _entries(config)] == ["sending"]:
                break
        _kill(child)
    [entry] = _entries(config)
    assert entry.status == "sending"
    # The channel is back: the same channel id, now pointing at a receiver that answers.
    live = write_config(
        tmp_path,
        alerts={"channels": [{"url": f"json://{receiver.base}/h", "name": entry.channel}]},
    )
    clock = Clock(core.utc_now())
    assert _deliver(live, clock) == 0  # a claim younger than the lease is left alone
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 1)
    assert _deliver(live, clock) == 1
    assert _deliver(live, clock) == 0
    assert len(receiver.requests) == 1


def test_two_runs_started_at_the_same_moment_send_one_alert(
    tmp_path: Path, receiver: Receiver
) -> None:
    config = write_config(tmp_path, alerts={"channels": [{"url": f"json://{receiver.base}/h"}]})
    children = [_child(config, "deliver") for _ in range(2)]
    try:
        sent = [int(_wait_for(c, "STORED") and _wait_for(c, "DONE").split()[1]) for c in children]
    finally:
        for child in children:
            _kill(child)
    assert sorted(sent) == [0, 1]
    assert len(receiver.requests) == 1
    assert [(e.status, e.attempts) for e in _entries(config)] == [("sent", 1)]
