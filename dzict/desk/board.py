"""The desk's views of the ticket log: tickets with their history, the queue, the token index.

Everything here is folded from the log's events and rebuilt whenever the log file changes; it
is never written anywhere, so the log stays the one record.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dzict.ticketlog import Event, Requester, TicketLog

STATES = ("open", "closed", "all")


@dataclass(frozen=True)
class DiffLine:
    """One line of a recorded diff and its kind: add, del, hunk or ctx."""

    kind: str
    text: str


@dataclass(frozen=True)
class Entry:
    """One event of a ticket's history as the desk shows it."""

    seq: int
    when: datetime
    event: str
    officer: str
    text: str
    visibility: str = "internal"


@dataclass(frozen=True)
class Change:
    """A change a job recorded under the ticket (WAN, Wi-Fi, patch, backup...), as stored."""

    seq: int
    when: datetime
    task: str
    targets: str
    result: str
    officer: str
    diff: tuple[DiffLine, ...]
    diff_digest: str
    before: str
    after: str
    backup_commit: str
    details: tuple[tuple[str, str], ...]


@dataclass
class DeskTicket:
    """One ticket as the desk shows it, folded from its events."""

    id: str
    state: str
    opened: datetime
    received: datetime
    channel: str
    agency: str
    office: str
    category: str
    priority: str
    summary: str
    description: str
    requester: Requester | None
    opened_by: str
    tracking_sha256: str
    assignee: str = ""
    paused: bool = False
    closed: datetime | None = None
    resolution: str = ""
    history: list[Entry] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def status(self) -> str:
        """What the requester reads: received, in progress, or closed."""
        if self.state == "closed":
            return "closed"
        if self.paused:
            return "waiting for your answer"
        return "in progress" if self.assignee else "received"

    @property
    def requester_notes(self) -> list[Entry]:
        """The notes meant for the requester, oldest first."""
        return [e for e in self.history if e.event == "note" and e.visibility == "requester"]


@dataclass
class Board:
    """Every ticket by id (in the order opened), the tracking-token and reference indexes."""

    tickets: dict[str, DeskTicket] = field(default_factory=dict)
    by_token: dict[str, str] = field(default_factory=dict)
    by_reference: dict[str, str] = field(default_factory=dict)

    def tracked(self, token_sha256: str) -> DeskTicket | None:
        """The ticket a tracking token's hash belongs to."""
        tid = self.by_token.get(token_sha256)
        return self.tickets.get(tid) if tid else None


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters: state (open, closed, all), mine only, one agency, one category,
    breaching its target soon (the tickets `due_soon` names)."""

    state: str = "open"
    mine: bool = False
    agency: str = ""
    category: str = ""
    due: bool = False


def when(event: Event) -> datetime:
    """The time an event was recorded."""
    return datetime.fromisoformat(str(event["ts"]))


def diff_lines(diff: str) -> tuple[DiffLine, ...]:
    """A unified diff split into lines with their kind, for colouring."""
    lines = []
    for text in diff.splitlines():
        if text.startswith("@@"):
            kind = "hunk"
        elif text.startswith("+") and not text.startswith("+++"):
            kind = "add"
        elif text.startswith("-") and not text.startswith("---"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append(DiffLine(kind, text))
    return tuple(lines)


def _hashes(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {str(v)[:12]}" for k, v in sorted(value.items()))
    return str(value)[:12] if value else ""


def _change(event: Event) -> Change:
    digest = ""
    if event.get("diff_sha256"):
        digest = f"{event.get('diff_bytes', '?')} bytes, sha256 {event['diff_sha256']}"
    details = event.get("details") or {}
    return Change(
        seq=int(event["seq"]),
        when=when(event),
        task=str(event["task"]),
        targets=", ".join(event.get("targets") or []),
        result=str(event["result"]),
        officer=str(event.get("officer", "")),
        diff=diff_lines(str(event.get("diff") or "")),
        diff_digest=digest,
        before=_hashes(event.get("before")),
        after=_hashes(event.get("after")),
        backup_commit=str(event.get("backup_commit") or ""),
        details=tuple((k, json.dumps(v, ensure_ascii=False)) for k, v in sorted(details.items())),
    )


def _opened(event: Event) -> DeskTicket:
    person = event.get("requester") or None
    requester = Requester(**person) if isinstance(person, dict) else None
    opened = when(event)
    received = datetime.fromisoformat(event["received"]) if event.get("received") else opened
    return DeskTicket(
        id=str(event["ticket"]),
        state="open",
        opened=opened,
        received=received,
        channel=str(event["channel"]),
        agency=str(event["agency"]),
        office=str(event.get("office", "")),
        category=str(event["category"]),
        priority=str(event["priority"]),
        summary=str(event["summary"]),
        description=str(event.get("description") or event["summary"]),
        requester=requester,
        opened_by=str(event["officer"]),
        tracking_sha256=str(event.get("tracking_sha256", "")),
    )


def _assigned(event: Event) -> str:
    taken = event.get("assignee") == event.get("officer")
    return "took the ticket" if taken else f"assigned to {event.get('assignee')}"


def _entry(event: Event) -> Entry:
    kind = str(event["event"])
    text = {
        "opened": f"opened ({event.get('channel')})",
        "note": str(event.get("text", "")),
        "assigned": _assigned(event),
        "change": f"{event.get('task')}: {event.get('result')}",
        "closed": str(event.get("resolution", "")),
        "paused": f"waiting for the agency: {event.get('reason', '')}",
        "resumed": "the clock runs again",
    }.get(kind, kind)
    return Entry(
        seq=int(event["seq"]),
        when=when(event),
        event=kind,
        officer=str(event.get("officer", "")),
        text=text,
        visibility=str(event.get("visibility", "internal")),
    )


def _apply(ticket: DeskTicket, event: Event) -> None:
    kind = event["event"]
    if kind == "assigned":
        ticket.assignee = str(event["assignee"])
    elif kind in ("paused", "resumed"):
        ticket.paused = kind == "paused"
    elif kind == "change":
        ticket.changes.append(_change(event))
    elif kind == "closed":
        ticket.state, ticket.closed, ticket.paused = "closed", when(event), False
        ticket.resolution = str(event["resolution"])
    ticket.history.append(_entry(event))


def fold(events: Iterable[Event]) -> Board:
    """The board of a log's events, oldest first."""
    board = Board()
    for event in events:
        tid = event.get("ticket")
        if event["event"] == "opened":
            ticket = _opened(event)
            ticket.history.append(_entry(event))
            board.tickets[ticket.id] = ticket
            if ticket.tracking_sha256:
                board.by_token[ticket.tracking_sha256] = ticket.id
            if event.get("reference"):
                board.by_reference[str(event["reference"])] = ticket.id
        elif isinstance(tid, str) and tid in board.tickets:
            _apply(board.tickets[tid], event)
    return board


def queue(
    board: Board, wanted: QueueFilter, officer: str, due_soon: frozenset[str] = frozenset()
) -> list[DeskTicket]:
    """The tickets the filters keep: open ones oldest first, closed ones newest first."""
    kept = [
        t
        for t in board.tickets.values()
        if wanted.state in ("all", t.state)
        and (not wanted.mine or t.assignee == officer)
        and (not wanted.agency or t.agency == wanted.agency)
        and (not wanted.category or t.category == wanted.category)
        and (not wanted.due or t.id in due_soon)
    ]
    still_open = sorted((t for t in kept if t.state == "open"), key=lambda t: t.received)
    closed = sorted((t for t in kept if t.state == "closed"), key=lambda t: t.received)
    return still_open + closed[::-1]


class BoardCache:
    """The board of one log, folded again only when the log file has changed."""

    def __init__(self, log: TicketLog) -> None:
        self.log = log
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._board = Board()
        self._events: list[Event] = []

    def board(self) -> Board:
        """The current board (the log's events folded; reused while the file is unchanged)."""
        return self._current()[0]

    def events(self) -> list[Event]:
        """The log's events, read again only when the file has changed."""
        return self._current()[1]

    def _current(self) -> tuple[Board, list[Event]]:
        with self._lock:
            key = self._stat()
            if key != self._key or key is None:
                self._events = self.log.events()
                self._board = fold(self._events)
                self._key = key
            return self._board, self._events

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.log.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)
