"""Real read-only folders and silent servers for tests of what an operator can get wrong.

Root ignores file permissions, so for root a folder is made read-only with a read-only bind mount
of itself (the kernel then refuses every write in it, as on a read-only file system); for anyone
else `chmod 555` does it. Where neither is possible the test is skipped, saying why.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """`folder` (created if needed) that this process cannot write into while the block runs."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(mode)
        return
    mount = ["mount", "--bind", "-o", "ro", str(folder), str(folder)]
    mounted = subprocess.run(mount, capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"root cannot make a read-only folder here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        unmounted = subprocess.run(["umount", str(folder)], capture_output=True, check=False)
        if unmounted.returncode != 0:  # still in use by a process we started: detach it anyway
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


@contextmanager
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts TCP connections and never says a word (a hung server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads or answers
        yield listener.getsockname()[1]
