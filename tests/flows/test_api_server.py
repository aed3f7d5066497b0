"""The tied temporary server starts exactly as Prefect's own would, and only when needed.

That a SIGKILLed `rdwatch run` takes the server with it is shown end to end in
tests/e2e/test_rdwatch_run.py.
"""

from __future__ import annotations

import sys
from typing import Any

import prefect.server.api.server as prefect_server
import pytest
from flows.api_server import (
    MIN_STARTUP_WAIT_S,
    startup_wait_s,
    tie_temporary_server,
    tied_server_class,
    uvicorn_args,
)
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)


class _Recorded:
    def __init__(self, args: list[str], env: dict[str, str], **_: Any) -> None:
        self.args, self.env = args, env


def test_the_server_command_is_prefects_own_behind_the_launcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If a Prefect upgrade changes how it starts its server, this says so."""
    monkeypatch.setattr(prefect_server.subprocess, "Popen", _Recorded)
    # Instances under keys of their own, never started: the per-port singletons stay untouched.
    theirs = prefect_server.SubprocessASGIServer.__new__(prefect_server.SubprocessASGIServer, -1)
    theirs.port = 8123
    tied = tied_server_class()
    ours = tied.__new__(tied, -2)
    ours.port = 8123
    try:
        expected = theirs._run_uvicorn_command()
        got = ours._run_uvicorn_command()
    finally:
        prefect_server.SubprocessASGIServer._instances.pop(-1, None)
        prefect_server.SubprocessASGIServer._instances.pop(-2, None)
    assert expected.args[0] == sys.executable and expected.args[1:] == uvicorn_args(8123)
    assert got.args[:2] == [sys.executable, "-c"] and got.args[4:] == uvicorn_args(8123)
    assert got.env == expected.env


def test_no_server_is_started_when_an_api_url_is_set() -> None:
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert tie_temporary_server() is None


def test_a_slow_start_is_waited_for_longer_than_prefects_default() -> None:
    """A busy host must not fail a run because the server took more than 20 s to import."""
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 20}):
        assert startup_wait_s() == MIN_STARTUP_WAIT_S
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 600}):
        assert startup_wait_s() == 600
