"""The officers' pages, behind a login: queue, ticket, take, assign, note, close, new request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, session, url_for

from dzict.desk.board import STATES, DeskTicket, QueueFilter, queue
from dzict.desk.catalogue import ENTERED_CHANNELS
from dzict.desk.forms import (
    parse_assignee,
    parse_entered,
    parse_note,
    parse_reason,
    parse_resolution,
)
from dzict.desk.web import desk, login_required, officer, page
from dzict.exceptions import FormRejected, LoginRefused
from dzict.ticketlog import TicketError

bp = Blueprint("officer", __name__, url_prefix="/officer")
NEW_FIELDS = (
    "agency",
    "office",
    "name",
    "phone",
    "email",
    "category",
    "description",
    "channel",
    "received",
)


@bp.get("/login")
def login() -> Any:
    """The login form."""
    return page("login.html", name="", problem="")


@bp.post("/login")
def login_post() -> Any:
    """Log in: a new session for the officer; a clear refusal (and the lock-out) otherwise."""
    name = request.form.get("name", "").strip().lower()
    try:
        who = desk().officers.login(name, request.form.get("password", ""))
    except LoginRefused as exc:
        return page("login.html", 401, name=name, problem=str(exc))
    session.clear()
    session.permanent = True
    session.update(officer=who.name, display=who.display)
    return redirect(url_for("officer.board"))


@bp.post("/logout")
def logout() -> Any:
    """End the session."""
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("officer.login"))


@bp.get("/")
@login_required
def board() -> Any:
    """The queue with its filters (state, mine, agency, category)."""
    wanted = queue_filter(request.args)
    me = officer()
    assert me is not None
    dues = desk().dues()
    soon = frozenset(tid for tid, due in dues.items() if due.soon)
    tickets = queue(desk().board(), wanted, me.name, soon)
    return page(
        "queue.html",
        tickets=tickets,
        wanted=wanted,
        states=STATES,
        choices=desk().catalogue.choices(),
        due={tid: due.text for tid, due in dues.items()},
        soon=soon,
        calendar=desk().policy is not None,
    )


def queue_filter(args: Any) -> QueueFilter:
    """The queue's filters from the query string; unknown values fall back to the defaults."""
    state = args.get("state", "open")
    return QueueFilter(
        state=state if state in STATES else "open",
        mine=args.get("mine") == "1",
        agency=str(args.get("agency", "")),
        category=str(args.get("category", "")),
        due=args.get("due") == "1",
    )


@bp.get("/tickets/<tid>")
@login_required
def ticket(tid: str) -> Any:
    """A ticket: request, requester, history, every change recorded under it, the actions."""
    return _ticket_page(_ticket(tid))


def _ticket(tid: str) -> DeskTicket:
    found = desk().board().tickets.get(tid.upper())
    if found is None:
        abort(404, f"No ticket {tid} in the ticket log.")
    return found


def _ticket_page(found: DeskTicket, status: int = 200, problems: Any = None) -> Any:
    catalogue = desk().catalogue
    office = catalogue.office(found.office)
    return page(
        "ticket.html",
        status,
        ticket=found,
        office=office.name if office else found.office,
        officers=desk().officers.officers(),
        problems=problems or {},
    )


def _act(tid: str, action: Callable[[DeskTicket, str], str]) -> Any:
    """Run one action on a ticket as the logged-in officer, then show the ticket again."""
    found = _ticket(tid)
    me = officer()
    assert me is not None
    try:
        done = action(found, me.name)
    except FormRejected as exc:
        return _ticket_page(found, 400, exc.problems)
    except TicketError as exc:
        return _ticket_page(found, 400, {"ticket": str(exc)})
    flash(done)
    return redirect(url_for("officer.ticket", tid=found.id))


@bp.post("/tickets/<tid>/take")
@login_required
def take(tid: str) -> Any:
    """The officer takes the ticket."""

    def action(found: DeskTicket, me: str) -> str:
        desk().take(found.id, me)
        return f"You took {found.id}."

    return _act(tid, action)


@bp.post("/tickets/<tid>/assign")
@login_required
def assign(tid: str) -> Any:
    """Give the ticket to an officer."""

    def action(found: DeskTicket, me: str) -> str:
        names = tuple(o.name for o in desk().officers.officers())
        assignee = parse_assignee(request.form, names)
        desk().assign(found.id, assignee, me)
        return f"{found.id} assigned to {assignee}."

    return _act(tid, action)


@bp.post("/tickets/<tid>/note")
@login_required
def note(tid: str) -> Any:
    """A note, internal or for the requester."""

    def action(found: DeskTicket, me: str) -> str:
        text, visibility = parse_note(request.form)
        desk().note(found.id, text, visibility, me)
        return "Note recorded" + (" (the requester sees it)." if visibility != "internal" else ".")

    return _act(tid, action)


@bp.post("/tickets/<tid>/close")
@login_required
def close(tid: str) -> Any:
    """Close the ticket with its resolution."""

    def action(found: DeskTicket, me: str) -> str:
        mailed = desk().close(found.id, parse_resolution(request.form), me)
        return f"{found.id} closed. {mailed}".strip()

    return _act(tid, action)


@bp.post("/tickets/<tid>/pause")
@login_required
def pause(tid: str) -> Any:
    """Stop the clock: the unit waits for the agency."""

    def action(found: DeskTicket, me: str) -> str:
        desk().pause(found.id, parse_reason(request.form), me)
        return f"{found.id} waits for the agency: its clock is stopped."

    return _act(tid, action)


@bp.post("/tickets/<tid>/resume")
@login_required
def resume(tid: str) -> Any:
    """Start the clock again."""

    def action(found: DeskTicket, me: str) -> str:
        desk().resume(found.id, me)
        return f"{found.id}: the clock runs again."

    return _act(tid, action)


@bp.get("/new")
@login_required
def new() -> Any:
    """The form for a request taken by phone, fax, walk-in or e-mail."""
    now = datetime.now(UTC).astimezone(desk().config.timezone)
    values = dict.fromkeys(NEW_FIELDS, "")
    values.update(channel="phone", received=now.strftime("%Y-%m-%dT%H:%M"))
    return _new_page(values, {})


@bp.post("/new")
@login_required
def new_post() -> Any:
    """Open the ticket of an entered request, with its channel and the time it was received."""
    me = officer()
    assert me is not None
    try:
        entered = parse_entered(request.form, desk().catalogue, desk().config.timezone)
    except FormRejected as exc:
        values = {f: request.form.get(f, "") for f in NEW_FIELDS}
        return _new_page(values, exc.problems, 400)
    receipt = desk().enter(entered, me.name)
    link = url_for("agency.track", token=receipt.token, _external=True)
    flash(f"Opened {receipt.ticket}. Tracking link for the requester: {link}")
    return redirect(url_for("officer.ticket", tid=receipt.ticket))


def _new_page(values: dict[str, str], problems: dict[str, str], status: int = 200) -> Any:
    return page(
        "new.html",
        status,
        values=values,
        problems=problems,
        choices=desk().catalogue.choices(),
        channels=list(ENTERED_CHANNELS.items()),
    )
