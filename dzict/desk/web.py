"""What the desk's pages share: the desk of the running app, the logged-in officer, guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, redirect, render_template, request, session, url_for

from dzict.desk.accounts import Officer
from dzict.desk.service import Desk

DESK = "dzict_desk"
LIMITER = "dzict_desk_limiter"
View = TypeVar("View", bound=Callable[..., Any])


def desk() -> Desk:
    """The desk of the app serving this request."""
    return cast(Desk, current_app.extensions[DESK])


def officer() -> Officer | None:
    """The officer logged in on this session, if any."""
    name, display = session.get("officer"), session.get("display")
    if isinstance(name, str) and isinstance(display, str):
        return Officer(name, display)
    return None


def login_required(view: View) -> View:
    """Pages for officers: the login page first (JSON 401 under /api/)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if officer() is None:
            if request.path.startswith("/api/"):
                abort(401, "log in at /officer/login first")
            return redirect(url_for("officer.login"))
        return view(*args, **kwargs)

    return cast(View, guarded)


def page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """A rendered page with the logged-in officer (or None) and its status code."""
    return render_template(template, me=officer(), **values), status
