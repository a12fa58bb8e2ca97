"""The hash chain of the ticket log: canonical lines, signatures and single-line checks.

Every line is one event in compact canonical JSON (sorted keys, ASCII only). The fields of the
event itself live under ``data``; the envelope keys sort after it, so every line ends with the
same flat tail::

    {"data":{...},"event":"note","mac":"<hmac>","prev":"<sha256 of line n-1>","seq":n,
     "ticket":"PNK-2026-0007","ts":"2026-03-01T04:05:06.123456Z"}

``prev`` of line 1 is :data:`GENESIS`; ``prev`` is the SHA-256 of the previous line's bytes
without its newline, ``mac`` included. ``mac`` (present once the log has a key) is the
HMAC-SHA256 of the line without its ``"mac":"…",`` field. Lines written before the key have no
``mac``; once one line is signed, every later line must be.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dzict.ticketlog.exceptions import TicketError
from dzict.ticketlog.signing import Signer

GENESIS = hashlib.sha256(b"dzict ticket log v1").hexdigest()
"""The ``prev`` hash of the first line."""

PREV = b'"prev":"'
MARK = b',"mac":"'
"""What precedes the signature; the signature and ``",`` end right where ``"prev":"`` starts."""
MAC_SPAN = 73
"""Bytes of ``"mac":"<64 hex>",`` just before ``"prev":"``."""
END = b'"}'
TS_LEN = 27
_HEX64 = re.compile(r"[0-9a-f]{64}")


def encode(record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of one record (no newline)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("ascii")


def line_hash(line: bytes) -> str:
    """SHA-256 (hex) of a line without its newline: the next line's ``prev``."""
    return hashlib.sha256(line).hexdigest()


def utc_stamp(when: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: always 27 characters."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp_of(line: bytes) -> bytes:
    """The ``ts`` of a canonical line, read from its fixed place at the end."""
    return line[-TS_LEN - 2 : -2]


def signed_line(record: dict[str, Any], signer: Signer | None) -> bytes:
    """The canonical line of `record`, with its ``mac`` when there is a signer."""
    line = encode(record)
    if signer is None:
        return line
    return encode({**record, "mac": signer.mac(line)})


def prev_at(line: bytes) -> int:
    """Where ``"prev":"`` starts in a line (-1 when it is not there)."""
    return line.rfind(PREV)


def is_signed(line: bytes, p: int) -> bool:
    """True when the line carries a ``mac`` right before ``prev`` (at `p`)."""
    return p >= MAC_SPAN + 1 and line[p - MAC_SPAN - 1 : p - MAC_SPAN + 7] == MARK


def unsigned_form(line: bytes, p: int) -> bytes:
    """A signed line without its ``"mac":"…",`` field: the bytes its ``mac`` covers."""
    return line[: p - MAC_SPAN] + line[p:]


def mac_of(line: bytes, p: int) -> bytes:
    """The hex signature of a signed line."""
    return line[p - MAC_SPAN + 7 : p - 2]


def mac_valid(line: bytes, signer: Signer) -> bool:
    """True when a line is signed and its signature is right under `signer`."""
    p = prev_at(line)
    return is_signed(line, p) and signer.check(unsigned_form(line, p), mac_of(line, p))


@dataclass(frozen=True)
class Head:
    """How many events the log holds and the hash of its last line."""

    count: int
    last: str

    @property
    def token(self) -> str:
        """``COUNT:SHA256``, short enough to copy off the machine and give to ``verify``."""
        return f"{self.count}:{self.last}"

    @classmethod
    def parse(cls, token: str) -> Head:
        """Read a ``COUNT:SHA256`` token as printed by :attr:`token`."""
        count, sep, last = token.strip().partition(":")
        if not sep or not count.isdigit() or not _HEX64.fullmatch(last):
            raise TicketError(f"not a head token (COUNT:SHA256): {token!r}")
        return cls(int(count), last)


def parse_envelope(line: bytes) -> tuple[int, str] | str:
    """``(seq, prev)`` of a line, or why it is not an event."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(record, dict):
        return "not a JSON object"
    seq, prev = record.get("seq"), record.get("prev")
    if type(seq) is not int or not isinstance(prev, str):
        return "no seq or prev field"
    if not isinstance(record.get("event"), str) or not isinstance(record.get("ts"), str):
        return "no event or ts field"
    return seq, prev


@dataclass(frozen=True)
class Link:
    """One line that follows its predecessor correctly: its hash, time and whether signed."""

    hash: str
    ts: bytes
    signed: bool


def check_link(  # noqa: PLR0917 (one call site per use, all positional facts of one line)
    line: bytes, prev: str, seq: int, after: bytes, signer: Signer | None, must_sign: bool
) -> Link | str:
    """Check that `line` is event `seq`, chained to `prev`, not before `after`, signed if due.

    Returns the line's :class:`Link` or the reason it is not a valid next event.
    """
    p = prev_at(line)
    tail = b'"prev":"%b","seq":%d,"ticket":' % (prev.encode(), seq)
    if p < 0 or not line.startswith(tail, p) or not line.endswith(END):
        return _envelope_problem(line, prev, seq) or f"not event {seq} in canonical form"
    ts, signed = stamp_of(line), is_signed(line, p)
    problem = _order_problem(ts, after, signed, must_sign)
    if problem:
        return problem
    if signed and signer is not None and not signer.check(unsigned_form(line, p), mac_of(line, p)):
        return "its signature does not match (forged, or signed with another key)"
    return Link(line_hash(line), ts, signed)


def _envelope_problem(line: bytes, prev: str, seq: int) -> str:
    """Why `line` is not event `seq` chained to `prev` in canonical form ("" when it is)."""
    fields = parse_envelope(line)
    if isinstance(fields, str):
        return fields
    if fields[1] != prev:
        return "its prev hash does not match the line before"
    tail = b'"prev":"%b","seq":%d,"ticket":' % (prev.encode(), seq)
    if fields[0] != seq or not line.startswith(tail, prev_at(line)) or not line.endswith(END):
        return f"not event {seq} in canonical form"
    return ""


def _order_problem(ts: bytes, after: bytes, signed: bool, must_sign: bool) -> str:
    """Why a line's time or missing signature does not fit after its predecessor."""
    if ts < after:
        return f"its time {ts.decode()} is earlier than the event before ({after.decode()})"
    if must_sign and not signed:
        return "no signature, though the events before it are signed"
    return ""


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a short write is retried, an error raised)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
