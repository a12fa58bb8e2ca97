"""TicketLog: open, note, change and close tickets in the hash-chained log."""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dzict.ticketlog.chain import (
    Head,
    encode,
    line_hash,
    signed_line,
    utc_stamp,
)
from dzict.ticketlog.exceptions import (
    TicketClockError,
    TicketError,
    TicketKeyError,
    TicketLogTampered,
)
from dzict.ticketlog.headfile import HeadRecord, read_checkpoint, seal
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
from dzict.ticketlog.reading import load, reverse_matches
from dzict.ticketlog.repair import repair_log
from dzict.ticketlog.signing import Signer, signer_for
from dzict.ticketlog.store import Store, Tip, flocked
from dzict.ticketlog.verify import VerifyResult, scan

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
    `key` (bytes, at least 16) signs every event and the head; without it the log is unsigned
    and a signed log refuses appends. `clock` returns the current time (tests pass a fixed one).
    """

    def __init__(
        self,
        path: Path | str | None = None,
        code: str = "DZK",
        *,
        key: bytes | None = None,
        diff_limit: int = DIFF_LIMIT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not _CODE.fullmatch(code):
            raise TicketError(f"Dzongkhag code must be 2 to 6 capital letters, not {code!r}")
        self.path = resolve_path(path)
        self.code = code
        self.diff_limit = diff_limit
        self._clock = clock or (lambda: datetime.now(UTC))
        self._signer: Signer | None = signer_for(key)
        self._store = Store(self.path, self._signer)
        self.head_path = self._store.head_path

    def __repr__(self) -> str:
        return f"TicketLog({str(self.path)!r}, code={self.code!r})"

    @property
    def key_id(self) -> str | None:
        """Id of the signing key (names it without revealing it); None without a key."""
        return self._signer.kid if self._signer is not None else None

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

    def repair(self, officer: str | None = None, force: bool = False) -> Event | None:
        """Bring the log back to a state that verifies; the ``repair`` event, or None if intact.

        Without `force` only what a crash leaves is repaired (a torn last line, a head behind
        the log or missing from an unsigned log) and an unsigned log starts being signed. With
        `force`, tampering is repaired too: lines from the first bad one on are moved into
        ``<log>.cut-<time>`` and the head is rewritten; each repair records what it did.
        """
        with self._locked(writing=True) as (log, head):
            result = self._scan_fd(log, head)
            make = self._repair_record(officer)
            return repair_log(self._store, log, head, result, make, force)

    def checkpoint(self) -> tuple[HeadRecord, bytes]:
        """Verify the log and seal its tip as a checkpoint to keep off the machine.

        Returns the record and the sealed line (signed with the key; without a key it carries
        a plain checksum). Refuses a log that does not verify.
        """
        result = self.verify()
        if result.status not in {"ok", "unsigned", "unchecked"}:
            raise TicketLogTampered(f"no checkpoint of a log that does not verify: {result}")
        tip = Tip(result.tip.count, result.tip.last, result.good_bytes, b"", False)
        record = replace(self._store.record_for(tip), kind="checkpoint")
        return record, seal(record, self._signer)

    def read_checkpoint(self, path: Path) -> HeadRecord:
        """A checkpoint file, its seal checked with this log's key where it is signed."""
        with self._store.errors(writing=False):
            got = read_checkpoint(path, self._signer)
        if got.record is None or got.problem or got.legacy:
            why = got.problem or "no seal"
            raise TicketLogTampered(f"{path} is not a valid checkpoint: {why}")
        if got.record.kid is not None and self._signer is None:
            raise TicketKeyError(f"{path} is signed; its signature needs the key")
        return got.record

    # -- reading ---------------------------------------------------------------------------

    def require_open(self, ticket_id: str) -> None:
        """Raise TicketError unless `ticket_id` is an open ticket of this log."""
        ticket_id = _ticket_id(ticket_id)
        with self._reading() as fd:
            end = os.fstat(fd).st_size if fd >= 0 else 0
            self._check_state(fd, end, ticket_id, open_only=True)

    def events(self, ticket_id: str | None = None) -> list[Event]:
        """Every event (or those of one ticket), oldest first, with ``data`` fields flattened."""
        if ticket_id is not None:
            ticket_id = _ticket_id(ticket_id)
        events = []
        with self._reading() as fd:
            if fd < 0:
                return []
            with open(fd, "rb", closefd=False) as fh:
                for number, line in enumerate(fh, start=1):
                    if not line.endswith(b"\n"):
                        break
                    record = _record(line, number, self.path)
                    if ticket_id is None or record.get("ticket") == ticket_id:
                        events.append(flatten(record))
        return events

    def tickets(self) -> list[TicketSummary]:
        """One summary per ticket, in the order they were opened."""
        return summarise(self.events())

    def head(self) -> Head | None:
        """The head file's count and last hash (None before the first event)."""
        with self._store.errors(writing=False), self._store.files(writing=False) as (_, head):
            view = self._store.read_head(head)
        if view.record is None:
            if not view.empty:
                raise TicketLogTampered(f"{self.head_path} is not a valid head")
            return None
        if view.record.count == 0:
            return None
        return Head(view.record.count, view.record.last)

    def verify(self, anchor: Head | HeadRecord | None = None) -> VerifyResult:
        """Check the whole chain, the signatures and the head; `anchor`: a head or checkpoint."""
        with self._locked(writing=False) as (log, head):
            return self._scan_fd(log, head, anchor)

    # -- internals -------------------------------------------------------------------------

    def _scan_fd(
        self, log: int, head: int, anchor: Head | HeadRecord | None = None
    ) -> VerifyResult:
        """Verify the open log (-1: none yet) against its open head file."""
        view = self._store.read_head(head, thorough=True)
        with open(log if log >= 0 else os.devnull, "rb", closefd=log < 0) as fh:
            return scan(fh, view, anchor, self._signer)

    @contextmanager
    def _reading(self) -> Iterator[int]:
        """The log's file descriptor under a shared lock; -1 when there is no log yet."""
        store = self._store
        with (
            store.errors(writing=False),
            store.files(writing=False) as (log, _),
            _maybe_locked(log, fcntl.LOCK_SH),
        ):
            yield log

    @contextmanager
    def _locked(self, writing: bool) -> Iterator[tuple[int, int]]:
        """Log and head, both locked (commit lock first): exclusive to repair, shared to read."""
        how = fcntl.LOCK_EX if writing else fcntl.LOCK_SH
        store = self._store
        with (
            store.errors(writing),
            store.files(writing) as (log, head),
            _maybe_locked(head, how),
            _maybe_locked(log, how),
        ):
            yield log, head

    def _repair_record(self, officer: str | None) -> Callable[[Tip, dict[str, Any]], bytes]:
        """Make the line of a ``repair`` event after `tip`."""

        def make(tip: Tip, data: dict[str, Any]) -> bytes:
            data = {**data, "officer": officer or getpass.getuser()}
            return self._line(tip, "repair", None, data, self._now(tip))

        return make

    def _now(self, tip: Tip) -> datetime:
        """The clock, refused when it reads earlier than the last event."""
        now = self._clock()
        if utc_stamp(now).encode() < tip.ts:
            raise TicketClockError(
                f"the clock reads {utc_stamp(now)}, earlier than the last event of {self.path} "
                f"({tip.ts.decode()}): set the system clock right, then retry; nothing was recorded"
            )
        return now

    def _line(
        self, tip: Tip, event: str, ticket: str | None, data: dict[str, Any], now: datetime
    ) -> bytes:
        return signed_line(_record_of(tip, event, ticket, data, now), self._signer) + b"\n"

    def _append(self, event: str, make: Make) -> Event:
        written: list[dict[str, Any]] = []

        def build(fd: int, tip: Tip) -> bytes:
            now = self._now(tip)
            ticket, data = make(fd, tip.end, now)
            written.append(_record_of(tip, event, ticket, data, now))
            return signed_line(written[0], self._signer) + b"\n"

        self._store.append(build)
        return flatten(written[0])

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


def _record_of(
    tip: Tip, event: str, ticket: str | None, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The record of the event after `tip`."""
    return {
        "data": data,
        "event": event,
        "prev": tip.last,
        "seq": tip.count + 1,
        "ticket": ticket,
        "ts": utc_stamp(now),
    }


@contextmanager
def _maybe_locked(fd: int, how: int) -> Iterator[None]:
    """flock `fd` for the block, unless there is no file (-1)."""
    if fd < 0:
        yield
        return
    with flocked(fd, how):
        yield


def _record(line: bytes, number: int, path: Path) -> dict[str, Any]:
    """One stored event; anything else is one line naming the line."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("data", {}), dict):
        raise TicketLogTampered(
            f"line {number} of {path} is not an event; run `invoke ticket.verify`", number
        )
    return record
