"""Helpers of the service desk tests: a desk on the lab inventory, forms, CSRF, login."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from waitress import wasyncore

from dzict.desk import create_app, desk_config
from dzict.desk.accounts import OfficerStore
from dzict.desk.server import make_server
from dzict.inventory import Inventory
from dzict.jobs import RunContext, build_settings
from dzict.ticketlog import TicketLog

PASSWORDS = {"pema": "pema's long passphrase 1", "karma": "karma's long passphrase 2"}
DISPLAY = {"pema": "Pema Choden", "karma": "Karma Wangdi"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class DeskSite:
    """One desk under test: the app, its run context and its files."""

    app: Flask
    run: RunContext
    root: Path

    @property
    def log(self) -> TicketLog:
        """The desk's ticket log."""
        return self.run.ticket_log

    def client(self) -> FlaskClient:
        """A new browser: its own cookies and session."""
        return self.app.test_client()

    def events(self) -> list[dict[str, Any]]:
        """Every event of the log (none when nothing was ever stored)."""
        return self.log.events()


def make_site(root: Path, inventory: Inventory, **flags: str) -> DeskSite:
    """A desk on `inventory` with its log, officers' file and key under `root`."""
    settings = build_settings(
        {},
        {
            "inventory": str(inventory.root),
            "ticket_log": str(root / "ticket-log.jsonl"),
            "desk_officers": str(root / "officers.json"),
            "desk_secret": str(root / "secret.key"),
            "desk_rate_limit": "1000",
            "officer": "pema",
            **flags,
        },
        {},
    )
    run = RunContext(settings, inventory)
    store = OfficerStore(root / "officers.json")
    for name, password in PASSWORDS.items():
        store.add(name, password, DISPLAY[name])
    return DeskSite(create_app(run), run, root)


def csrf_of(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on `path` (as a browser would read it)."""
    found = _CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no form on {path}"
    return found.group(1)


def request_form(inventory: Inventory, **changes: str) -> dict[str, str]:
    """A good request from the Guma office, in Dzongkha and English; `changes` replace fields."""
    office = inventory.sites["guma"]
    form = {
        "agency": office.agency,
        "office": office.key,
        "name": "Karma Dema ཀརྨ་བདེ་མ",
        "phone": "+975 17 123 456",
        "email": "gao.guma@example.bt",
        "category": "wifi",
        "description": "Wi-Fi down in the Gewog hall since morning.\nགླིང་ཁང་ནང་ Wi-Fi མེད།",
    }
    form.update(changes)
    return form


def send(client: FlaskClient, path: str, form: dict[str, str], token: str | None = None) -> Any:
    """POST a form with the session's CSRF token, read from a page (or the token given)."""
    data = {"csrf_token": token if token is not None else csrf_of(client, "/request"), **form}
    return client.post(path, data=data)


def login(client: FlaskClient, name: str = "pema") -> Any:
    """Log an officer in on this client."""
    form = {"name": name, "password": PASSWORDS[name]}
    return send(client, "/officer/login", form)


@contextmanager
def served(site: DeskSite) -> Iterator[str]:
    """The desk served by its own waitress server on a free loopback port; its base URL.

    The server's loop runs in a thread that also closes it, once asked to stop.
    """
    server = make_server(site.app, desk_config(site.run.settings), port=0)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.1, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, name="desk-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the desk's server did not stop"
