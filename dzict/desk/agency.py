"""The agencies' pages, no account needed: the request form and the tracking page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for

from dzict.desk.forms import parse_request
from dzict.desk.service import token_hash
from dzict.desk.web import desk, page
from dzict.exceptions import FormRejected

bp = Blueprint("agency", __name__)
FIELDS = ("agency", "office", "name", "phone", "email", "category", "description")


@bp.get("/")
def home() -> Any:
    """The desk's front door is the request form."""
    return redirect(url_for("agency.request_form"))


@bp.get("/request")
def request_form() -> Any:
    """The empty request form."""
    return page("request.html", values=dict.fromkeys(FIELDS, ""), problems={}, **_choices())


@bp.post("/request")
def send_request() -> Any:
    """Open a ticket for the request, then show its tracking page; the form again on a fault."""
    try:
        receipt = desk().submit(parse_request(request.form, desk().catalogue))
    except FormRejected as exc:
        values = {f: request.form.get(f, "") for f in FIELDS}
        return page("request.html", 400, values=values, problems=exc.problems, **_choices())
    flash(f"Your request was received as {receipt.ticket}.")
    return redirect(url_for("agency.track", token=receipt.token))


@bp.get("/t/<token>")
def track(token: str) -> Any:
    """Status, notes for the requester and resolution of the ticket this link belongs to."""
    ticket = desk().board().tracked(token_hash(token))
    if ticket is None:
        abort(404, "No request has this tracking link. Check that the whole link was copied.")
    link = url_for("agency.track", token=token, _external=True)
    office = desk().catalogue.office(ticket.office)
    return page(
        "track.html",
        ticket=ticket,
        link=link,
        office=office.name if office else ticket.office,
        category=desk().catalogue.categories.get(ticket.category, ticket.category),
    )


def _choices() -> dict[str, Any]:
    return {"choices": desk().catalogue.choices()}
