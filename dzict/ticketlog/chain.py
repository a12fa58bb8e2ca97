"""The hash chain of the ticket log: canonical lines, the head file and the verifier.

Every line is one event in compact canonical JSON (sorted keys, ASCII only). The fields of the
event itself live under ``data``; the envelope keys sort after it, so every line ends with the
same flat tail::

    {"data":{...},"event":"note","prev":"<sha256 of line n-1>","seq":n,"ticket":"PNK-2026-0007",
     "ts":"2026-03-01T04:05:06.123456Z"}

``prev`` of line 1 is :data:`GENESIS`. The verifier checks that tail by comparing bytes (no JSON
parsing unless a line fails) and hashes each line, without its newline, with SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from dzict.exceptions import TicketError, TicketLogTampered

GENESIS = hashlib.sha256(b"dzict ticket log v1").hexdigest()
"""The ``prev`` hash of the first line."""

BLOCK_SIZE = 1 << 24
_PREV = b'"prev":"'
_HEX64 = re.compile(r"[0-9a-f]{64}")

Status = Literal["ok", "tampered", "torn"]


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


def head_path(log: Path) -> Path:
    """The head file beside a log: ``<log>.head``."""
    return log.with_name(log.name + ".head")


def read_head(path: Path) -> Head | None:
    """The head stored in `path`, None when there is none."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        head = Head(int(data["count"]), str(data["last"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise TicketLogTampered(f"head file {path} is not a valid head ({exc})") from None
    if head.count < 0 or not _HEX64.fullmatch(head.last):
        raise TicketLogTampered(f"head file {path} is not a valid head")
    return head


def write_head(path: Path, head: Head, now: datetime) -> None:
    """Replace the head file atomically: write a temporary file, fsync, rename, fsync the folder."""
    body = encode({"count": head.count, "last": head.last, "ts": utc_stamp(now)}) + b"\n"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
class VerifyResult:
    """The outcome of checking a log: ``ok``, ``tampered`` (first bad line) or ``torn``."""

    status: Status
    tip: Head
    """Count and last hash of the part of the log that verified."""
    good_bytes: int
    """Length of that part in bytes (where a repair cuts)."""
    line: int | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the whole log verified."""
        return self.status == "ok"

    @property
    def events(self) -> int:
        """Number of events that verified, counted from the first line."""
        return self.tip.count

    def __str__(self) -> str:
        if self.status == "ok":
            return f"OK: {self.tip.count} events, chain intact, head {self.tip.token}"
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.status.upper()}: {where}{self.reason}"


def scan(
    fh: BinaryIO, head: Head | None, anchor: Head | None = None, block_size: int = BLOCK_SIZE
) -> VerifyResult:
    """Verify the log read from `fh` against its `head` file and an optional `anchor`.

    The anchor is a head copied off the machine earlier: the log must still hold that many
    events with the same last hash (it may have grown since).
    """
    # The hot loop: per line one rfind, two byte comparisons and one SHA-256, nothing parsed.
    marks = sorted({h.count for h in (head, anchor) if h is not None and h.count > 0})
    mark = marks.pop(0) if marks else -1
    seen: dict[int, str] = {0: GENESIS}
    sha, key, end = hashlib.sha256, _PREV, b'"}'
    expected, before = GENESIS.encode(), b""
    n = offset = 0
    rest = b""
    while block := fh.read(block_size):
        data = rest + block
        lines = data.split(b"\n")
        rest = lines.pop()
        first = n
        for line in lines:
            p = line.rfind(key)
            if (
                p < 0
                or not line.endswith(end)
                or not line.startswith(b'"prev":"%b","seq":%d,"ticket":' % (expected, n + 1), p)
            ):
                done = lines[: n - first]
                good = offset + sum(len(x) for x in done) + len(done)
                following = _following(lines[n - first + 1 :], rest, fh, block_size)
                state = _State(n, good, expected.decode(), before.decode(), seen)
                return _diagnose(line, following, state, head, anchor)
            n += 1
            before = expected
            expected = sha(line).hexdigest().encode()
            if n == mark:
                seen[n] = expected.decode()
                mark = marks.pop(0) if marks else -1
        offset += len(data) - len(rest)
    good = offset
    state = _State(n, good, expected.decode(), before.decode(), seen)
    if rest:
        return _fragment(rest, state, head, anchor)
    return _check_heads(state, head, anchor)


@dataclass
class _State:
    n: int
    good: int
    last: str
    before: str
    seen: dict[int, str]

    @property
    def tip(self) -> Head:
        return Head(self.n, self.last)

    def bad(self, line: int | None, reason: str, status: Status = "tampered") -> VerifyResult:
        return VerifyResult(status, self.tip, self.good, line, reason)


def _following(
    lines: list[bytes], rest: bytes, fh: BinaryIO, block_size: int
) -> Iterator[tuple[bytes, bool]]:
    """The lines after a bad one, each with whether it ends in a newline."""
    yield from ((line, True) for line in lines)
    while block := fh.read(block_size):
        parts = (rest + block).split(b"\n")
        rest = parts.pop()
        yield from ((line, True) for line in parts)
    if rest:
        yield rest, False


def _covered(i: int, head: Head | None, anchor: Head | None) -> bool:
    return any(h is not None and h.count >= i for h in (head, anchor))


def _diagnose(
    line: bytes,
    following: Iterator[tuple[bytes, bool]],
    state: _State,
    head: Head | None,
    anchor: Head | None,
) -> VerifyResult:
    """Name the first bad line, given line i = state.n + 1 failed the fast check."""
    i = state.n + 1
    nxt = next(following, None)
    fields = parse_envelope(line)
    if isinstance(fields, str):
        if nxt is None and not _covered(i, head, anchor):
            failed = _check_heads(state, head, anchor)
            torn = f"torn final line of {len(line)} bytes ({fields})"
            return failed if not failed.ok else state.bad(i, torn, "torn")
        return state.bad(i, f"not a valid event ({fields})")
    seq, prev = fields
    if seq != i:
        return _wrong_seq(i, seq, prev, state)
    if prev != state.last:
        return _wrong_prev(i, line, nxt, state, (head, anchor))
    return state.bad(i, "changed: the envelope is not in canonical form")


def _wrong_prev(
    i: int,
    line: bytes,
    nxt: tuple[bytes, bool] | None,
    state: _State,
    heads: tuple[Head | None, Head | None],
) -> VerifyResult:
    """Line i does not chain from line i-1: line i-1 changed if whatever follows vouches for i."""
    mine = line_hash(line)
    if nxt is not None:
        fields = parse_envelope(nxt[0])
        intact = nxt[1] and not isinstance(fields, str) and fields[1] == mine
    else:
        intact = any(h is not None and h.count == i and h.last == mine for h in heads)
    if intact and i > 1:
        return state.bad(
            i - 1, f"changed: its hash no longer matches the prev hash recorded in line {i}"
        )
    return state.bad(i, f"changed: its prev hash does not match line {i - 1}")


def _wrong_seq(i: int, seq: int, prev: str, state: _State) -> VerifyResult:
    """Line i carries another seq: edited, or lines deleted, moved or inserted."""
    if prev == state.last:
        return state.bad(i, f"seq is {seq} where {i} is expected (the line was edited)")
    if seq == i - 1 and prev == state.before:
        return state.bad(i - 1, f"inserted: line {i} also claims seq {seq} after the same line")
    if seq > i:
        missing = f"{seq - i} line(s) before it are missing (deleted or moved)"
        return state.bad(i, f"seq is {seq} where {i} is expected: {missing}")
    return state.bad(
        i, f"seq is {seq} where {i} is expected: a line was inserted or moved before it"
    )


def _fragment(rest: bytes, state: _State, head: Head | None, anchor: Head | None) -> VerifyResult:
    """The log ends in bytes without a newline: torn, unless a head records that line."""
    i = state.n + 1
    if _covered(i, head, anchor):
        return state.bad(i, "no line end, yet the head records the line as written (cut or edited)")
    failed = _check_heads(state, head, anchor)
    if not failed.ok:
        return failed
    return state.bad(i, f"torn final line: {len(rest)} bytes without a line end", "torn")


def _check_heads(state: _State, head: Head | None, anchor: Head | None) -> VerifyResult:
    """Compare the verified chain with the head file and the anchor."""
    n, seen = state.n, state.seen
    warnings: list[str] = []
    if anchor is not None:
        if anchor.count > n:
            return state.bad(
                n + 1,
                f"the log ends after line {n} but the head copy records "
                f"{anchor.count} events (lines cut from the end)",
            )
        if seen[anchor.count] != anchor.last:
            return state.bad(anchor.count, "changed: its hash does not match the head copy")
    if head is None:
        if n:
            warnings.append("no head file: lines cut from the end show only against a head copy")
    elif head.count > n:
        return state.bad(
            n + 1,
            f"the log ends after line {n} but the head records "
            f"{head.count} events (lines cut from the end)",
        )
    elif seen[head.count] != head.last:
        return state.bad(
            head.count,
            "changed: its hash does not match the head file (or the head was edited)",
        )
    elif head.count == n - 1:
        warnings.append(
            "the head is one event behind (an append was interrupted before "
            "updating it); the next append brings it up to date"
        )
    elif head.count < n:
        return state.bad(
            head.count + 2,
            f"the head records {head.count} events, yet lines "
            f"{head.count + 1}..{n} follow (the head was replaced by an older copy?)",
        )
    return VerifyResult("ok", state.tip, state.good, warnings=tuple(warnings))
