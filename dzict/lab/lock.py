"""The machine-wide lock of a lab: one lab command (or one test session) at a time."""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

from dzict.exceptions import LabError

LOCK_DIR = Path("/run/lock")


@contextlib.contextmanager
def lab_lock(prefix: str, kind: str = "lock", wait: float = 0.0) -> Iterator[None]:
    """Hold the machine-wide lock of lab ``prefix`` (``kind`` "lock" for one command,
    "session" for a test session); wait up to ``wait`` seconds for it, then refuse."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCK_DIR / f"dzict-lab-{prefix}.{kind}").open("w") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabError(f"another lab command is running on lab {prefix!r}") from None
                time.sleep(1)
        yield
