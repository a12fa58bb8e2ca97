"""``invoke patch.*``: report pending updates (search only) and patch PCs and servers.

Both validate the inventory before anything is contacted. ``apply`` needs an open ticket and
records every host's outcome in the ticket log, read from Ansible's own events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dzict.jobs import LIMIT_HELP
from dzict.patch.job import PatchJob
from dzict.patch.outcome import RunOutcome
from dzict.patch.report import load_state, merge, rows, save_state, to_rich, write_report
from dzict.tasks._common import INVENTORY_HELP, console, context, errors, refusals

EXIT_PENDING = 2
HELP = {
    "inventory": INVENTORY_HELP,
    "limit": LIMIT_HELP,
    "security_only": "only updates from a security suite (Debian) or category (Windows)",
}


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
    ctx = context(c, inventory=inventory)
    with refusals():
        job = PatchJob.select(ctx, limit)
        run = job.report(security_only)
    title = f"Pending updates, {ctx.inventory.dzongkhag.name}"
    needs, failed = _show(run, job.hosts, title, ctx.settings.path("patch_reports"))
    if failed:
        raise Exit("the search failed on some hosts (see the note column)", code=1)
    if check and needs:
        raise Exit("some hosts have pending updates or were not reached", code=EXIT_PENDING)


@task(
    help={
        **HELP,
        "ticket": "the open ticket this change belongs to (required)",
        "officer": "the officer making the change (default: DZICT_OFFICER, invoke config)",
    }
)
def apply(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    ticket: str = "",
    inventory: str | None = None,
    limit: str | None = None,
    security_only: bool = False,
    officer: str | None = None,
) -> None:
    """Patch servers then PCs in rolling batches; a failed server or check stops the rollout."""
    if not ticket:
        raise Exit("patch.apply needs --ticket ID (an open ticket)", code=1)
    ctx = context(c, inventory=inventory, officer=officer)
    with refusals():
        job = PatchJob.select(ctx, limit)
        recorder = ctx.recorder(ticket)
        run = job.apply(recorder, security_only)
    hosts = job.hosts
    _show(run, hosts, f"Patch outcome, ticket {ticket}", ctx.settings.path("patch_reports"))
    off = sorted(h for h in hosts if run.hosts[h].status == "unreachable")
    if off:
        errors.print(f"not patched (switched off?): {', '.join(off)}", highlight=False)
    if run.stopped:
        raise Exit(f"rollout stopped: {run.stopped}", code=1)


ns = Collection("patch", report, apply)
