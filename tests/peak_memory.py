"""Run a command and read its peak memory, as the kernel accounts it.

Linux counts a forked child's pages from before its `exec` in the child's peak (`ru_maxrss`), so a
child forked straight from a large test process (pytest after hundreds of tests, or holding a
test server's pages) would report the parent's size. The command is therefore started by a small
Python process, and the peak read there (`RUSAGE_CHILDREN`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass(frozen=True)
class Measured:
    returncode: int
    output: str
    peak_bytes: int


def run_measured(command: Sequence[str], log: Path, *, timeout: float = 600) -> Measured:
    """Run `command`, its stdout and stderr into `log`; its exit code, output and peak RSS."""
    with log.open("w+b") as out:
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").rstrip("\n").splitlines()
    peak_kb = int(lines[-1])  # the wrapper's last line, kilobytes on Linux
    return Measured(done.returncode, "\n".join(lines[:-1]), peak_kb * 1024)
