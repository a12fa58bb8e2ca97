"""The signing key of the ticket log: HMAC-SHA256 of events, the head and checkpoints.

An event's ``mac`` is HMAC-SHA256, under the key, of the event's line without its ``mac``
field (the canonical bytes with ``"mac":"…",`` removed). Since every line also carries the
SHA-256 of the line before it, the signature of one event covers every event before it.
"""

from __future__ import annotations

import hashlib
import hmac

from dzict.ticketlog.exceptions import TicketKeyError

MIN_KEY_BYTES = 16
MAC_HEX = 64
_KEY_ID_LABEL = b"dzict ticket log key id"


class Signer:
    """Signs and checks with one secret key (bytes, at least 16)."""

    __slots__ = ("_key", "kid")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise TicketKeyError(
                f"the ticket log key must be at least {MIN_KEY_BYTES} bytes "
                f"(e.g. `openssl rand -hex 32`)"
            )
        self._key = key
        self.kid = hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]
        """The key's id: names the key in the head and checkpoints without revealing it."""

    def __repr__(self) -> str:
        return f"Signer(kid={self.kid!r})"

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of `data`, hex."""
        return hmac.digest(self._key, data, "sha256").hex()

    def check(self, data: bytes, mac: bytes | str) -> bool:
        """True when `mac` (hex) is the HMAC-SHA256 of `data` under this key."""
        given = mac.decode("ascii", "replace") if isinstance(mac, bytes) else mac
        return hmac.compare_digest(self.mac(data), given)


def signer_for(key: bytes | None) -> Signer | None:
    """A Signer for `key`, None without a key."""
    return None if key is None else Signer(key)
