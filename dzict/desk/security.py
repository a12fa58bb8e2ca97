"""What guards every request: the session key, CSRF tokens, a rate limit per address."""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from dzict.exceptions import DeskError

CSRF_FIELD = "csrf_token"
SECRET_BYTES = 32
#: Addresses remembered before those with no recent hit are forgotten.
PRUNE_AT = 4096


def load_secret(path: Path) -> bytes:
    """The key that signs session cookies: read, or made once (0600) when there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES))
    try:
        secret = path.read_bytes()
    except OSError as exc:
        raise DeskError(f"cannot read the desk's session key {path}: {exc}") from None
    if len(secret) < SECRET_BYTES:
        raise DeskError(f"the desk's session key {path} is shorter than {SECRET_BYTES} bytes")
    return secret


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use; every form carries it."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_problem(session: MutableMapping[str, Any], sent: str | None) -> str | None:
    """Why a form's CSRF token is refused (missing, or not this session's); None when good."""
    expected = session.get(CSRF_FIELD)
    if not sent:
        return "the form carried no security token"
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        return "the form's security token is not the one this page gave"
    return None


class RateLimiter:
    """At most `limit` hits per address within `window` seconds (a sliding window)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Count a hit from `address`; False when it is over the limit (not counted then)."""
        now = self._clock()
        with self._lock:
            hits = self._hits[address]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > PRUNE_AT:
                self._prune(now)
            return True

    def _prune(self, now: float) -> None:
        """Forget addresses whose last hit is out of the window (the lock is held)."""
        for address in [a for a, h in self._hits.items() if h[-1] <= now - self.window]:
            del self._hits[address]

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may send again."""
        with self._lock:
            hits = self._hits.get(address)
            if not hits:
                return 0
            return max(1, int(hits[0] + self.window - self._clock()) + 1)
