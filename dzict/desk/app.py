"""The app factory: one Flask app per run context, its guards, headers and error pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    session,
)
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from dzict.desk import agency, api, dashboard, officer
from dzict.desk.config import DeskConfig, desk_config
from dzict.desk.security import CSRF_FIELD, RateLimiter, csrf_problem, csrf_token, load_secret
from dzict.desk.service import Desk
from dzict.desk.tat import hours, share
from dzict.desk.web import DESK, LIMITER, page
from dzict.jobs import RunContext

SESSION_HOURS = 10
POLICY = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
TITLES = {
    400: "Request refused",
    401: "Log in first",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Too many requests",
}


def create_app(run: RunContext, config: DeskConfig | None = None) -> Flask:
    """The desk's web application on this run's inventory, ticket log and settings."""
    config = config or desk_config(run.settings)
    app = Flask(
        "dzict.desk",
        template_folder=str(config.templates),
        static_folder=str(config.templates / "static"),
    )
    app.config.update(
        SECRET_KEY=load_secret(config.secret),
        MAX_CONTENT_LENGTH=config.max_body,
        MAX_FORM_MEMORY_SIZE=config.max_body,
        SESSION_COOKIE_NAME="dzict_desk",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.autoescape = True
    app.jinja_env.filters["local"] = lambda when: _local(when, config)
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["share"] = share
    app.jinja_env.globals["csrf_token"] = lambda: csrf_token(session)
    app.jinja_env.globals["csrf_field"] = CSRF_FIELD
    app.extensions[DESK] = Desk(run, config)
    app.extensions[LIMITER] = RateLimiter(config.rate_limit, config.rate_window)
    if config.proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxies, x_proto=config.proxies, x_host=config.proxies
        )
    app.before_request(_guard)
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _error)
    for blueprint in (agency.bp, officer.bp, dashboard.bp, api.bp):
        app.register_blueprint(blueprint)
    return app


def _local(when: datetime | None, config: DeskConfig) -> str:
    """A time as the desk shows it: local time of the Dzongkhag, to the minute."""
    return "" if when is None else when.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")


def _guard() -> None:
    """Every form sent (POST): within the address's rate, then a good CSRF token."""
    if request.method != "POST":
        return
    limiter: RateLimiter = current_app.extensions[LIMITER]
    address = request.remote_addr or "unknown"
    if not limiter.allow(address):
        abort(
            429,
            f"Too many forms sent from your address; try again in "
            f"{limiter.retry_after(address)} seconds. Nothing was stored.",
        )
    problem = csrf_problem(session, request.form.get(CSRF_FIELD))
    if problem:
        abort(400, f"Refused: {problem}. Reload the page and send again; nothing was stored.")


def _headers(response: Response) -> Response:
    """No script, no framing, no referrer (tracking links stay private), no caching."""
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _error(exc: HTTPException) -> tuple[Any, int]:
    """Error pages: one clear sentence, as HTML for pages and as JSON under /api/."""
    code = exc.code or 500
    message = str(exc.description or exc.name)
    if code == 413:
        message = "The form is larger than the desk accepts; shorten the text. Nothing was stored."
    if request.path.startswith("/api/"):
        return jsonify(error=message, status=code), code
    title = TITLES.get(code, exc.name)
    return page("error.html", code, title=title, message=message)
