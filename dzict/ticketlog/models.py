"""The shapes the ticket log hands out: flattened events and ticket summaries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

CHANNELS = ("online-form", "phone", "fax", "email", "walk-in")
"""How an agency's request reached the unit."""
SCHEDULED = "scheduled"
"""The channel of tickets opened by timers (scheduled patch and backup runs)."""
PRIORITIES = ("low", "normal", "high", "urgent")
NOTE_VISIBILITY = ("internal", "requester")
"""Who a note is for: the unit only, or also the requester (shown on the tracking page)."""

Event = dict[str, Any]
"""An event: ``ts``, ``ticket``, ``event``, ``seq``, ``prev`` and the event's own fields."""

ENVELOPE = ("ts", "ticket", "event", "seq", "prev")


def flatten(record: Mapping[str, Any]) -> Event:
    """The envelope of a stored record with its ``data`` fields beside it."""
    event: Event = {key: record.get(key) for key in ENVELOPE}
    event.update(record.get("data") or {})
    return event


def parse_ts(stamp: str) -> datetime:
    """A stored UTC timestamp as an aware datetime."""
    return datetime.fromisoformat(stamp)


@dataclass(frozen=True)
class Requester:
    """The person who asked: name, and how to reach them (phone, e-mail; either may be empty)."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class TicketSummary:
    """One ticket as it stands: state, times and how it reached the unit."""

    id: str
    state: Literal["open", "closed"]
    opened: datetime
    closed: datetime | None
    category: str
    agency: str
    channel: str
    priority: str
    summary: str
    officer: str
    resolution: str | None
    events: int
    office: str = ""
    received: datetime | None = None
    assignee: str = ""
    taken: datetime | None = None

    @property
    def start(self) -> datetime:
        """When the unit had the request: the time it was received, else the time it was opened."""
        return self.received or self.opened

    @property
    def tat(self) -> timedelta | None:
        """Turn-around time, received (or opened) to close; None while open."""
        return None if self.closed is None else self.closed - self.start


def summarise(events: Iterable[Event]) -> list[TicketSummary]:
    """Fold events into one summary per ticket, in the order they were opened."""
    tickets: dict[str, TicketSummary] = {}
    for event in events:
        tid = str(event.get("ticket"))
        if event["event"] == "opened":
            tickets[tid] = TicketSummary(
                id=tid,
                state="open",
                opened=parse_ts(event["ts"]),
                closed=None,
                category=event["category"],
                agency=event["agency"],
                channel=event["channel"],
                priority=event["priority"],
                summary=event["summary"],
                officer=event["officer"],
                resolution=None,
                events=1,
                office=event.get("office", ""),
                received=parse_ts(event["received"]) if event.get("received") else None,
            )
        elif tid in tickets:
            ticket = replace(tickets[tid], events=tickets[tid].events + 1)
            if event["event"] == "assigned":
                ticket = replace(
                    ticket,
                    assignee=event["assignee"],
                    taken=ticket.taken or parse_ts(event["ts"]),
                )
            if event["event"] == "closed":
                ticket = replace(
                    ticket,
                    state="closed",
                    closed=parse_ts(event["ts"]),
                    resolution=event["resolution"],
                )
            tickets[tid] = ticket
    return list(tickets.values())
