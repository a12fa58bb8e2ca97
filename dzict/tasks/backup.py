"""``invoke backup.*``: deploy, run, status, check, restore and drill the unit's backups.

Members of the backup set are the servers (each backs itself up) and ``control`` (the control
node: device configuration backups and the ticket log). ``--limit`` takes host names, group
names or ``control``, comma-separated. Every change is recorded under its ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.table import Table

from dzict.backup.gate import format_age
from dzict.backup.health import StatusRow, backup_status
from dzict.backup.job import BackupJob
from dzict.jobs import Recorder, RunContext
from dzict.tasks._common import INVENTORY_HELP, console, context, errors, refusals

LIMIT_HELP = "hosts, sites, groups or `control`, comma-separated (default: every member)"
TICKET_HELP = "the open ticket this work is recorded under"
OFFICER_HELP = "the officer doing this (default: DZICT_OFFICER, invoke config `officer`)"


def _start(
    c: Context, inventory: str | None, limit: str | None, officer: str | None = None
) -> BackupJob:
    ctx = context(c, inventory=inventory, officer=officer)
    with refusals():
        return BackupJob.select(ctx, limit)


def _recorder(ctx: RunContext, ticket: str) -> Recorder:
    with refusals():
        return ctx.recorder(ticket)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


CHANGE_HELP = {
    "inventory": INVENTORY_HELP,
    "ticket": TICKET_HELP,
    "limit": LIMIT_HELP,
    "officer": OFFICER_HELP,
}


@task(help=CHANGE_HELP)
def deploy(
    c: Context,
    ticket: str,
    inventory: str | None = None,
    limit: str | None = None,
    officer: str | None = None,
) -> None:
    """Set up the backup host and the clients (roles backup_server, backup_client)."""
    job = _start(c, inventory, limit, officer)
    recorder = _recorder(job.ctx, ticket)
    with refusals():
        result = job.deploy(recorder)
    if not result.ok:
        raise Exit(f"backup deployment failed ({result.status}); see the play above", code=1)
    console.print(f"backup set deployed: {', '.join(job.members)}")


@task(help=CHANGE_HELP)
def run(
    c: Context,
    ticket: str,
    inventory: str | None = None,
    limit: str | None = None,
    officer: str | None = None,
) -> None:
    """Back up now: databases streamed into restic, files, retention; exit 1 if any failed."""
    job = _start(c, inventory, limit, officer)
    recorder = _recorder(job.ctx, ticket)
    with refusals():
        outcomes = job.run(recorder)
    table = Table("member", "result", "snapshots", "read", "stored")
    for o in outcomes:
        snaps = o.report.snapshots if o.report else []
        read = o.report.bytes_processed if o.report else 0
        added = o.report.bytes_added if o.report else 0
        table.add_row(
            o.host,
            "ok" if o.ok else "[red]FAILED[/red]",
            str(len(snaps)),
            _size(read),
            _size(added),
        )
    console.print(table)
    _reasons((o.host, "FAILED", o.reason) for o in outcomes if not o.ok)
    failed = [o.host for o in outcomes if not o.ok]
    if failed:
        raise Exit(f"backup failed on {', '.join(failed)} (recorded under {ticket})", code=1)


def _status_table(rows: list[StatusRow]) -> Table:
    colour = {"OK": "green", "STALE": "yellow", "FAILED": "red"}
    table = Table("member", "state", "last good (UTC)", "age", "policy", "size", "snapshots")
    for r in rows:
        when = f"{r.last_good:%Y-%m-%d %H:%M}" if r.last_good else "-"
        table.add_row(
            r.host,
            f"[{colour[r.state]}]{r.state}[/]",
            when,
            r.age_text,
            policy_text(r),
            _size(r.size),
            str(r.snapshots),
        )
    return table


def _reasons(lines: Iterable[tuple[str, str, str]]) -> None:
    """One line per member that is not well, whole (not folded into a table cell)."""
    for host, state, reason in lines:
        errors.print(f"{host}: {state}: {reason}", markup=False, highlight=False, soft_wrap=True)


def policy_text(row: StatusRow) -> str:
    """The policy's maximum age for a table cell."""
    return format_age(row.max_age)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "check": "exit 2 when any member is not OK (for monitoring)",
    }
)
def status(
    c: Context, inventory: str | None = None, limit: str | None = None, check: bool = False
) -> None:
    """Each member's last good backup, size and age against the policy: OK, STALE or FAILED."""
    job = _start(c, inventory, limit)
    with refusals():
        rows = backup_status(job.ctx.inventory, job.members)
    console.print(_status_table(rows))
    _reasons((r.host, r.state, r.reason) for r in rows if r.state != "OK")
    bad = [r.host for r in rows if r.state != "OK"]
    if check and bad:
        raise Exit(f"not OK: {', '.join(bad)}", code=2)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "subset": "restic --read-data-subset: auto (a seventh a day), n/t, a % or a size",
        "ticket": "record the check under this ticket too (optional)",
        "officer": OFFICER_HELP,
    }
)
def check(  # noqa: PLR0917 (an invoke task: its flags are its parameters)
    c: Context,
    inventory: str | None = None,
    limit: str | None = None,
    subset: str = "auto",
    ticket: str | None = None,
    officer: str | None = None,
) -> None:
    """Check the repositories (restic check --read-data-subset); exit 1 if any is damaged."""
    job = _start(c, inventory, limit, officer)
    recorder = _recorder(job.ctx, ticket) if ticket else None
    with refusals():
        outcomes = job.check(subset, recorder)
    table = Table("member", "check", "subset")
    for o in outcomes:
        table.add_row(o.host, "ok" if o.ok else "[red]FAILED[/red]", o.subset)
    console.print(table)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        errors.print(
            f"{o.host}: REPOSITORY CHECK FAILED: {o.message}", markup=False, soft_wrap=True
        )
    if failed:
        raise Exit(f"repository check failed on {', '.join(o.host for o in failed)}", code=1)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "ticket": TICKET_HELP,
        "host": "the member whose backup to restore from (a server, or control)",
        "snapshot": "restic snapshot id (default: the newest)",
        "path": "absolute file or folder to restore (with --target)",
        "target": "folder to restore under on the host (/ puts it back in place)",
        "database": "database to load back from its dump: DB or ENGINE/DB",
        "officer": OFFICER_HELP,
    }
)
def restore(  # noqa: PLR0917 (an invoke task: its flags are its parameters)
    c: Context,
    ticket: str,
    host: str,
    inventory: str | None = None,
    snapshot: str | None = None,
    path: str | None = None,
    target: str | None = None,
    database: str | None = None,
    officer: str | None = None,
) -> None:
    """Restore a file or folder (--path P --target DIR) or a database (--database DB)."""
    if bool(path) == bool(database) or bool(path) != bool(target):
        raise Exit("say either --path P --target DIR, or --database DB", code=1)
    job = _start(c, inventory, host, officer)
    if len(job.members) != 1:
        raise Exit(f"--host {host}: name one member, not {len(job.members)}", code=1)
    recorder = _recorder(job.ctx, ticket)
    member = job.members[0]
    with refusals():
        if path and target:
            done = job.restore_path(recorder, path, target, snapshot)
            console.print(
                f"{member}: restored {path} ({done.files} files) under {target}"
                f" from snapshot {done.snapshot[:8]}"
            )
        else:
            dbr = job.restore_database(recorder, str(database), snapshot)
            rows = sum(t.rows for t in dbr.tables.values())
            console.print(
                f"{member}: {dbr.engine}/{dbr.database} loaded from snapshot"
                f" {dbr.snapshot[:8]}: {len(dbr.tables)} tables, {rows} rows"
            )


@task(
    help={
        "inventory": INVENTORY_HELP,
        "ticket": TICKET_HELP,
        "limit": LIMIT_HELP,
        "files": "how many files to sample per member (default 20)",
        "seed": "sample seed, to repeat an earlier drill's sample",
        "officer": OFFICER_HELP,
    }
)
def drill(  # noqa: PLR0917 (an invoke task: its flags are its parameters)
    c: Context,
    ticket: str,
    inventory: str | None = None,
    limit: str | None = None,
    files: int = 20,
    seed: int | None = None,
    officer: str | None = None,
) -> None:
    """Restore drill: dumps into scratch databases and a sample of files, compared with sources."""
    job = _start(c, inventory, limit, officer)
    recorder = _recorder(job.ctx, ticket)
    with refusals():
        used, findings = job.drill(recorder, files, seed)
    for found in findings:
        console.print(f"[bold]{found.host}[/bold]: {'passed' if found.passed else 'FAILED'}")
        for line in found.lines:
            console.print(f"  {line}", markup=False, highlight=False)
    failed = [f.host for f in findings if not f.passed]
    if failed:
        raise Exit(f"restore drill failed on {', '.join(failed)} (recorded under {ticket})", code=1)
    console.print(f"restore drill passed on {len(findings)} members (sample seed {used})")


COMMANDS: list[Callable[..., None]] = [deploy, run, status, check, restore, drill]
ns = Collection("backup", *COMMANDS)
