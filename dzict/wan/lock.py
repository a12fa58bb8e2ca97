"""The run lock: one apply or rollback at a time on a Dzongkhag's routers.

An ``fcntl`` lock on ``var/wan.lock`` (held while the process lives; the kernel drops it if the
process dies), with the holder's pid, ticket and start time written inside for the refusal.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dzict.exceptions import RunLockError

DEFAULT_PATH = Path("var/wan.lock")


@contextmanager
def run_lock(what: str, path: Path = DEFAULT_PATH) -> Iterator[Path]:
    """Hold the lock for the block; raise RunLockError naming the holder if it is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
            raise RunLockError(f"another WAN change is running ({holder}); lock {path}") from None
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what}, pid {os.getpid()}, since {stamp}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
