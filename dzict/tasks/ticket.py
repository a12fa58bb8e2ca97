"""``invoke ticket.*``: open, note and close tickets; show, list, verify, head, checkpoint,
repair, report."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dzict.desk import tat as working
from dzict.desk.calendar import policy_of
from dzict.jobs.context import open_ticket_log
from dzict.tasks._common import (
    INVENTORY_HELP,
    REFUSALS,
    console,
    context,
    errors,
    fail,
    task_settings,
)
from dzict.ticketlog import CHANNELS, PRIORITIES, Head, HeadRecord, TicketLog, TicketLogUnreadable
from dzict.ticketlog import report as tat
from dzict.ticketlog.models import summarise
from dzict.ticketlog.views import describe, events_table, tickets_table

LOG = (
    "ticket log file (default: $DZICT_TICKET_LOG, else invoke config `ticket_log`, else "
    "var/ticket-log.jsonl in the project folder)"
)
OFFICER = "officer's name (default: $DZICT_OFFICER, else the login name)"
TICKET = "ticket id, e.g. PNK-2026-0001"
UNREADABLE_EXIT = 4


@contextmanager
def _refusals() -> Iterator[None]:
    """A project or ticket log error becomes one line on stderr and exit code 1."""
    try:
        yield
    except REFUSALS as exc:
        raise fail(exc) from None


def _log(c: Context, log: str | None, code: str | None = None) -> TicketLog:
    """The project's ticket log and key (settings as every task reads them)."""
    settings = task_settings(c, ticket_log=log)
    with _refusals():
        return open_ticket_log(settings, code or settings["dzongkhag_code"] or "DZK")


def _officer(officer: str | None) -> str:
    return officer or os.environ.get("DZICT_OFFICER") or getpass.getuser()


@task(
    name="open",
    auto_shortflags=False,
    help={
        "agency": "agency asking, e.g. 'Punakha Hospital'",
        "category": "kind of work, one word: wan, lan, wifi, patch, backup, account, asset...",
        "channel": f"how the request came: {', '.join(CHANNELS)}",
        "summary": "one line saying what is asked",
        "priority": f"{', '.join(PRIORITIES)} (default normal)",
        "officer": OFFICER,
        "code": "Dzongkhag code prefixing the id (default: invoke config `dzongkhag_code`,"
        " else the inventory's dzongkhag.code)",
        "inventory": INVENTORY_HELP,
        "log": LOG,
    },
)
def open_(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    agency: str,
    category: str,
    channel: str,
    summary: str,
    priority: str = "normal",
    officer: str | None = None,
    code: str | None = None,
    inventory: str | None = None,
    log: str | None = None,
) -> None:
    """Open a ticket for a request; prints the new ticket id."""
    if code is None and not task_settings(c)["dzongkhag_code"]:
        code = context(c, inventory=inventory).inventory.dzongkhag.code
    with _refusals():
        tid = _log(c, log, code).open(
            agency, category, channel, priority, summary, _officer(officer)
        )
    print(tid)


@task(help={"ticket": TICKET, "text": "the note", "officer": OFFICER, "log": LOG})
def note(
    c: Context, ticket: str, text: str, officer: str | None = None, log: str | None = None
) -> None:
    """Add a note to a ticket."""
    with _refusals():
        event = _log(c, log).note(ticket, text, _officer(officer))
    console.print(
        f"{ticket}: note recorded (event {event['seq']})", highlight=False, soft_wrap=True
    )


@task(help={"ticket": TICKET, "resolution": "what was done", "officer": OFFICER, "log": LOG})
def close(
    c: Context, ticket: str, resolution: str, officer: str | None = None, log: str | None = None
) -> None:
    """Close an open ticket with its resolution."""
    with _refusals():
        event = _log(c, log).close(ticket, resolution, _officer(officer))
    console.print(f"{ticket}: closed (event {event['seq']})", highlight=False, soft_wrap=True)


@task(
    help={
        "ticket": "the ticket to show (default: the latest events of the whole log)",
        "last": "without a ticket: how many of the latest events (default 20)",
        "log": LOG,
    },
)
def show(c: Context, ticket: str | None = None, last: int = 20, log: str | None = None) -> None:
    """Show the events of one ticket (--ticket ID), or the latest events of the log."""
    with _refusals():
        ticket_log = _log(c, log)
        events = ticket_log.events(ticket)
    if ticket and not events:
        raise Exit(f"no ticket {ticket} in {ticket_log.path}", code=1)
    title = (
        f"ticket {ticket}"
        if ticket
        else f"last {min(last, len(events))} events of {ticket_log.path}"
    )
    console.print(events_table(events if ticket else events[-last:], title))


@task(name="list", help={"open_": "only open tickets", "log": LOG})
def list_(c: Context, open_: bool = False, log: str | None = None) -> None:
    """List tickets with their state, turn-around time or age, and how they came in."""
    with _refusals():
        ticket_log = _log(c, log)
        tickets = ticket_log.tickets()
    if open_:
        tickets = [t for t in tickets if t.state == "open"]
    which = "open tickets" if open_ else "tickets"
    console.print(
        tickets_table(tickets, datetime.now(UTC), f"{len(tickets)} {which} in {ticket_log.path}")
    )


@task(
    help={
        "head": "also check against a head copied off the machine earlier (COUNT:SHA256)",
        "anchor": "also check against a checkpoint file written by `ticket.checkpoint`",
        "log": LOG,
    }
)
def verify(
    c: Context, head: str | None = None, anchor: str | None = None, log: str | None = None
) -> None:
    """Check chain, signatures and head: exit 0 ok, 1 tampered, 2 torn, 3 unsigned, 4 unreadable."""
    with _refusals():
        ticket_log = _log(c, log)
        marks = _anchor(ticket_log, head, anchor)
    try:
        result = ticket_log.verify(marks)
    except TicketLogUnreadable as exc:
        raise Exit(str(exc), code=UNREADABLE_EXIT) from None
    except REFUSALS as exc:
        raise fail(exc) from None
    for warning in result.warnings:
        errors.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    for note in result.notes:
        errors.print(f"note: {note}", highlight=False, soft_wrap=True)
    if result.status == "torn":
        raise Exit(f"{ticket_log.path}: {result}; `invoke ticket.repair` cuts it", code=2)
    if not result.ok:
        raise Exit(f"{ticket_log.path}: {result}", code=result.exit_code)
    if isinstance(marks, HeadRecord):
        console.print(
            f"{ticket_log.path}: the first {marks.count} events are those of the checkpoint "
            f"of {marks.ts}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"{ticket_log.path}: {result}", highlight=False, soft_wrap=True)


def _anchor(log: TicketLog, head: str | None, anchor: str | None) -> Head | HeadRecord | None:
    """The head token or the checkpoint file given to verify (not both)."""
    if head and anchor:
        raise Exit("give --head or --anchor, not both", code=1)
    if anchor:
        return log.read_checkpoint(Path(anchor))
    return Head.parse(head) if head else None


@task(help={"log": LOG})
def head(c: Context, log: str | None = None) -> None:
    """Print the head (COUNT:SHA256) to copy off the machine; `ticket.verify --head` checks it."""
    with _refusals():
        ticket_log = _log(c, log)
        current = ticket_log.head()
    if current is None:
        raise Exit(f"{ticket_log.path} has no head yet (no events)", code=1)
    errors.print(
        f"{ticket_log.path}: {current.count} events; head:", highlight=False, soft_wrap=True
    )
    print(current.token)


@task(help={"out": "file to write the checkpoint to (keep it off this machine)", "log": LOG})
def checkpoint(c: Context, out: str, log: str | None = None) -> None:
    """Verify the log, then write a signed checkpoint (count, last hash, size, time) to --out."""
    with _refusals():
        ticket_log = _log(c, log)
        record, sealed = ticket_log.checkpoint()
    target = Path(out)
    try:
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(sealed + b"\n")
        tmp.replace(target)
    except OSError as exc:
        raise Exit(f"{target}: cannot write the checkpoint ({exc.strerror})", code=1) from None
    signed = f"signed with key id {record.kid}" if record.kid else "UNSIGNED (no key given)"
    console.print(
        f"{target}: checkpoint of {ticket_log.path} at event {record.count}, {signed}; keep "
        f"it off this machine, then `invoke ticket.verify --anchor {target}`",
        highlight=False,
        soft_wrap=True,
    )


@task(
    help={
        "officer": OFFICER,
        "force": "also repair tampering: cut from the first bad line (kept aside), new head, "
        "or sign on with the key given",
        "log": LOG,
    }
)
def repair(
    c: Context, officer: str | None = None, force: bool = False, log: str | None = None
) -> None:
    """Repair what verify found (torn line, head behind, unsigned; --force: tampering)."""
    with _refusals():
        ticket_log = _log(c, log)
        event = ticket_log.repair(_officer(officer), force=force)
    if event is None:
        console.print(
            f"{ticket_log.path}: intact, nothing to repair", highlight=False, soft_wrap=True
        )
        return
    console.print(
        f"{ticket_log.path}: {describe(event)}; recorded as event {event['seq']}",
        highlight=False,
        soft_wrap=True,
    )


@task(
    help={
        "chart": f"PNG to write (default {tat.DEFAULT_CHART})",
        "csv": "CSV to write: every ticket's working-time TTO and TTR (needs the calendar)",
        "inventory": INVENTORY_HELP,
        "log": LOG,
    }
)
def report(
    c: Context,
    chart: str | None = None,
    csv: str | None = None,
    inventory: str | None = None,
    log: str | None = None,
) -> None:
    """Turn-around time: working-time TTO and TTR (median, p90, % in target) on the inventory's
    service-desk calendar, requests and the unit's own apart; open tickets by age."""
    run = context(c, inventory=inventory, ticket_log=log)
    with _refusals():
        policy = policy_of(run.inventory)
        events = run.ticket_log.events()
    data = tat.tat_report(summarise(events))
    written = Path(chart) if chart else tat.DEFAULT_CHART
    if policy is None:
        if csv:
            raise Exit("--csv needs the inventory's service_desk calendar", code=1)
        for table in tat.tables(data):
            console.print(table)
        console.print(f"chart: {tat.write_chart(data, written)}", highlight=False, soft_wrap=True)
        return
    measured = working.measure(events, policy)
    result = working.report(measured)
    for table in [*working.tables(result), tat.tables(data)[-1]]:
        console.print(table)
    console.print(f"chart: {working.write_chart(result, written)}", highlight=False)
    if csv:
        console.print(f"csv: {working.write_csv(measured, Path(csv))}", highlight=False)


ns = Collection("ticket", open_, note, close, show, list_, verify, head, checkpoint, repair, report)
