"""``invoke ap.plan | ap.apply | ap.verify``: Wi-Fi access points, through plan before apply.

The inventory is checked first (nothing is contacted when it is invalid), every file is rendered
before any access point is asked, and hostapd's own parser checks every candidate on every
access point before the first one changes. Exit codes of ``ap.plan --check``: 0 every access
point is as intended, 2 at least one differs, 1 an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from nornir.core import Nornir
from nornir.core.task import AggregatedResult, MultiResult
from rich.table import Table

from dzict.ap.intent import ApIntent, intents
from dzict.ap.render import ApFile, files
from dzict.exceptions import DzictError, TicketError
from dzict.inventory import Inventory
from dzict.tasks._common import INVENTORY_HELP, console, errors, fail, inventory_dir, validated

# A failed host is reported here in one line; keep Nornir's tracebacks off the officer's screen.
logging.getLogger("nornir.core").addHandler(logging.NullHandler())
HOSTS_HELP = "comma-separated access point names (default: every access point)"
TEMPLATES_HELP = "template folder (default: DZICT_TEMPLATES, else the repository's templates/)"
TASK_NAME = "ap.apply"


@dataclass
class Job:
    """What every AP task needs: the inventory, the intents, the rendered files, Nornir."""

    inventory: Inventory
    intents: dict[str, ApIntent]
    files: dict[str, dict[str, ApFile]]
    nornir: Nornir

    def run(self, task_fn: Callable[..., Any], names: list[str], **kwargs: Any) -> AggregatedResult:
        """Run a Nornir task on the named access points, with their rendered files."""
        subset = self.nornir.filter(filter_func=lambda h: h.name in names)
        return subset.run(task=task_fn, files=self.files, on_failed=True, **kwargs)


def _job(c: Context, inventory: str | None, hosts: str | None, templates: str | None) -> Job:
    """Validate, compute and render everything before any access point is contacted."""
    inv = validated(c, inventory)
    wanted = [h.strip() for h in hosts.split(",")] if hosts else None
    known = {h.name for h in inv.by_role("ap")}
    unknown = sorted(set(wanted or []) - known)
    if unknown:
        raise Exit(f"not access points of this inventory: {', '.join(unknown)}", code=1)
    try:
        plans = intents(inv, wanted)
        rendered = {name: files(intent, templates) for name, intent in plans.items()}
    except DzictError as exc:
        raise fail(exc) from None
    if not plans:
        raise Exit("no access points in this inventory", code=1)
    import dzict.nornir_paramiko  # noqa: F401 (registers the "paramiko" connection)
    from dzict.nornir_inventory import init_nornir

    nr = init_nornir(inventory_dir(c, inventory))
    return Job(inv, plans, rendered, nr)


def _error(multi: MultiResult) -> str:
    """One line: the host's name and what went wrong."""
    exc = multi[0].exception
    if exc is not None:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        text = str(multi[0].result).strip().splitlines()[-1]
    host = multi[0].host.name if multi[0].host else "?"
    return text if text.startswith(f"{host}:") else f"{host}: {text}"


def _show(results: AggregatedResult) -> tuple[list[str], list[str]]:
    """Print each AP's diff (or failure); return the names that differ and that failed."""
    changed, failed = [], []
    for name in sorted(results):
        multi = results[name]
        if multi.failed:
            failed.append(name)
            errors.print(f"FAILED {_error(multi)}", markup=False, soft_wrap=True)
            continue
        diff = multi[0].diff or ""
        if multi[0].changed:
            changed.append(name)
            console.rule(name)
            console.print(diff.rstrip(), markup=False, highlight=False, soft_wrap=True)
        else:
            console.print(f"{name}: as intended", highlight=False)
    return changed, failed


@task(
    help={
        "inventory": INVENTORY_HELP,
        "hosts": HOSTS_HELP,
        "check": "exit 2 when any access point differs from the intended configuration",
        "templates": TEMPLATES_HELP,
    }
)
def plan(
    c: Context,
    inventory: str | None = None,
    hosts: str | None = None,
    check: bool = False,
    templates: str | None = None,
) -> None:
    """Show what ap.apply would change on each access point (files, VLAN bridges)."""
    from nornir_tasks.ap_plan import ap_plan

    job = _job(c, inventory, hosts, templates)
    try:
        changed, failed = _show(job.run(ap_plan, sorted(job.intents), intents=job.intents))
    finally:
        job.nornir.close_connections()
    if failed:
        raise Exit(f"{len(failed)} access point(s) could not be planned", code=1)
    if check and changed:
        raise Exit(f"{len(changed)} access point(s) differ: {', '.join(changed)}", code=2)
    console.print(f"{len(changed)} of {len(job.intents)} access point(s) would change")


def _ticket_log(c: Context, code: str) -> Any:
    from dzict.ticketlog import TicketLog
    from dzict.ticketlog.log import resolve_path

    return TicketLog(resolve_path(None, c.config.get("ticket_log")), code=code)


def _record(log: Any, ticket: str, results: AggregatedResult, fallback: str) -> None:
    """One ticket log event per access point."""
    for name in sorted(results):
        multi = results[name]
        if multi.failed:
            outcome, detail = fallback, {"error": _error(multi)}
        else:
            outcome = "changed" if multi[0].changed else "unchanged"
            result = multi[0].result if isinstance(multi[0].result, dict) else {}
            detail = {"notes": result.get("notes", []), "backup": result.get("backup", "")}
        log.change(ticket, TASK_NAME, name, outcome, diff=multi[0].diff or None, **detail)


@task(
    help={
        "ticket": "open ticket this change is made under (required)",
        "inventory": INVENTORY_HELP,
        "hosts": HOSTS_HELP,
        "templates": TEMPLATES_HELP,
    }
)
def apply(
    c: Context,
    ticket: str = "",
    inventory: str | None = None,
    hosts: str | None = None,
    templates: str | None = None,
) -> None:
    """Check every candidate with hostapd, then change one access point, verify, then the rest."""
    from nornir_tasks.ap_apply import ap_apply
    from nornir_tasks.ap_check import ap_check

    if not ticket:
        raise Exit("ap.apply needs --ticket ID (an open ticket)", code=1)
    job = _job(c, inventory, hosts, templates)
    log = _ticket_log(c, job.inventory.dzongkhag.code)
    try:
        log.require_open(ticket)
    except TicketError as exc:
        raise fail(exc) from None
    names = sorted(job.intents)
    try:
        checked = job.run(ap_check, names)
        rejected = [n for n in names if checked[n].failed]
        if rejected:
            for name in rejected:
                errors.print(_error(checked[name]), markup=False, soft_wrap=True)
            _record(log, ticket, checked, "rejected-before-change")
            raise Exit(
                f"hostapd rejected the candidate of {len(rejected)} access point(s);"
                " no access point was changed",
                code=1,
            )
        first, rest = names[:1], names[1:]
        done = job.run(ap_apply, first, intents=job.intents)
        _record(log, ticket, done, "rolled-back")
        _, failed = _show(done)
        if failed:
            raise Exit(f"{first[0]} failed and was rolled back; the others were not touched", 1)
        if rest:
            done = job.run(ap_apply, rest, intents=job.intents)
            _record(log, ticket, done, "rolled-back")
            _, failed = _show(done)
            if failed:
                raise Exit(f"{len(failed)} access point(s) failed and were rolled back", code=1)
    finally:
        job.nornir.close_connections()
    console.print(f"{len(names)} access point(s) as intended; recorded under {ticket}")


@task(help={"inventory": INVENTORY_HELP, "hosts": HOSTS_HELP, "templates": TEMPLATES_HELP})
def verify(
    c: Context, inventory: str | None = None, hosts: str | None = None, templates: str | None = None
) -> None:
    """Post-checks on each access point: files, hostapd's parser, VLAN bridges, LLDP, hostapd."""
    from nornir_tasks.ap_verify import ap_verify

    job = _job(c, inventory, hosts, templates)
    try:
        results = job.run(ap_verify, sorted(job.intents), intents=job.intents)
    finally:
        job.nornir.close_connections()
    table = Table(title="access points")
    for column in ("access point", "check", "result", "seen"):
        table.add_column(column)
    failed = []
    for name in sorted(results):
        multi = results[name]
        if multi[0].exception is not None:
            failed.append(name)
            table.add_row(name, "reached", "FAILED", _error(multi), style="red")
            continue
        for check in multi[0].result:
            table.add_row(name, check.name, "ok" if check.ok else "FAILED", check.detail,
                          style="" if check.ok else "red")  # fmt: skip
        if multi.failed:
            failed.append(name)
    console.print(table)
    if failed:
        raise Exit(f"{len(failed)} access point(s) failed verification: {', '.join(failed)}", 1)
    console.print(f"{len(results)} access point(s) verified")


ns = Collection("ap")
ns.add_task(plan)
ns.add_task(apply)
ns.add_task(verify)
