"""TicketLog: open, note, change and close tickets in the hash-chained log."""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from dzict.exceptions import TicketError, TicketLogTampered, TicketLogTorn
from dzict.ticketlog.chain import (
    GENESIS,
    Head,
    VerifyResult,
    encode,
    head_path,
    line_hash,
    parse_envelope,
    read_head,
    scan,
    utc_stamp,
    write_all,
    write_head,
)
from dzict.ticketlog.models import (
    CHANNELS,
    NOTE_VISIBILITY,
    PRIORITIES,
    SCHEDULED,
    Event,
    Requester,
    TicketSummary,
    flatten,
    summarise,
)
from dzict.ticketlog.reading import load, reverse_lines, reverse_matches

DEFAULT_PATH = Path("var/ticket-log.jsonl")
ENV_VAR = "DZICT_TICKET_LOG"
DIFF_LIMIT = 16 * 1024
"""Diffs longer than this (bytes of UTF-8) are recorded as their SHA-256 digest and length."""

_CODE = re.compile(r"[A-Z]{2,6}")
_TICKET = re.compile(r"[A-Z]{2,6}-\d{4}-\d{4,}")
_SLUG = re.compile(r"[a-z][a-z0-9-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPENED = b'"event":"opened"'
_CLOSED = b'"event":"closed"'

Make = Callable[[int, int, datetime], tuple[str | None, dict[str, Any]]]


def resolve_path(path: str | Path | None = None, configured: str | Path | None = None) -> Path:
    """The log path: `path` if given, else $DZICT_TICKET_LOG, else `configured`, else the default.

    `configured` is the ``ticket_log`` key of the Invoke configuration (invoke.yaml).
    """
    chosen = path or os.environ.get(ENV_VAR) or configured or DEFAULT_PATH
    return Path(chosen)


def _text(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TicketError(f"{name} must be a non-empty text")
    return value.strip()


def _request_fields(
    office: str | None,
    requester: Requester | None,
    description: str | None,
    tracking_sha256: str | None,
) -> dict[str, Any]:
    """The optional fields of an agency's request, checked; only those given."""
    fields: dict[str, Any] = {}
    if office is not None:
        fields["office"] = _text("office", office)
    if requester is not None:
        fields["requester"] = {
            "name": _text("requester name", requester.name),
            "phone": requester.phone.strip(),
            "email": requester.email.strip(),
        }
    if description is not None:
        fields["description"] = _text("description", description)
    if tracking_sha256 is not None:
        if not _SHA256.fullmatch(tracking_sha256):
            raise TicketError("tracking_sha256 must be 64 lower-case hex digits")
        fields["tracking_sha256"] = tracking_sha256
    return fields


def _received(received: datetime, now: datetime) -> str:
    """The stored time a request was received: an aware time, not after now."""
    if received.tzinfo is None:
        raise TicketError("the time received must carry its time zone")
    if received > now:
        raise TicketError(f"the time received ({received.isoformat()}) is in the future")
    return utc_stamp(received)


def _ticket_id(value: str) -> str:
    """A valid ticket id in capitals (officers may type it in lower case)."""
    tid = value.strip().upper() if isinstance(value, str) else ""
    if not _TICKET.fullmatch(tid):
        raise TicketError(f"not a ticket id: {value!r} (expected like PNK-2026-0001)")
    return tid


class TicketLog:
    """The append-only, hash-chained ticket log of one Dzongkhag.

    `code` is the Dzongkhag code that prefixes new ticket ids (``PNK-2026-0001``).
    `clock` returns the current time (tests pass a fixed one).
    """

    def __init__(
        self,
        path: Path | str | None = None,
        code: str = "DZK",
        *,
        diff_limit: int = DIFF_LIMIT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not _CODE.fullmatch(code):
            raise TicketError(f"Dzongkhag code must be 2 to 6 capital letters, not {code!r}")
        self.path = resolve_path(path)
        self.head_path = head_path(self.path)
        self.code = code
        self.diff_limit = diff_limit
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"TicketLog({str(self.path)!r}, code={self.code!r})"

    # -- writing ---------------------------------------------------------------------------

    def open(  # noqa: PLR0917 (the API other modules call)
        self,
        agency: str,
        category: str,
        channel: str,
        priority: str,
        summary: str,
        officer: str,
        *,
        office: str | None = None,
        requester: Requester | None = None,
        description: str | None = None,
        received: datetime | None = None,
        tracking_sha256: str | None = None,
        reference: str | None = None,
    ) -> str:
        """Open a ticket and return its new id.

        The keywords come with an agency's request: the office it came from, who asked and how
        to reach them, the full text, when the unit received it (phone, fax, walk-in requests
        are entered later; never after now), the SHA-256 of the requester's tracking token
        (the token itself is never stored) and the channel's own reference (an e-mail's
        Message-ID), which keeps one message from opening two tickets.
        """
        category = _text("category", category).lower()
        if not _SLUG.fullmatch(category):
            raise TicketError(
                f"category must be one word like 'wifi' or 'os-patch', not {category!r}"
            )
        if channel not in (*CHANNELS, SCHEDULED):
            raise TicketError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
        if priority not in PRIORITIES:
            raise TicketError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
        data = {
            "agency": _text("agency", agency),
            "category": category,
            "channel": channel,
            "priority": priority,
            "summary": _text("summary", summary),
            "officer": _text("officer", officer),
        }
        data.update(_request_fields(office, requester, description, tracking_sha256))
        if reference is not None:
            data["reference"] = _text("reference", reference)

        def make(fd: int, end: int, now: datetime) -> tuple[str | None, dict[str, Any]]:
            if received is not None:
                data["received"] = _received(received, now)
            return self._next_id(fd, end, now), data

        return str(self._append("opened", make)["ticket"])

    def note(
        self,
        ticket_id: str,
        text: str,
        officer: str | None = None,
        *,
        visibility: str = "internal",
    ) -> Event:
        """Add a note to a ticket (open or closed); ``visibility="requester"`` shows it to them."""
        if visibility not in NOTE_VISIBILITY:
            raise TicketError(
                f"visibility must be one of {', '.join(NOTE_VISIBILITY)}, not {visibility!r}"
            )
        data = {
            "text": _text("text", text),
            "officer": officer or getpass.getuser(),
            "visibility": visibility,
        }
        return self._append("note", self._on(ticket_id, data, open_only=False))

    def assign(self, ticket_id: str, assignee: str, officer: str) -> Event:
        """Give an open ticket to an officer (``assignee == officer``: the officer takes it)."""
        data = {"assignee": _text("assignee", assignee), "officer": _text("officer", officer)}
        return self._append("assigned", self._on(ticket_id, data, open_only=True))

    def pause(self, ticket_id: str, reason: str, officer: str) -> Event:
        """Stop an open ticket's turn-around clock: the unit waits for the agency (`reason`)."""
        data = {"reason": _text("reason", reason), "officer": _text("officer", officer)}
        return self._append("paused", self._on(ticket_id, data, open_only=True))

    def resume(self, ticket_id: str, officer: str) -> Event:
        """Start a paused ticket's turn-around clock again (closing it ends a pause too)."""
        data = {"officer": _text("officer", officer)}
        return self._append("resumed", self._on(ticket_id, data, open_only=True))

    def outage(
        self,
        start: datetime,
        end: datetime,
        reason: str,
        officer: str,
        offices: Sequence[str] = (),
    ) -> Event:
        """Record a power or ISP outage once it is over: the turn-around clock of the tickets
        of these offices (of every office when none is named) stops from `start` to `end`."""
        if start.tzinfo is None or end.tzinfo is None:
            raise TicketError("an outage's start and end must carry their time zone")
        if end <= start:
            raise TicketError("an outage must end after it starts")
        data = {
            "start": utc_stamp(start),
            "end": utc_stamp(end),
            "offices": [_text("office", o) for o in offices],
            "reason": _text("reason", reason),
            "officer": _text("officer", officer),
        }

        def make(fd: int, size: int, now: datetime) -> tuple[str | None, dict[str, Any]]:
            if end > now:
                raise TicketError("an outage is recorded once it is over: its end is in the future")
            return None, data

        return self._append("outage", make)

    def change(  # noqa: PLR0917 (the API other modules call)
        self,
        ticket_id: str,
        task: str,
        targets: Sequence[str] | str,
        result: str,
        diff: str | None = None,
        before: str | dict[str, str] | None = None,
        after: str | dict[str, str] | None = None,
        officer: str | None = None,
        **details: Any,
    ) -> Event:
        """Record a change made under an open ticket, under the officer's name.

        `before`/`after` are config hashes (one, or one per target) where known. A diff longer
        than the limit is kept as its SHA-256 digest and size. ``backup_commit=`` is stored as a
        field of its own; any other keyword goes into ``details``.
        """
        names = [targets] if isinstance(targets, str) else list(targets)
        data: dict[str, Any] = {
            "task": _text("task", task),
            "targets": [_text("target", t) for t in names],
            "result": _text("result", result),
            "officer": _text("officer", officer or getpass.getuser()),
        }
        if diff is not None:
            raw = diff.encode("utf-8")
            if len(raw) > self.diff_limit:
                data["diff_sha256"], data["diff_bytes"] = line_hash(raw), len(raw)
            else:
                data["diff"] = diff
        data.update({k: v for k, v in (("before", before), ("after", after)) if v is not None})
        if (commit := details.pop("backup_commit", None)) is not None:
            data["backup_commit"] = str(commit)
        if details:
            data["details"] = details
        try:
            encode(data)
        except (TypeError, ValueError) as exc:
            raise TicketError(f"change details must be plain JSON values ({exc})") from None
        return self._append("change", self._on(ticket_id, data, open_only=True))

    def close(self, ticket_id: str, resolution: str, officer: str | None = None) -> Event:
        """Close an open ticket with its resolution."""
        data = {
            "resolution": _text("resolution", resolution),
            "officer": officer or getpass.getuser(),
        }
        return self._append("closed", self._on(ticket_id, data, open_only=True))

    @contextmanager
    def scheduled_ticket(
        self,
        category: str,
        summary: str,
        *,
        agency: str = "ICT Services Unit",
        priority: str = "normal",
        officer: str | None = None,
    ) -> Iterator[str]:
        """Open a ticket for a scheduled run; close it ``success`` or ``failed`` (and re-raise)."""
        who = officer or f"scheduler ({getpass.getuser()})"
        tid = self.open(agency, category, SCHEDULED, priority, summary, who)
        try:
            yield tid
        except BaseException as exc:
            self.note(tid, f"{type(exc).__name__}: {exc}", who)
            self.close(tid, "failed", who)
            raise
        self.close(tid, "success", who)

    def repair(self, officer: str | None = None) -> Event | None:
        """Cut a torn last line and record a ``repair`` event; None when the log is intact."""
        with self._locked(exclusive=True) as fd:
            with open(fd, "rb", closefd=False) as fh:
                result = self._scan(fh)
            if result.ok:
                return None
            if result.status == "tampered":
                raise TicketLogTampered(f"nothing torn to repair; {result}", result.line)
            size = os.fstat(fd).st_size
            cut = os.pread(fd, size - result.good_bytes, result.good_bytes)
            os.ftruncate(fd, result.good_bytes)
            os.fsync(fd)
            data = {
                "line": result.line,
                "cut_bytes": len(cut),
                "cut_sha256": line_hash(cut),
                "officer": officer or getpass.getuser(),
            }
            return self._write(
                fd, tip=result.tip, event="repair", ticket=None, data=data, now=self._clock()
            )

    # -- reading ---------------------------------------------------------------------------

    def require_open(self, ticket_id: str) -> None:
        """Raise TicketError unless `ticket_id` is an open ticket of this log."""
        ticket_id = _ticket_id(ticket_id)
        with self._locked(exclusive=False) as fd:
            end = os.fstat(fd).st_size if fd >= 0 else 0
            self._check_state(fd, end, ticket_id, open_only=True)

    def events(self, ticket_id: str | None = None) -> list[Event]:
        """Every event (or those of one ticket), oldest first, with ``data`` fields flattened."""
        if ticket_id is not None:
            ticket_id = _ticket_id(ticket_id)
        events = []
        with self._locked(exclusive=False) as fd:
            if fd < 0:
                return []
            with open(fd, "rb", closefd=False) as fh:
                for number, line in enumerate(fh, start=1):
                    if not line.endswith(b"\n"):
                        break
                    try:
                        record = json.loads(line)
                    except ValueError:
                        raise TicketLogTampered(
                            f"line {number} of {self.path} is not an event; run ticket.verify",
                            number,
                        ) from None
                    if ticket_id is None or record.get("ticket") == ticket_id:
                        events.append(flatten(record))
        return events

    def tickets(self) -> list[TicketSummary]:
        """One summary per ticket, in the order they were opened."""
        return summarise(self.events())

    def head(self) -> Head | None:
        """The head file's count and last hash (None before the first event)."""
        return read_head(self.head_path)

    def verify(self, anchor: Head | None = None) -> VerifyResult:
        """Check the whole chain and the head; `anchor` is a head copied off the machine."""
        with self._locked(exclusive=False) as fd:
            if fd < 0:
                with open(os.devnull, "rb") as empty:
                    return self._scan(empty, anchor)
            with open(fd, "rb", closefd=False) as fh:
                return self._scan(fh, anchor)

    # -- internals -------------------------------------------------------------------------

    def _scan(self, fh: BinaryIO, anchor: Head | None = None) -> VerifyResult:
        try:
            head = read_head(self.head_path)
        except TicketLogTampered as exc:
            chain = scan(fh, None, anchor)
            if not chain.ok:
                return chain
            return VerifyResult("tampered", chain.tip, chain.good_bytes, None, str(exc))
        return scan(fh, head, anchor)

    @contextmanager
    def _locked(self, exclusive: bool) -> Iterator[int]:
        """The log's file descriptor under flock; -1 for a reader when there is no log yet."""
        if exclusive:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        else:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                yield -1
                return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield fd
        finally:
            os.close(fd)

    def _append(self, event: str, make: Make) -> Event:
        with self._locked(exclusive=True) as fd:
            end = os.fstat(fd).st_size
            tip = self._tail(fd, end)
            now = self._clock()
            ticket, data = make(fd, end, now)
            return self._write(fd, tip=tip, event=event, ticket=ticket, data=data, now=now)

    def _write(
        self,
        fd: int,
        *,
        tip: Head,
        event: str,
        ticket: str | None,
        data: dict[str, Any],
        now: datetime,
    ) -> Event:
        record = {
            "data": data,
            "event": event,
            "prev": tip.last,
            "seq": tip.count + 1,
            "ticket": ticket,
            "ts": utc_stamp(now),
        }
        line = encode(record)
        write_all(fd, line + b"\n")
        os.fsync(fd)
        write_head(self.head_path, Head(tip.count + 1, line_hash(line)), now)
        return flatten(record)

    def _tail(self, fd: int, end: int) -> Head:
        """Count and hash of the last line; refuses a torn log or one its head disagrees with."""
        head = read_head(self.head_path)
        advice = f"run `invoke ticket.verify` on {self.path}"
        if end == 0:
            if head is not None and head.count > 0:
                raise TicketLogTampered(
                    f"{self.path} is empty but its head records {head.count} events; {advice}"
                )
            return Head(0, GENESIS)
        if os.pread(fd, 1, end - 1) != b"\n":
            raise TicketLogTorn(
                f"the last line of {self.path} is torn; {advice}, then `invoke ticket.repair`"
            )
        last = next(reverse_lines(fd, end))
        fields = parse_envelope(last)
        if isinstance(fields, str):
            raise TicketLogTorn(
                f"the last line of {self.path} is not an event ({fields}); "
                f"{advice}, then `invoke ticket.repair`"
            )
        seq, prev = fields
        tip = Head(seq, line_hash(last))
        if head is None or (head.count, head.last) in ((seq, tip.last), (seq - 1, prev)):
            return tip
        raise TicketLogTampered(
            f"{self.path} ends at event {seq} but its head records "
            f"{head.count} events with another hash; {advice}"
        )

    def _next_id(self, fd: int, end: int, now: datetime) -> str:
        """The next id of this year and code: one more than the last one opened."""
        prefix = f"{self.code}-{now.astimezone(UTC).year:04d}-"
        for line in reverse_matches(fd, end, _OPENED):
            record = load(line, self.path)
            ticket = record.get("ticket")
            if record.get("event") != "opened" or not isinstance(ticket, str):
                continue
            if ticket.startswith(prefix):
                return f"{prefix}{int(ticket[len(prefix) :]) + 1:04d}"
            if str(record.get("ts", ""))[:4] < prefix[-5:-1]:
                break
        return f"{prefix}0001"

    def _on(self, ticket_id: str, data: dict[str, Any], open_only: bool) -> Make:
        ticket_id = _ticket_id(ticket_id)

        def make(fd: int, end: int, now: datetime) -> tuple[str | None, dict[str, Any]]:
            self._check_state(fd, end, ticket_id, open_only)
            return ticket_id, data

        return make

    def _check_state(self, fd: int, end: int, ticket_id: str, open_only: bool) -> None:
        needle = b'"ticket":"%b"' % ticket_id.encode()
        for line in reverse_matches(fd, end, needle) if fd >= 0 else ():
            if _OPENED not in line and _CLOSED not in line:
                continue
            record = load(line, self.path)
            if record.get("ticket") != ticket_id:
                continue
            if record.get("event") == "closed":
                if not open_only:
                    return
                resolution = record.get("data", {}).get("resolution", "")
                raise TicketError(
                    f"ticket {ticket_id} is not open (closed {record.get('ts')}: {resolution})"
                )
            if record.get("event") == "opened":
                return
        raise TicketError(f"ticket {ticket_id} is not open (no such ticket in {self.path})")
