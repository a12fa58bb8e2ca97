"""The log's files on disk: all-or-nothing appends with group commit, locks and the head.

Two locks, both ``flock``: the *append lock* on the log file and the *commit lock* on the head
file. An append takes the append lock, checks the tail of the log against the head, writes its
line with one ``write`` (a failed or short write is cut off again: nothing stays), and lets the
lock go. It then takes the commit lock: if a commit already covered its line it is done;
otherwise it commits every line written so far with one ``fdatasync`` of the log and one
in-place write of the head, so one disk flush covers every append queued behind the lock. An
append returns only once its line is on disk. When the flush or the head write fails, the
uncommitted lines are cut off again and every append waiting on them fails: nothing of them is
recorded, so a retry records each once.

Lock order: whoever needs both takes the commit lock first (a commit and a repair do); an
append never waits for the commit lock while it holds the append lock.
"""

from __future__ import annotations

import fcntl
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dzict.ticketlog.chain import (
    GENESIS,
    Link,
    check_link,
    is_signed,
    line_hash,
    parse_envelope,
    prev_at,
    stamp_of,
    utc_stamp,
    write_all,
)
from dzict.ticketlog.exceptions import (
    TicketKeyError,
    TicketLogTampered,
    TicketLogTorn,
    TicketLogUnreadable,
    TicketLogWriteError,
)
from dzict.ticketlog.headfile import (
    SLOT,
    SLOTS,
    HeadRecord,
    HeadView,
    claimed,
    read_slots,
    seal,
    write_slot,
)
from dzict.ticketlog.reading import reverse_lines
from dzict.ticketlog.signing import Signer

PENDING_LIMIT = 16 << 20
"""Bytes after the head an append checks line by line; more means a repair is due."""
GATHER = 0.002
"""At most this long a commit waits for the other busy writers' lines (see _gather)."""
_RETRY = 0.0002
"""Seconds between two looks at the log while a commit waits for lines."""
LEGACY_LOOKBACK = 100_000
"""Lines an append walks back to find the last event an old head (no size) records."""


def head_path(log: Path) -> Path:
    """The head file beside a log: ``<log>.head``."""
    return log.with_name(log.name + ".head")


@dataclass(frozen=True)
class Tip:
    """The end of the log as an append sees it: last event, its hash, time and the size."""

    count: int
    last: str
    end: int
    ts: bytes
    signed: bool


@contextmanager
def flocked(fd: int, how: int) -> Iterator[None]:
    """Hold ``flock(fd, how)`` for the block."""
    fcntl.flock(fd, how)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class Store:
    """The log file and its head file, as one signer and one clock write them."""

    def __init__(self, path: Path, signer: Signer | None) -> None:
        self.path = path
        self.head_path = head_path(path)
        self.signer = signer
        self._seen: tuple[bytes, HeadView] = (b"", HeadView(None))

    @property
    def advice(self) -> str:
        """What an officer runs when the log refuses an append."""
        return f"run `invoke ticket.verify`, then `invoke ticket.repair` on {self.path}"

    # -- opening ------------------------------------------------------------------------------

    @contextmanager
    def errors(self, writing: bool) -> Iterator[None]:
        """An OSError becomes one line naming the file; for a write, nothing was recorded."""
        try:
            yield
        except OSError as exc:
            name = exc.filename or self.path
            why = exc.strerror or str(exc)
            if writing:
                raise TicketLogWriteError(
                    f"{name}: {why}: nothing was recorded (free space or make the folder "
                    "writable, then retry)"
                ) from None
            raise TicketLogUnreadable(f"cannot read {name}: {why}") from None

    @contextmanager
    def files(self, writing: bool) -> Iterator[tuple[int, int]]:
        """The log and head file descriptors (-1 for a file that does not exist, reading)."""
        try:
            log = _open(self.path, writing, os.O_APPEND)
        except FileNotFoundError:
            if not writing:
                raise
            self.path.parent.mkdir(parents=True, exist_ok=True)
            log = _open(self.path, writing, os.O_APPEND)
        try:
            head = _open(self.head_path, writing, 0)
            try:
                yield log, head
            finally:
                if head >= 0:
                    os.close(head)
        finally:
            if log >= 0:
                os.close(log)

    def read_head(self, head: int, thorough: bool = False) -> HeadView:
        """The head file's newest valid slot (an empty view when there is none).

        `thorough` also checks the older slot (verify reports it); otherwise the view of the
        same bytes read last time is reused.
        """
        if head < 0:
            return HeadView(None)
        raw = os.pread(head, SLOT * SLOTS + 1, 0)
        if thorough:
            return read_slots(raw, self.signer)
        if raw != self._seen[0]:
            self._seen = (raw, read_slots(raw, self.signer, thorough=False))
        return self._seen[1]

    # -- appending ----------------------------------------------------------------------------

    def append(self, build: Callable[[int, Tip], bytes]) -> None:
        """Write the line `build` makes for the checked tip, then wait until it is committed."""
        with self.errors(writing=True), self.files(writing=True) as (log, head):
            with flocked(log, fcntl.LOCK_EX):
                tip = self.tail(log, head)
                line = build(log, tip)
                self.write_line(log, tip.end, line)
            self.commit(log, head, tip.end, line)

    def write_line(self, log: int, end: int, line: bytes) -> None:
        """Append `line` at `end`; on any failure cut the file back to `end` and re-raise."""
        try:
            write_all(log, line)
        except OSError:
            _cut(log, end)
            raise

    def tail(self, log: int, head: int) -> Tip:
        """The checked end of the log: refuses a torn log or one its head disagrees with."""
        end = os.fstat(log).st_size
        view = self.read_head(head)
        if view.key_problem:
            raise TicketKeyError(f"{self.head_path}: {view.key_problem}; use that key")
        if view.record is None and not view.empty:
            raise TicketLogTampered(
                f"{self.head_path} is not a valid head ({'; '.join(view.problems)}); {self.advice}"
            )
        if end == 0:
            return self._genesis(head, view)
        if os.pread(log, 1, end - 1) != b"\n":
            raise TicketLogTorn(f"the last line of {self.path} is torn; {self.advice}")
        if view.record is None:
            raise TicketLogTampered(f"{self.path} has no head file; {self.advice}")
        tip = self.newest(log, self.committed(log, view.record, end), end)
        self._check_key(tip, view.record)
        return tip

    def _genesis(self, head: int, view: HeadView) -> Tip:
        """An empty log: write the head of no events first (the next commit needs it)."""
        if view.record is not None and view.record.count > 0:
            raise TicketLogTampered(
                f"{self.path} is empty but its head records {view.record.count} events; "
                f"{self.advice}"
            )
        if view.empty:
            self.write_head(head, view, self.record_for(Tip(0, GENESIS, 0, b"", False)))
        return Tip(0, GENESIS, 0, b"", False)

    def _check_key(self, tip: Tip, head: HeadRecord) -> None:
        if self.signer is None and (tip.signed or head.kid is not None):
            raise TicketKeyError(
                f"{self.path} is signed (key id {head.kid or '?'}) and no key was given: "
                "set DZICT_TICKET_LOG_KEY_FILE or the vault's vault_ticket_log_key"
            )

    def committed(self, log: int, head: HeadRecord, end: int) -> Tip:
        """The tip the head records, checked against the line it names."""
        if head.size is None:
            return self._legacy_committed(log, head, end)
        if head.size > end:
            raise TicketLogTampered(
                f"{self.path} holds {end} bytes but its head records {head.count} events in "
                f"{head.size} bytes (lines cut from the end?); {self.advice}"
            )
        if head.size == 0:
            if head.count or head.last != GENESIS:
                raise TicketLogTampered(f"{self.head_path} is not a valid head; {self.advice}")
            return Tip(0, GENESIS, 0, b"", False)
        last = next(reverse_lines(log, head.size), b"")
        if line_hash(last) != head.last:
            raise TicketLogTampered(
                f"event {head.count} of {self.path} does not match its head; {self.advice}"
            )
        if self.signer is not None and is_signed(last, prev_at(last)) and head.kid is None:
            raise TicketLogTampered(f"{self.head_path} is not signed; {self.advice}")
        return Tip(head.count, head.last, head.size, stamp_of(last), is_signed(last, prev_at(last)))

    def _legacy_committed(self, log: int, head: HeadRecord, end: int) -> Tip:
        """A head written before heads recorded the size: find its event from the end."""
        pos = end
        for number, line in enumerate(reverse_lines(log, end)):
            fields = parse_envelope(line)
            if number >= LEGACY_LOOKBACK or isinstance(fields, str) or fields[0] < head.count:
                break
            if fields[0] == head.count and line_hash(line) == head.last:
                return Tip(head.count, head.last, pos, stamp_of(line), False)
            pos -= len(line) + 1
        if head.count == 0 and head.last == GENESIS:
            return Tip(0, GENESIS, 0, b"", False)
        raise TicketLogTampered(
            f"{self.path} does not hold event {head.count} its head records; {self.advice}"
        )

    def follow(self, log: int, start: Tip, end: int) -> Tip:
        """Check the lines written after the head (not committed yet) and return the tip."""
        if end - start.end > PENDING_LIMIT:
            raise TicketLogTampered(
                f"{end - start.end} bytes of {self.path} follow its head; {self.advice}"
            )
        data = os.pread(log, end - start.end, start.end) if end > start.end else b""
        lines = data.split(b"\n")[:-1]
        count, last, ts, signed = start.count, start.last, start.ts, start.signed
        for number, line in enumerate(lines, start=count + 1):
            link = check_link(line, last, number, ts, self.signer, signed)
            if isinstance(link, str):
                self._refuse_line(number, link, number == count + len(lines))
            assert isinstance(link, Link)
            last, ts, signed = link.hash, link.ts, link.signed
        return Tip(count + len(lines), last, end, ts, signed)

    def newest(self, log: int, start: Tip, end: int) -> Tip:
        """The tip after the lines written since the head: the last line, checked in full.

        Every append checked the lines before its own when it wrote it, so a last line that is
        a valid next event (its signature right, chained to the line before it, one seq on)
        vouches for all lines between the head and itself; a forged or replayed last line is
        refused.
        """
        if end == start.end:
            return start
        if end - start.end > PENDING_LIMIT:
            raise TicketLogTampered(
                f"{end - start.end} bytes of {self.path} follow its head; {self.advice}"
            )
        lines = reverse_lines(log, end)
        last = next(lines)
        before = start if end - len(last) - 1 == start.end else _tip_of(next(lines, b""))
        if before is None or (before is not start and before.count <= start.count):
            raise TicketLogTampered(
                f"the lines after the head of {self.path} are not events in order; {self.advice}"
            )
        link = check_link(
            last, before.last, before.count + 1, before.ts, self.signer, before.signed
        )
        if isinstance(link, str):
            self._refuse_line(before.count + 1, link, True)
        assert isinstance(link, Link)
        return Tip(before.count + 1, link.hash, end, link.ts, link.signed)

    def _refuse_line(self, number: int, reason: str, final: bool) -> None:
        if final and (reason.startswith("not valid JSON") or reason.startswith("not a JSON")):
            raise TicketLogTorn(
                f"the last line of {self.path} is not an event ({reason}); {self.advice}"
            )
        raise TicketLogTampered(f"line {number} of {self.path}: {reason}; {self.advice}", number)

    # -- committing ---------------------------------------------------------------------------

    def commit(self, log: int, head: int, start: int, line: bytes) -> None:
        """Return once `line` (written at `start`) is on disk under a head that covers it.

        The shared lock waits out a commit in progress; every waiter wakes when it ends and
        looks whether its line is covered now. A line still not covered first lets other busy
        writers add theirs, holding no lock (so that appends already covered see it and go on
        instead of queueing behind the next commit), then takes the exclusive lock: the first
        to get it commits every line written so far, the others find theirs covered.
        """
        end = start + len(line)
        with flocked(head, fcntl.LOCK_SH):
            view = self.read_head(head)
            if self._covers(view, end):
                return self._confirm(log, start, line)
        _gather(log, view)  # holding no lock: covered appends see it and go on, busy ones write
        with flocked(head, fcntl.LOCK_EX):
            return self._commit_locked(log, head, start, line)

    def _commit_locked(self, log: int, head: int, start: int, line: bytes) -> None:
        """Holding the commit lock: flush the log and write the head for all lines written."""
        view = self.read_head(head)
        if self._covers(view, start + len(line)):
            return self._confirm(log, start, line)
        with flocked(log, fcntl.LOCK_SH):
            size = os.fstat(log).st_size
            self._confirm(log, start, line)
            committed = self.committed(log, view.record, size) if view.record else _EMPTY
            tip = self.newest(log, committed, size)
        try:
            os.fdatasync(log)
            self.write_head(head, view, self.record_for(tip))
        except OSError:
            with flocked(log, fcntl.LOCK_EX):
                _cut(log, committed.end)
            raise
        return None

    @staticmethod
    def _covers(view: HeadView, end: int) -> bool:
        """The head records the log at least up to `end`."""
        record = view.record
        return record is not None and record.size is not None and record.size >= end

    def record_for(self, tip: Tip) -> HeadRecord:
        """The head naming `tip`, stamped with the time it is written and this key's id."""
        kid = self.signer.kid if self.signer is not None else None
        return HeadRecord(tip.count, tip.last, tip.end, utc_stamp(datetime.now(UTC)), kid)

    def write_head(self, head: int, view: HeadView, record: HeadRecord) -> None:
        """Write `record` over the older slot (not flushed: the log's flush came first)."""
        write_slot(head, view.next_slot, seal(record, self.signer))

    def reset_head(self, head: int, record: HeadRecord) -> None:
        """Replace both slots by `record` alone and flush it (repairs: the head goes back)."""
        os.ftruncate(head, 0)
        write_slot(head, 0, seal(record, self.signer))
        os.fsync(head)

    def _confirm(self, log: int, start: int, line: bytes) -> None:
        """The line is still where it was written (an earlier failed commit did not cut it)."""
        if os.pread(log, len(line), start) != line:
            raise TicketLogWriteError(
                f"{self.path}: another append's write to disk failed and was undone with this "
                "one: nothing was recorded, retry"
            )

    # -- repairs ------------------------------------------------------------------------------

    def write_now(self, log: int, head: int, tip: Tip, line: bytes, reset: bool) -> None:
        """Append and commit one line while holding both locks (repairs)."""
        self.write_line(log, tip.end, line)
        try:
            os.fdatasync(log)
            done = self.follow(log, tip, tip.end + len(line))
            if reset:
                self.reset_head(head, self.record_for(done))
            else:
                self.write_head(head, self.read_head(head), self.record_for(done))
                os.fsync(head)
        except OSError:
            _cut(log, tip.end)
            raise


_EMPTY = Tip(0, GENESIS, 0, b"", False)
_SEQ = re.compile(rb'","seq":(\d{1,18}),"ticket":')


def _tip_of(line: bytes) -> Tip | None:
    """Seq, hash, time and signature of a line, read from its bytes (None: not an event)."""
    p = prev_at(line)
    found = _SEQ.match(line, p + 72) if p >= 0 else None
    if found is None:
        return None
    return Tip(int(found.group(1)), line_hash(line), 0, stamp_of(line), is_signed(line, p))


def _gather(log: int, view: HeadView) -> None:
    """Commit delay: when several appends are busy, let their lines in before flushing.

    Busy means the last commit covered several lines, or several wait now. Then the flush
    waits until as many lines wait as the last commit covered (the writers it let go are
    writing their next ones), at most GATHER seconds, so that one flush covers every writer.
    A lone writer never waits.
    """
    record = view.record
    if record is None or record.size is None or view.slot < 0:
        return
    batch = record.count - claimed(view.raw_slots[1 - view.slot])
    size = os.fstat(log).st_size
    if batch < 2 and _waiting(log, record.size, size) < 2:
        return
    deadline = time.monotonic() + GATHER
    while _waiting(log, record.size, os.fstat(log).st_size) < batch:
        if time.monotonic() >= deadline:
            return
        time.sleep(_RETRY)


def _waiting(log: int, committed: int, size: int) -> int:
    """Lines written after the head, not yet committed."""
    return os.pread(log, size - committed, committed).count(b"\n") if size > committed else 0


def _open(path: Path, writing: bool, extra: int) -> int:
    """Open a regular file (read-write and created when writing); -1 when absent, reading."""
    flags = (os.O_RDWR | os.O_CREAT | extra) if writing else os.O_RDONLY
    try:
        fd = os.open(path, flags | os.O_CLOEXEC, 0o644)
    except FileNotFoundError:
        if writing:
            raise
        return -1
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(0, "not a regular file (a folder?)", str(path))
    return fd


def _cut(log: int, end: int) -> None:
    """Cut the log back to `end` and flush: what a failed append wrote is gone."""
    os.ftruncate(log, end)
    os.fdatasync(log)


def head_slots_size() -> int:
    """Bytes of a head file with both slots written."""
    return SLOT * SLOTS


Build = Callable[[int, Tip], bytes]
Record = dict[str, Any]
