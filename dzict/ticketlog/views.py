"""Rich tables of events and tickets for the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.table import Table

from dzict.ticketlog.models import Event, TicketSummary
from dzict.ticketlog.report import HOUR, human


def describe(event: Event) -> str:  # noqa: PLR0911 (one answer per kind of event)
    """One line saying what an event recorded."""
    kind = event["event"]
    if kind == "opened":
        return (
            f"{event['summary']} ({event['category']}, {event['agency']}, "
            f"{event['channel']}, {event['priority']})"
        )
    if kind == "note":
        return str(event["text"])
    if kind == "change":
        diff = "" if "diff_sha256" not in event else f", diff sha256 {event['diff_sha256'][:12]}"
        return f"{event['task']} on {', '.join(event['targets'])}: {event['result']}{diff}"
    if kind == "assigned":
        taken = event["assignee"] == event.get("officer")
        return "taken" if taken else f"assigned to {event['assignee']}"
    if kind == "closed":
        return str(event["resolution"])
    if kind == "repair":
        return describe_repair(event)
    return str(kind)


def describe_repair(event: Event) -> str:
    """What a ``repair`` event did (see dzict.ticketlog.repair)."""
    action = event.get("action", "torn")
    if action == "torn":
        return f"cut torn line {event['line']}: {event['cut_bytes']} bytes"
    if action == "cut":
        return (
            f"cut lines {event['line']}.. ({event['cut_lines']} lines, {event['cut_bytes']} "
            f"bytes) into {event['kept_in']}"
        )
    if action == "sign":
        return "signing starts here"
    if action == "rekey":
        old = event.get("old_head") or {}
        return f"signed on with the key given (the head was signed with key id {old.get('kid')})"
    return f"{action}: {event.get('why', '')}"


def events_table(events: Iterable[Event], title: str) -> Table:
    """Events, oldest first: seq, time, ticket, event, officer and what it recorded."""
    table = Table(title=title, min_width=len(title) + 2)
    for column in ("seq", "time (UTC)", "ticket", "event", "officer", "what"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for event in events:
        table.add_row(
            str(event["seq"]),
            str(event["ts"])[:19].replace("T", " "),
            event["ticket"] or "-",
            event["event"],
            str(event.get("officer", "")),
            describe(event),
        )
    return table


def tickets_table(tickets: Iterable[TicketSummary], now: datetime, title: str) -> Table:
    """Tickets with state, open time, TAT (or age while open) and how they came in."""
    table = Table(title=title, min_width=len(title) + 2)
    for column in (
        "ticket",
        "state",
        "opened (UTC)",
        "TAT / age",
        "category",
        "agency",
        "channel",
        "priority",
        "summary",
    ):
        table.add_column(column)
    for ticket in tickets:
        span = ticket.tat if ticket.tat is not None else now - ticket.opened
        table.add_row(
            ticket.id,
            ticket.state,
            f"{ticket.opened:%Y-%m-%d %H:%M}",
            human(span.total_seconds() / HOUR) + ("" if ticket.tat is not None else " open"),
            ticket.category,
            ticket.agency,
            ticket.channel,
            ticket.priority,
            ticket.summary,
        )
    return table
