"""``invoke desk.*``: serve the service desk, add officers' accounts, write its systemd unit."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dzict.desk import create_app, desk_config
from dzict.desk.accounts import OfficerStore
from dzict.desk.inbox import Inbox
from dzict.desk.server import make_server
from dzict.desk.service import Desk
from dzict.desk.unit import check_units, write_units
from dzict.exceptions import DeskError
from dzict.tasks._common import INVENTORY_HELP, console, context, refusals

SYSTEMD_DIR = "/etc/systemd/system"
LOG = "ticket log file (default: $DZICT_TICKET_LOG, else invoke config `ticket_log`)"


@task(
    help={
        "host": "address to listen on (default: setting desk_host, else 127.0.0.1)",
        "port": "port to listen on (default: setting desk_port, else 8080)",
        "inventory": INVENTORY_HELP,
        "log": LOG,
    }
)
def serve(
    c: Context,
    host: str | None = None,
    port: int | None = None,
    inventory: str | None = None,
    log: str | None = None,
) -> None:
    """Serve the service desk (waitress) until stopped: agencies' form, officers' pages, API."""
    run = context(c, desk_host=host, desk_port=port, inventory=inventory, ticket_log=log)
    with refusals():
        config = desk_config(run.settings)
        app = create_app(run, config)
    try:
        server = make_server(app, config)
    except OSError as exc:
        where = f"{config.host}:{config.port}"
        raise Exit(f"cannot listen on {where}: {exc.strerror}", code=1) from None
    console.print(
        f"service desk on http://{config.host}:{config.port}/ (ticket log {run.ticket_log.path})",
        highlight=False,
        soft_wrap=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        console.print("service desk stopped")


def _password() -> str:
    """The new password: asked twice on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        raise Exit("the two passwords differ; nothing was changed", code=1)
    return first


@task(
    name="officer-add",
    help={
        "name": "account name, e.g. pema (a-z, 0-9, . _ -)",
        "display": "name shown on the pages, e.g. 'Pema Choden'",
        "replace": "set a new password for an existing account",
    },
)
def officer_add(c: Context, name: str, display: str = "", replace: bool = False) -> None:
    """Create an officer's account; the password is asked (or read from stdin), never a flag."""
    run = context(c)
    with refusals():
        store = OfficerStore(desk_config(run.settings).officers)
        officer = store.add(name, _password(), display, replace=replace)
    console.print(
        f"officer {officer.name} ({officer.display}) saved in {store.path}",
        highlight=False,
        soft_wrap=True,
    )


@task(
    help={
        "dest": f"folder for the unit files (default {SYSTEMD_DIR})",
        "user": "system account the desk runs as (default: root)",
        "inventory": INVENTORY_HELP,
    }
)
def unit(c: Context, dest: str = SYSTEMD_DIR, user: str = "", inventory: str | None = None) -> None:
    """Write the desk's systemd units (web; mailbox timer when set) and check them."""
    run = context(c, inventory=inventory)
    with refusals():
        written = write_units(run, desk_config(run.settings), Path(dest), user)
    for path in written:
        console.print(f"written: {path}", highlight=False, soft_wrap=True)
    problems = check_units(written)
    if problems:
        raise Exit(f"systemd-analyze verify complains:\n{problems}", code=1)
    start = " ".join(p.name for p in written if p.suffix == ".timer" or "mail" not in p.name)
    console.print(
        f"to start: systemctl daemon-reload && systemctl enable --now {start}",
        highlight=False,
        soft_wrap=True,
    )


@task(help={"inventory": INVENTORY_HELP, "log": LOG})
def mail(c: Context, inventory: str | None = None, log: str | None = None) -> None:
    """Read the desk's mailbox once: a ticket per new message, replies as notes, answers sent."""
    run = context(c, inventory=inventory, ticket_log=log)
    with refusals():
        desk = Desk(run, desk_config(run.settings))
        if desk.mail is None:
            raise DeskError(
                "no mailbox: set desk_mail_host, desk_mail_user, desk_mail_address and write"
                " the password into desk_mail_password_file"
            )
        handled = Inbox(desk, desk.mail).run()
    for item in handled:
        line = f"{item.action:9} {item.ticket or '-':15} {item.sender} {item.detail}".rstrip()
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(f"{len(handled)} message(s) read", highlight=False)


def _local_time(value: str, zone: ZoneInfo, flag: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        raise Exit(f"{flag} {value!r}: a local time like '2026-03-02 09:30'", code=1) from None


@task(
    help={
        "start": "when the outage began, local time: '2026-03-02 09:30'",
        "end": "when it ended, local time",
        "reason": "what was out, e.g. 'power cut at Guma' or 'ISP fibre cut'",
        "offices": "comma-separated site keys it hit (default: every office)",
        "inventory": INVENTORY_HELP,
        "log": LOG,
    }
)
def outage(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    start: str,
    end: str,
    reason: str,
    offices: str = "",
    inventory: str | None = None,
    log: str | None = None,
) -> None:
    """Record a power or ISP outage that is over: it stops the turn-around clock of the
    tickets of those offices for its length."""
    run = context(c, inventory=inventory, ticket_log=log)
    keys = [k.strip() for k in offices.split(",") if k.strip()]
    unknown = sorted(set(keys) - set(run.inventory.sites))
    if unknown:
        raise Exit(f"--offices: {', '.join(unknown)} is not a site of the inventory", code=1)
    with refusals():
        zone = desk_config(run.settings).timezone
        event = run.ticket_log.outage(
            _local_time(start, zone, "--start"),
            _local_time(end, zone, "--end"),
            reason,
            run.officer,
            keys,
        )
    where = ", ".join(keys) or "every office"
    console.print(f"outage recorded (event {event['seq']}): {where}", highlight=False)


ns = Collection("desk", serve, officer_add, unit, mail, outage)
