"""The temporary Prefect API server of one `rdwatch run`, tied to the life of that process.

With no PREFECT_API_URL, Prefect starts a temporary API server on first use (uvicorn in a child
process, ~250 MB) and stops it at interpreter exit (atexit). A run killed with SIGKILL — a cron
job's timeout, the OOM killer — never gets there, and the server stayed behind, orphaned, for as
long as nobody noticed. `tie_temporary_server()` starts that same server first, from the main
thread, as Prefect's own `SubprocessASGIServer` (the instance every Prefect client looks up), but
launched so that the kernel kills it when its parent dies, however that happens:
`prctl(PR_SET_PDEATHSIG, SIGKILL)`, set in the child before it execs uvicorn. The setting is tied
to the thread that started the child, hence the main thread; SIGKILL rather than SIGTERM because
a server whose client is gone has nothing to finish (Prefect's SQLite database survives a kill).

Linux only; elsewhere, or with PREFECT_API_URL set (a real server), this does nothing.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import prefect
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    get_current_settings,
)

if TYPE_CHECKING:
    from prefect.server.api.server import SubprocessASGIServer

# The server imports Prefect's whole API app before it answers; on a busy 2-core host (a cron
# job beside other work) that took longer than Prefect's 20 s default, and the run failed before
# polling anything. Waiting longer costs nothing when the server is quick.
MIN_STARTUP_WAIT_S = 120

# Run in the child: ask for SIGKILL when the parent dies, make sure the parent has not died
# already (the request would then never fire), then become the server.
_LAUNCHER = """
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_PDEATHSIG) failed: errno %d" % ctypes.get_errno())
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def uvicorn_args(port: int) -> list[str]:
    """The arguments Prefect's temporary server is started with (prefect 3.8's own)."""
    return [
        "-m",
        "uvicorn",
        "--app-dir",
        str(prefect.__module_path__.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def tie_temporary_server() -> SubprocessASGIServer | None:
    """Start the temporary API server now, tied to this process; None if none is needed."""
    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None  # the kernel would kill the server when this thread ends
    server = tied_server_class()()  # Prefect's per-port singleton: its clients find this one
    server.start(timeout=startup_wait_s())
    return server


def startup_wait_s() -> int:
    """How long to wait for the temporary server: Prefect's setting, but never less than
    `MIN_STARTUP_WAIT_S`."""
    return max(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value(), MIN_STARTUP_WAIT_S)


@functools.cache
def tied_server_class() -> type[SubprocessASGIServer]:
    """`SubprocessASGIServer`, launched to die with the process that started it.

    Built on demand: importing Prefect's server module costs seconds (the whole API app), which
    a run against a real server (PREFECT_API_URL) must not pay.
    """
    from prefect.server.api.server import SubprocessASGIServer

    class TiedServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            assert self.port is not None
            server_env = {
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
            }
            return subprocess.Popen(
                args=[sys.executable, "-c", _LAUNCHER, str(os.getpid()), *uvicorn_args(self.port)],
                env={
                    **os.environ,
                    **server_env,
                    **get_current_settings().to_environment_variables(exclude_unset=True),
                },
            )

    return TiedServer
