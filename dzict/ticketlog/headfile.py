"""The head file beside the log, and checkpoints: count, last hash, size and time, sealed.

The head file holds two slots of 512 bytes. Each slot is one canonical JSON object padded with
spaces to a line of 512 bytes::

    {"bytes":41230,"count":120,"kid":"3f0c…","kind":"head","last":"<sha256>","mac":"<hmac>",
     "ts":"2026-03-01T04:05:06.123456Z"}

A commit overwrites the older slot in place, so the file never grows once written (a full disk
cannot stop a head update) and a write torn by a crash leaves the other slot intact. A slot is
sealed with ``mac`` (HMAC-SHA256 under the key) or, without a key, ``sum`` (plain SHA-256,
which only catches torn writes); the seal covers every other field, the time included. The
newest valid slot wins. A head file written before slots existed (one JSON line with ``count``,
``last`` and ``ts``) is read as an unsealed head; the next commit writes its second slot.

A checkpoint is the same object with ``"kind":"checkpoint"``, written to a file of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dzict.ticketlog.signing import Signer

SLOT = 512
SLOTS = 2
HEX64 = re.compile(r"[0-9a-f]{64}")
_PAD = b" \n\x00"
_COUNT = re.compile(rb'"count":(\d{1,18})[,}]')


def encode(record: dict[str, Any]) -> bytes:
    """Canonical JSON bytes (sorted keys, compact, ASCII)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True)
class HeadRecord:
    """One sealed head (or checkpoint): what the log held when it was written."""

    count: int
    last: str
    size: int | None
    """Bytes of log the head covers; None in a head written before slots existed."""
    ts: str | None
    kid: str | None = None
    """Id of the key that sealed it; None when unsigned."""
    kind: str = "head"

    def body(self) -> dict[str, Any]:
        """The fields the seal covers."""
        body: dict[str, Any] = {
            "bytes": self.size,
            "count": self.count,
            "kind": self.kind,
            "last": self.last,
            "ts": self.ts,
        }
        if self.kid is not None:
            body["kid"] = self.kid
        return body


def seal(record: HeadRecord, signer: Signer | None) -> bytes:
    """The record as one canonical line (no newline), with its ``mac`` or ``sum``."""
    if signer is not None and record.kid != signer.kid:
        raise ValueError("seal a record with the key id of its signer")
    body = record.body()
    raw = encode(body)
    if signer is None:
        body["sum"] = hashlib.sha256(raw).hexdigest()
    else:
        body["mac"] = signer.mac(raw)
    return encode(body)


@dataclass(frozen=True)
class Unsealed:
    """A record read back: the record, whether its seal was checked, or why it is not valid."""

    record: HeadRecord | None
    checked: bool = False
    problem: str = ""
    legacy: bool = False


def _fields(data: dict[str, Any]) -> HeadRecord | str:
    count, last, size, ts = (data.get(k) for k in ("count", "last", "bytes", "ts"))
    if (
        type(count) is not int
        or count < 0
        or not isinstance(last, str)
        or not HEX64.fullmatch(last)
    ):
        return "no valid count and last hash"
    if size is not None and (type(size) is not int or size < 0):
        return "no valid size"
    if ts is not None and not isinstance(ts, str):
        return "no valid time"
    kid = data.get("kid")
    kind = str(data.get("kind", "head"))
    return HeadRecord(count, last, size, ts, kid if isinstance(kid, str) else None, kind)


def unseal(raw: bytes, signer: Signer | None, kind: str = "head") -> Unsealed:
    """Read one sealed record; `signer` checks a ``mac`` (without one it stays unchecked)."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Unsealed(None, problem="not a valid record (torn or edited)")
    fields = _fields(data)
    if isinstance(fields, str):
        return Unsealed(None, problem=fields)
    if "kind" not in data and "sum" not in data and "mac" not in data:
        return Unsealed(fields, legacy=True)  # a head written before slots existed
    if fields.kind != kind:
        return Unsealed(None, problem=f"a {fields.kind}, not a {kind}")
    mac, total = data.pop("mac", None), data.pop("sum", None)
    if isinstance(total, str) and mac is None:
        ok = total == hashlib.sha256(encode(data)).hexdigest()
        return Unsealed(fields) if ok else Unsealed(None, problem="checksum does not match (torn)")
    return _check_mac(fields, encode(data), mac, signer)


def _check_mac(fields: HeadRecord, body: bytes, mac: object, signer: Signer | None) -> Unsealed:
    """A signed record: checked when the key is given and is the one that signed it."""
    if not isinstance(mac, str) or fields.kid is None:
        return Unsealed(None, problem="no seal")
    if signer is None:
        return Unsealed(fields)
    if fields.kid != signer.kid:
        problem = (
            f"signed with another key (key id {fields.kid}; the key given has id {signer.kid})"
        )
        return Unsealed(fields, problem=problem)
    if not signer.check(body, mac):
        return Unsealed(None, problem="signature does not match (forged or edited)")
    return Unsealed(fields, checked=True)


@dataclass(frozen=True)
class HeadView:
    """What a head file holds: the newest valid slot, and the slots that are not valid."""

    record: HeadRecord | None
    slot: int = -1
    """Index of the newest valid slot (-1: none)."""
    checked: bool = False
    legacy: bool = False
    problems: tuple[str, ...] = ()
    key_problem: str = ""
    empty: bool = True
    """No slot holds anything: no head yet."""
    raw_slots: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def valid(self) -> bool:
        """A slot is valid, or the file is empty."""
        return self.record is not None or self.empty

    @property
    def next_slot(self) -> int:
        """The slot the next commit overwrites: the one that is not the newest."""
        return 0 if self.slot < 0 else 1 - self.slot


def read_slots(raw: bytes, signer: Signer | None, thorough: bool = True) -> HeadView:
    """Pick the newest valid slot of a head file's bytes.

    The slots are tried newest first (by the count they claim); `thorough` also checks the
    other slot to report it when it is not valid (verify does, an append need not).
    """
    slots = tuple(raw[i * SLOT : (i + 1) * SLOT].rstrip(_PAD) for i in range(SLOTS))
    order = sorted((i for i in range(SLOTS) if slots[i]), key=lambda i: -claimed(slots[i]))
    problems: list[str] = []
    best: tuple[int, Unsealed] | None = None
    for index in order:
        if best is not None and not thorough:
            break
        got = unseal(slots[index], signer)
        if got.record is None:
            problems.append(f"slot {index + 1}: {got.problem}")
        elif best is None:
            best = (index, got)
    if best is None or best[1].record is None:
        return HeadView(None, problems=tuple(problems), empty=not order, raw_slots=slots)
    index, got = best
    return HeadView(
        got.record,
        index,
        got.checked,
        got.legacy,
        tuple(problems),
        got.problem,
        empty=False,
        raw_slots=slots,
    )


def claimed(text: bytes) -> int:
    """The count a slot claims, read without parsing it (-1 when there is none)."""
    found = _COUNT.search(text)
    return int(found.group(1)) if found else -1


def slot_bytes(line: bytes) -> bytes:
    """A sealed line padded to one slot (512 bytes, ending in a newline)."""
    if len(line) >= SLOT:
        raise ValueError("head record too long for its slot")
    return line.ljust(SLOT - 1) + b"\n"


def write_slot(fd: int, index: int, line: bytes) -> None:
    """Overwrite slot `index` in place with one write."""
    data = slot_bytes(line)
    if os.pwrite(fd, data, index * SLOT) != len(data):
        raise OSError(f"short write to the head file slot {index + 1}")


def read_checkpoint(path: Path, signer: Signer | None) -> Unsealed:
    """A checkpoint file; the record is None (with the problem) when it is not one."""
    return unseal(path.read_bytes().strip(), signer, kind="checkpoint")
