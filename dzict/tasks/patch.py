"""``invoke patch.*``: report pending updates (search only) and patch PCs and servers.

Both validate the inventory before anything is contacted. ``apply`` needs an open ticket and
records every host's outcome in the ticket log, read from Ansible's own events.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dzict.exceptions import DzictError
from dzict.inventory.model import Inventory
from dzict.patch.outcome import HostOutcome, RunOutcome, mark_stopped, outcomes_from_events
from dzict.patch.plan import serial_vars, targets
from dzict.patch.report import (
    host_outcome_summary,
    load_state,
    merge,
    rows,
    save_state,
    to_rich,
    write_report,
)
from dzict.patch.runner import REPO_ROOT, run_playbook
from dzict.tasks._common import INVENTORY_HELP, console, errors, fail, validated
from dzict.ticketlog import TicketLog
from dzict.ticketlog.log import resolve_path

REPORTS_ENV = "DZICT_PATCH_REPORTS"
EXIT_PENDING = 2
HELP = {
    "inventory": INVENTORY_HELP,
    "limit": "Ansible host pattern limiting the run (e.g. 'pcs', 'dzlab-hq-*')",
    "security_only": "only updates from a security suite (Debian) or category (Windows)",
}


def reports_dir(c: Context) -> Path:
    """Where reports and the patch state go: DZICT_PATCH_REPORTS, invoke config, var/reports."""
    configured = c.config.get("patch_reports") if c is not None else None
    return Path(os.environ.get(REPORTS_ENV) or configured or REPO_ROOT / "var" / "reports")


def ticket_log(c: Context, inv: Inventory) -> TicketLog:
    """The ticket log of invoke's configuration, numbering tickets with the Dzongkhag's code."""
    configured = c.config.get("ticket_log") if c is not None else None
    return TicketLog(resolve_path(configured=configured), code=inv.dzongkhag.code)


def _run(
    playbook: str, inv: Inventory, hosts: list[str], limit: str | None, extra: dict[str, object]
) -> RunOutcome:
    if not hosts:
        raise Exit(f"no PC or server matches --limit {limit!r}", code=1)
    try:
        played = run_playbook(playbook, inv.root, limit=limit, extravars=extra)
    except DzictError as exc:
        raise fail(exc) from None
    servers = {h.name for h in inv.by_role("server")}
    report_only = playbook == "patch_report.yml"
    run = outcomes_from_events(played.events, hosts, report_only=report_only)
    return mark_stopped(run, played.rc, critical=set() if report_only else servers)


def _show(run: RunOutcome, hosts: list[str], title: str, folder: Path) -> tuple[bool, bool]:
    """Print and write the report; return (any host needs patching, any host failed)."""
    now = datetime.now(UTC)
    state = merge(load_state(folder), run, now)
    save_state(folder, state)
    table = rows(state, hosts)
    console.print(to_rich(table, title))
    csv_path, md_path = write_report(folder, table, now, title)
    console.print(f"written: {csv_path} and {md_path}", highlight=False)
    needs = any(state[h].needs_patching for h in hosts)
    failed = any(run.hosts[h].status == "failed" for h in hosts)
    return needs, failed


@task(
    help={
        **HELP,
        "check": "exit 2 when any host has pending updates (or was not reached), 0 when none,"
        " 1 on error",
    }
)
def report(
    c: Context,
    inventory: str | None = None,
    limit: str | None = None,
    check: bool = False,
    security_only: bool = False,
) -> None:
    """Search only: list each host's pending updates; write CSV and Markdown under var/reports/."""
    inv = validated(c, inventory)
    hosts = targets(inv, limit)
    run = _run("patch_report.yml", inv, hosts, limit, {"patch_security_only": security_only})
    needs, failed = _show(run, hosts, f"Pending updates, {inv.dzongkhag.name}", reports_dir(c))
    if failed:
        raise Exit("the search failed on some hosts (see the note column)", code=1)
    if check and needs:
        raise Exit("some hosts have pending updates or were not reached", code=EXIT_PENDING)


def record(log: TicketLog, ticket: str, outcome: HostOutcome, stopped: str) -> None:
    """One ticket log entry per host: result, versions before and after, and why."""
    before = {u.name: u.installed for u in outcome.upgraded}
    after = {u.name: u.candidate for u in outcome.upgraded}
    details = host_outcome_summary(outcome)
    if stopped and outcome.status == "not run":
        details["stopped"] = stopped
    log.change(
        ticket,
        "patch.apply",
        [outcome.host],
        result=outcome.status,
        before=before or None,
        after=after or None,
        **details,
    )


@task(help={**HELP, "ticket": "the open ticket this change belongs to (required)"})
def apply(
    c: Context,
    ticket: str = "",
    inventory: str | None = None,
    limit: str | None = None,
    security_only: bool = False,
) -> None:
    """Patch servers then PCs in rolling batches; a failed server or check stops the rollout."""
    if not ticket:
        raise Exit("patch.apply needs --ticket ID (an open ticket)", code=1)
    inv = validated(c, inventory)
    log = ticket_log(c, inv)
    try:
        log.require_open(ticket)
        extra: dict[str, object] = {"patch_security_only": security_only, **serial_vars(inv)}
    except DzictError as exc:
        raise fail(exc) from None
    hosts = targets(inv, limit)
    run = _run("patch.yml", inv, hosts, limit, extra)
    for name in hosts:
        record(log, ticket, run.hosts[name], run.stopped)
    if run.stopped:
        log.note(ticket, f"patch rollout stopped: {run.stopped}")
    _show(run, hosts, f"Patch outcome, ticket {ticket}", reports_dir(c))
    off = sorted(h for h in hosts if run.hosts[h].status == "unreachable")
    if off:
        errors.print(f"not patched (switched off?): {', '.join(off)}", highlight=False)
    if run.stopped:
        raise Exit(f"rollout stopped: {run.stopped}", code=1)


ns = Collection("patch", report, apply)
