"""The desk's JSON API: health for monitoring, the queue and tickets for officers, tracking."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, abort, jsonify, request

from dzict.desk.board import DeskTicket, queue
from dzict.desk.officer import queue_filter
from dzict.desk.service import token_hash
from dzict.desk.web import desk, login_required, officer

bp = Blueprint("api", __name__, url_prefix="/api")


def ticket_json(ticket: DeskTicket, full: bool) -> dict[str, Any]:
    """A ticket as JSON: the queue row, and with `full` its history and changes."""
    row: dict[str, Any] = {
        "id": ticket.id,
        "state": ticket.state,
        "status": ticket.status,
        "received": ticket.received.isoformat(),
        "channel": ticket.channel,
        "agency": ticket.agency,
        "office": ticket.office,
        "category": ticket.category,
        "summary": ticket.summary,
        "assignee": ticket.assignee,
        "closed": ticket.closed.isoformat() if ticket.closed else None,
        "resolution": ticket.resolution,
    }
    if full:
        row["description"] = ticket.description
        row["requester"] = asdict(ticket.requester) if ticket.requester else None
        row["history"] = [{**asdict(e), "when": e.when.isoformat()} for e in ticket.history]
        row["changes"] = [_change(c) for c in ticket.changes]
    return row


def _change(change: Any) -> dict[str, Any]:
    data = asdict(change)
    data["when"] = change.when.isoformat()
    data["diff"] = "\n".join(line.text for line in change.diff)
    data["details"] = dict(change.details)
    return data


@bp.get("/health")
def health() -> Any:
    """The desk answers and reads its log: counts of tickets and open tickets."""
    tickets = desk().board().tickets.values()
    return jsonify(status="ok", tickets=len(tickets), open=sum(t.state == "open" for t in tickets))


@bp.get("/tickets")
@login_required
def tickets() -> Any:
    """The queue as JSON, with the same filters as the queue page."""
    me = officer()
    assert me is not None
    found = queue(desk().board(), queue_filter(request.args), me.name)
    return jsonify(tickets=[ticket_json(t, full=False) for t in found])


@bp.get("/tickets/<tid>")
@login_required
def ticket(tid: str) -> Any:
    """One ticket with its history and every change recorded under it."""
    found = desk().board().tickets.get(tid.upper())
    if found is None:
        abort(404, f"no ticket {tid}")
    return jsonify(ticket_json(found, full=True))


@bp.get("/track/<token>")
def track(token: str) -> Any:
    """What the tracking page shows, as JSON: status, notes for the requester, resolution."""
    found = desk().board().tracked(token_hash(token))
    if found is None:
        abort(404, "no request has this tracking link")
    return jsonify(
        id=found.id,
        status=found.status,
        received=found.received.isoformat(),
        notes=[{"when": n.when.isoformat(), "text": n.text} for n in found.requester_notes],
        resolution=found.resolution or None,
    )
