"""``invoke ap.plan | ap.apply | ap.verify``: Wi-Fi access points, through plan before apply.

The inventory is checked first (nothing is contacted when it is invalid), every file is rendered
before any access point is asked, and hostapd's own parser checks every candidate on every
access point before the first one changes. Exit codes of ``ap.plan --check``: 0 every access
point is as intended, 2 at least one differs, 1 an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from nornir.core.task import AggregatedResult
from rich.table import Table

from dzict.ap.job import ApJob, error_line
from dzict.jobs import LIMIT_HELP, select
from dzict.tasks._common import INVENTORY_HELP, console, context, errors, refusals

TEMPLATES_HELP = "template folder (default: DZICT_TEMPLATES, else the repository's templates/)"
HELP = {"inventory": INVENTORY_HELP, "limit": LIMIT_HELP, "templates": TEMPLATES_HELP}


@contextmanager
def _job(
    c: Context, inventory: str | None, limit: str | None, templates: str | None, **flags: str
) -> Iterator[ApJob]:
    """Validate, compute and render everything before any access point is contacted."""
    ctx = context(c, inventory=inventory, **flags)
    with refusals():
        names = select(ctx.inventory, limit, ["ap"])
        job = ApJob(ctx, names, Path(templates) if templates else None)
    try:
        yield job
    finally:
        ctx.close()


def _show(results: AggregatedResult) -> tuple[list[str], list[str]]:
    """Print each AP's diff (or failure); return the names that differ and that failed."""
    changed, failed = [], []
    for name in sorted(results):
        multi = results[name]
        if multi.failed:
            failed.append(name)
            errors.print(f"FAILED {error_line(multi)}", markup=False, soft_wrap=True)
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
        **HELP,
        "check": "exit 2 when any access point differs from the intended configuration",
    }
)
def plan(
    c: Context,
    inventory: str | None = None,
    limit: str | None = None,
    check: bool = False,
    templates: str | None = None,
) -> None:
    """Show what ap.apply would change on each access point (files, VLAN bridges)."""
    with _job(c, inventory, limit, templates) as job:
        changed, failed = _show(job.plan())
    if failed:
        raise Exit(f"{len(failed)} access point(s) could not be planned", code=1)
    if check and changed:
        raise Exit(f"{len(changed)} access point(s) differ: {', '.join(changed)}", code=2)
    console.print(f"{len(changed)} of {len(job.intents)} access point(s) would change")


@task(
    help={
        **HELP,
        "ticket": "open ticket this change is made under (required)",
        "officer": "the officer making the change (default: DZICT_OFFICER, invoke config)",
    }
)
def apply(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    ticket: str = "",
    inventory: str | None = None,
    limit: str | None = None,
    templates: str | None = None,
    officer: str | None = None,
) -> None:
    """Check every candidate with hostapd, then change one access point, verify, then the rest."""
    if not ticket:
        raise Exit("ap.apply needs --ticket ID (an open ticket)", code=1)
    with _job(c, inventory, limit, templates, officer=officer or "") as job:
        with refusals():
            recorder = job.ctx.recorder(ticket)
        done = job.apply(recorder)
    for name in done.rejected:
        errors.print(error_line(done.results[0][name]), markup=False, soft_wrap=True)
    if not done.rejected:
        for result in done.results:
            _show(result)
    if done.stopped:
        raise Exit(done.stopped, code=1)
    console.print(f"{len(job.names)} access point(s) as intended; recorded under {ticket}")


@task(help=HELP)
def verify(
    c: Context, inventory: str | None = None, limit: str | None = None, templates: str | None = None
) -> None:
    """Post-checks on each access point: files, hostapd's parser, VLAN bridges, LLDP, hostapd."""
    with _job(c, inventory, limit, templates) as job:
        results = job.verify()
    table = Table(title="access points")
    for column in ("access point", "check", "result", "seen"):
        table.add_column(column)
    failed = []
    for name in sorted(results):
        multi = results[name]
        if multi[0].exception is not None:
            failed.append(name)
            table.add_row(name, "reached", "FAILED", error_line(multi), style="red")
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
