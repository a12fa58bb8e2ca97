"""Verify a whole log in one pass: the chain, the signatures, the head and a checkpoint.

The hot loop hashes each stored line once (SHA-256, the same bytes that were written, no JSON
parsing) and checks the envelope by comparing bytes: the ``prev`` hash, the ``mac`` field's
place, the line end and the time order. Signatures are checked where they count: the last
signed line's signature covers, through the chain, every line before it. Only when something
fails does a slower path parse lines and check every signature, to name the first bad line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Literal

from dzict.ticketlog.chain import (
    END,
    GENESIS,
    PREV,
    Head,
    is_signed,
    line_hash,
    mac_valid,
    parse_envelope,
    prev_at,
)
from dzict.ticketlog.headfile import HeadRecord, HeadView
from dzict.ticketlog.signing import Signer

BLOCK_SIZE = 1 << 24
Status = Literal["ok", "tampered", "torn", "unsigned", "unchecked"]
EXIT_CODES: dict[str, int] = {"ok": 0, "tampered": 1, "torn": 2, "unsigned": 3, "unchecked": 3}
"""The exit code of ``invoke ticket.verify`` for each status (4: the log cannot be read)."""
_REKEY = b'"action":"rekey"'


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking a log.

    `status` is ``ok``, ``tampered`` (first bad line), ``torn`` (crash mid-write),
    ``unsigned`` (a key was given but no event is signed yet) or ``unchecked`` (signed events,
    no key given). `problem` names what repair acts on: ``line``, ``torn``, ``head-missing``,
    ``head-invalid``, ``head-ahead``, ``head-mismatch``, ``head-unsigned``, ``key``,
    ``unsigned``, ``unchecked`` or ``""``.
    """

    status: Status
    tip: Head
    """Count and last hash of the part of the log that verified."""
    good_bytes: int
    """Length of that part in bytes (where a repair cuts)."""
    line: int | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()
    problem: str = ""
    signed_from: int = 0
    """Seq of the first signed event (0: none)."""
    pending: int = 0
    """Events after the head: written, not yet committed (or the writer died before)."""
    head: HeadRecord | None = field(default=None, compare=False)
    notes: tuple[str, ...] = ()
    stale_head: bool = False
    """The head needs a commit: behind the log, missing, or one slot torn."""

    @property
    def ok(self) -> bool:
        """True when the whole log verified."""
        return self.status == "ok"

    @property
    def events(self) -> int:
        """Number of events that verified, counted from the first line."""
        return self.tip.count

    @property
    def exit_code(self) -> int:
        """0 ok, 1 tampered, 2 torn, 3 unsigned or unchecked."""
        return EXIT_CODES[self.status]

    def __str__(self) -> str:
        n = self.tip.count
        if self.status == "ok":
            return f"OK: {n} events, chain intact, head {self.tip.token}"
        if self.status == "unsigned":
            return (
                f"UNSIGNED: {n} events, chain intact, none signed (written before the key); "
                "the next append or `invoke ticket.repair` starts signing"
            )
        if self.status == "unchecked":
            return (
                f"UNCHECKED: {n} events, chain intact; the signatures from event "
                f"{self.signed_from} on were not checked (no key given)"
            )
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.status.upper()}: {where}{self.reason}"


WINDOW = 160
"""Bytes at the end of a line that hold its ``prev`` hash and nothing else of 64 hex digits.

After ``prev`` come only ``seq``, ``ticket`` and ``ts`` (at most 94 bytes with a ten-digit seq
and a 30-byte ticket id); a hash anywhere in ``data`` is followed by at least ``event``, the
envelope's own ``prev`` and that tail (over 200 bytes). So a line's ``prev`` equals H exactly
when H occurs in its last WINDOW bytes.
"""


@dataclass
class _State:
    """Where the scan stands; the hot loop keeps it in locals and stores it back."""

    marks: list[int]
    mark: int = -1
    n: int = 0
    expected: bytes = GENESIS.encode()
    before: bytes = b""
    """The last line that verified (its own prev names the line before it)."""
    back: int = -WINDOW
    """Where the previous line's prev hash started, counted from its end (usually the same)."""
    signed: bool = False
    signed_from: int = 0
    seen: dict[int, tuple[str, int]] = field(default_factory=lambda: {0: (GENESIS, 0)})
    good: int = 0
    before_bad: bytes = b""

    def next_mark(self) -> None:
        self.mark = self.marks.pop(0) if self.marks else -1

    @property
    def tip(self) -> Head:
        return Head(self.n, self.expected.decode())

    def bad(
        self, line: int | None, reason: str, status: Status = "tampered", problem: str = "line"
    ) -> VerifyResult:
        return VerifyResult(
            status, self.tip, self.good, line, reason, problem=problem, signed_from=self.signed_from
        )


def _chain(part: list[bytes], st: _State) -> int:
    """The hot loop: check that each line carries the hash of the one before; hash it.

    Returns how many lines of `part` verified. Per line: one ``startswith`` where the hash
    was in the line before (a ``find`` in the window when that misses) and one SHA-256.
    """
    sha = hashlib.sha256
    expected, back = st.expected, st.back
    for line in part:
        if not line.startswith(expected, back):
            at = line.find(expected, -WINDOW)
            if at < 0:  # an unusually long tail: the last "prev":" is the envelope's
                at = line.rfind(PREV) + 8
                if at < 8 or not line.startswith(expected, at):
                    break
            back = at - len(line)
        expected = sha(line).hexdigest().encode()
    else:
        done = len(part)
        st.n += done
        st.expected, st.back = expected, back
        if done:
            st.before = part[-1]
        return done
    done = next(i for i, x in enumerate(part) if x is line)
    st.n += done
    st.expected, st.back = expected, back
    if done:
        st.before = part[done - 1]
    return done


def _walk(lines: list[bytes], st: _State) -> int:
    """Run the hot loop over a block, stopping at each event a head or checkpoint names."""
    index = 0
    while index < len(lines):
        stop = len(lines)
        if st.mark > st.n and st.mark - st.n < stop - index:
            stop = index + st.mark - st.n
        part = lines if index == 0 and stop == len(lines) else lines[index:stop]
        done = _chain(part, st)
        if done < len(part):
            return index + done
        index = stop
        if st.n == st.mark:
            offset = st.good + sum(len(x) + 1 for x in lines[:index])
            st.seen[st.n] = (st.expected.decode(), offset)
            st.next_mark()
    return index


def _signing_starts(lines: list[bytes], st: _State) -> None:
    """Find where signing starts in a block: lines are unsigned up to a point, signed after.

    Only the block's last line is looked at unless it is signed; then a binary search finds
    the first signed line (a log tampered otherwise fails its last signature anyway).
    """
    if not lines or not _signed(lines[-1]):
        return
    low, high = 0, len(lines) - 1
    while low < high:
        middle = (low + high) // 2
        if _signed(lines[middle]):
            high = middle
        else:
            low = middle + 1
    st.signed, st.signed_from = True, st.n + low + 1


def _find_signing(fh: BinaryIO, st: _State) -> None:
    """Read the log again for its first signed line (the quick look in scan missed it)."""
    fh.seek(0)
    for number, line in enumerate(fh, start=1):
        if _signed(line.rstrip(b"\n")):
            st.signed, st.signed_from = True, number
            return


def _signed(line: bytes) -> bool:
    return is_signed(line, prev_at(line))


def scan(
    fh: BinaryIO,
    view: HeadView | None,
    anchor: Head | HeadRecord | None = None,
    signer: Signer | None = None,
    block_size: int = BLOCK_SIZE,
) -> VerifyResult:
    """Verify the log read from `fh` against its head file, a checkpoint and the key.

    The anchor is a head or checkpoint copied off the machine earlier: the log must still hold
    that many events with the same last hash (it may have grown since).
    """
    head = view.record if view is not None else None
    counts = {h.count for h in (head, anchor) if h is not None and h.count > 0}
    st = _State(sorted(counts))
    st.next_mark()
    rest = b""
    while block := fh.read(block_size):
        data = rest + block
        lines = data.split(b"\n")
        rest = lines.pop()
        if not st.signed:
            _signing_starts(lines, st)
        index = _walk(lines, st)
        if index < len(lines):
            st.good += sum(len(x) + 1 for x in lines[:index])
            following = _following(lines[index + 1 :], rest, fh, block_size)
            return _diagnose(lines[index], following, st, view, anchor)
        st.good += len(data) - len(rest)
    if rest:
        return _fragment(rest, st, view, anchor)
    return _finish(fh, st, view, anchor, signer)


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


def _covered(i: int, view: HeadView | None, anchor: Head | HeadRecord | None) -> bool:
    head = view.record if view is not None else None
    return any(h is not None and h.count >= i for h in (head, anchor))


def _diagnose(  # noqa: PLR0911 (one return per kind of damage)
    line: bytes,
    following: Iterator[tuple[bytes, bool]],
    st: _State,
    view: HeadView | None,
    anchor: Head | HeadRecord | None,
) -> VerifyResult:
    """Name the first bad line, given line i = st.n + 1 failed the fast check.

    The fast check looks only for the chain hash, so the line before may have passed it and
    still be no event (a line split in two: its first part holds the hash): that one is named.
    """
    if st.n and (why := _not_an_event(st.before)):
        _step_back(st)
        return st.bad(st.n + 1, f"not a valid event ({why})")
    i = st.n + 1
    nxt = next(following, None)
    fields = parse_envelope(line)
    if isinstance(fields, str):
        if nxt is None and not _covered(i, view, anchor):
            failed = _check_heads(st, view, anchor)
            torn = f"torn final line of {len(line)} bytes ({fields})"
            return failed if not failed.ok else st.bad(i, torn, "torn", "torn")
        return st.bad(i, f"not a valid event ({fields})")
    seq, prev = fields
    if seq != i:
        return _wrong_seq(i, seq, prev, st)
    if prev != st.expected.decode():
        return _wrong_prev(i, line, nxt, st, view, anchor)
    if st.signed and not is_signed(line, prev_at(line)):
        return st.bad(
            i, f"no signature, though the events from line {st.signed_from} on are signed"
        )
    return st.bad(i, "changed: the envelope is not in canonical form")


def _not_an_event(line: bytes) -> str:
    """Why a line that chained is still not an event in canonical form ("" when it is one)."""
    fields = parse_envelope(line)
    if isinstance(fields, str):
        return fields
    return "" if line.endswith(END) and line.startswith(b'{"data":') else "not in canonical form"


def _wrong_prev(  # noqa: PLR0917 (the facts of one failure)
    i: int,
    line: bytes,
    nxt: tuple[bytes, bool] | None,
    st: _State,
    view: HeadView | None,
    anchor: Head | HeadRecord | None,
) -> VerifyResult:
    """Line i does not chain from line i-1: line i-1 changed if whatever follows vouches for i."""
    mine = line_hash(line)
    if nxt is not None:
        fields = parse_envelope(nxt[0])
        intact = nxt[1] and not isinstance(fields, str) and fields[1] == mine
    else:
        head = view.record if view is not None else None
        intact = any(h is not None and h.count == i and h.last == mine for h in (head, anchor))
    if intact and i > 1:
        _step_back(st)
        fields = parse_envelope(st.before_bad)
        if not isinstance(fields, str) and fields[0] != i - 1:
            return st.bad(
                i - 1, f"seq is {fields[0]} where {i - 1} is expected (the line was edited)"
            )
        return st.bad(
            i - 1, f"changed: its hash no longer matches the prev hash recorded in line {i}"
        )
    return st.bad(i, f"changed: its prev hash does not match line {i - 1}")


def _wrong_seq(i: int, seq: int, prev: str, st: _State) -> VerifyResult:
    """Line i carries another seq: edited, or lines deleted, moved or inserted."""
    if prev == st.expected.decode():
        return st.bad(i, f"seq is {seq} where {i} is expected (the line was edited)")
    if seq == i - 1 and st.before and prev == _hash_before(st):
        _step_back(st)
        return st.bad(i - 1, f"inserted: line {i} also claims seq {seq} after the same line")
    if seq > i:
        missing = f"{seq - i} line(s) before it are missing (deleted or moved)"
        return st.bad(i, f"seq is {seq} where {i} is expected: {missing}")
    return st.bad(i, f"seq is {seq} where {i} is expected: a line was inserted or moved before it")


def _hash_before(st: _State) -> str:
    """The prev hash that line st.n itself carries (the hash of line st.n - 1)."""
    p = prev_at(st.before)
    return st.before[p + 8 : p + 72].decode() if p >= 0 else ""


def _step_back(st: _State) -> None:
    """Take the last verified line (st.before) out of the verified part: it is the bad one."""
    st.before_bad = st.before
    st.good -= len(st.before) + 1
    st.n -= 1
    st.expected = _hash_before(st).encode()


def _fragment(
    rest: bytes, st: _State, view: HeadView | None, anchor: Head | HeadRecord | None
) -> VerifyResult:
    """The log ends in bytes without a newline: torn, unless a head records that line."""
    i = st.n + 1
    if _covered(i, view, anchor):
        return st.bad(i, "no line end, yet the head records the line as written (cut or edited)")
    failed = _check_heads(st, view, anchor)
    if not failed.ok:
        return failed
    return st.bad(i, f"torn final line: {len(rest)} bytes without a line end", "torn", "torn")


def _finish(
    fh: BinaryIO,
    st: _State,
    view: HeadView | None,
    anchor: Head | HeadRecord | None,
    signer: Signer | None,
) -> VerifyResult:
    """The chain held to the end: the key, signatures, then the checkpoint and the head."""
    if view is not None and view.key_problem:
        return st.bad(None, f"the head is {view.key_problem}", problem="key")
    if not st.signed and view is not None and view.record is not None and view.record.kid:
        _find_signing(fh, st)  # a signed head, yet the last lines are unsigned: look closer
    last = _last_problem(st)
    if last:
        _step_back(st)
        return st.bad(st.n + 1, last)
    if st.signed and signer is not None and not mac_valid(st.before, signer):
        return _bad_signature(fh, st, signer)
    return _summary(st, view, anchor, signer)


def _summary(
    st: _State, view: HeadView | None, anchor: Head | HeadRecord | None, signer: Signer | None
) -> VerifyResult:
    """Every line verified: the checkpoint, the head, and what the signatures cover."""
    heads = _check_heads(st, view, anchor)
    if not heads.ok:
        return heads
    notes = list(heads.notes)
    if st.signed_from > 1:
        notes.append(
            f"events 1..{st.signed_from - 1} are unsigned (written before the key); the "
            f"signature of event {st.signed_from} and later covers them since"
        )
    if st.signed and signer is None:
        return _with(heads, status="unchecked", problem="unchecked", notes=tuple(notes))
    if signer is not None and not st.signed and st.n > 0:
        return _with(heads, status="unsigned", problem="unsigned", notes=tuple(notes))
    return _with(heads, notes=tuple(notes))


def _last_problem(st: _State) -> str:
    """Why the last line is not event st.n in canonical form ("" when it is)."""
    if st.n == 0:
        return ""
    line = st.before
    fields = parse_envelope(line)
    if isinstance(fields, str):
        return f"not a valid event ({fields})"
    p = prev_at(line)
    if fields[0] != st.n or not line.endswith(END) or p < 0:
        return f"not event {st.n} in canonical form"
    if st.signed and not is_signed(line, p):
        return f"no signature, though the events from line {st.signed_from} on are signed"
    return ""


def _with(result: VerifyResult, **changes: object) -> VerifyResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _bad_signature(fh: BinaryIO, st: _State, signer: Signer) -> VerifyResult:
    """The last signature fails: read the log again and name the first line whose fails.

    A valid ``rekey`` repair event forgives the lines before it (signed with an earlier key).
    """
    fh.seek(0)
    bad: tuple[int, bytes, int] = (st.n, b"", st.good - len(st.before) - 1)
    offset = 0
    found = False
    for number, raw in enumerate(fh, start=1):
        if number >= st.signed_from and raw.endswith(b"\n"):
            line = raw[:-1]
            if not mac_valid(line, signer):
                if not found:
                    bad, found = (number, line, offset), True
            elif _REKEY in line:
                found = False  # re-keyed here: the lines before were signed with another key
        offset += len(raw)
    number, line, offset = bad
    p = prev_at(line or st.before)
    prev = (line or st.before)[p + 8 : p + 72].decode()
    if number == st.signed_from:
        why = "its signature does not match (this line or an unsigned line before it changed, "
        why += "or the log was signed with another key)"
    else:
        why = "its signature does not match (forged, or rewritten without the key)"
    return VerifyResult(
        "tampered",
        Head(number - 1, prev),
        offset,
        number,
        why,
        problem="line",
        signed_from=st.signed_from,
    )


def _check_heads(
    st: _State, view: HeadView | None, anchor: Head | HeadRecord | None
) -> VerifyResult:
    """Compare the verified chain with the checkpoint and the head file."""
    anchored = _check_anchor(st, anchor)
    if anchored is not None:
        return anchored
    return _check_head(st, view)


def _check_anchor(st: _State, anchor: Head | HeadRecord | None) -> VerifyResult | None:
    n = st.n
    if anchor is None:
        return None
    if anchor.count > n:
        return st.bad(
            n + 1,
            f"the log ends after line {n} but the checkpoint records {anchor.count} events "
            "(lines cut from the end, or an older copy of the log)",
        )
    last, size = st.seen[anchor.count]
    if last != anchor.last:
        return st.bad(anchor.count, "changed: its hash does not match the checkpoint")
    if isinstance(anchor, HeadRecord) and anchor.size is not None and anchor.size != size:
        return st.bad(anchor.count, "changed: the log's size there differs from the checkpoint")
    return None


def _check_head(st: _State, view: HeadView | None) -> VerifyResult:  # noqa: PLR0911
    n = st.n
    ok = VerifyResult("ok", st.tip, st.good, signed_from=st.signed_from)
    warnings = []
    if view is None or view.empty:
        if n and st.signed:
            return st.bad(
                None,
                "no head file, though the log is signed: lines may have been cut from the end "
                "(compare with a checkpoint; `invoke ticket.repair --force` writes a new head)",
                problem="head-missing",
            )
        if n:
            warnings.append("no head file: lines cut from the end show only against a checkpoint")
        return _with(ok, warnings=tuple(warnings), stale_head=n > 0)
    head = view.record
    if head is None:
        return st.bad(
            None,
            f"the head file is not a valid head ({'; '.join(view.problems)})",
            problem="head-invalid",
        )
    if head.count > n:
        return st.bad(
            n + 1,
            f"the log ends after line {n} but the head records "
            f"{head.count} events (lines cut from the end)",
            problem="head-ahead",
        )
    last, size = st.seen[head.count]
    if last != head.last or (head.size is not None and head.size != size):
        return st.bad(
            head.count,
            "changed: its hash does not match the head file (or the head was edited)",
            problem="head-mismatch",
        )
    if st.signed and st.signed_from <= head.count and head.kid is None:
        return st.bad(
            None,
            f"the head is not signed, though events up to {head.count} are (the head was replaced)",
            problem="head-unsigned",
        )
    warnings += [f"head file {p} (a torn write; the other slot is used)" for p in view.problems]
    if head.count < n:
        warnings.append(
            f"the head is {n - head.count} event(s) behind: appends not yet committed, or "
            "interrupted before committing; the next append or `invoke ticket.repair` "
            "commits them"
        )
    stale = head.count < n or bool(view.problems) or view.legacy
    return _with(ok, warnings=tuple(warnings), pending=n - head.count, head=head, stale_head=stale)
