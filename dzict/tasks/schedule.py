"""``invoke schedule.*``: install the systemd timers of scheduled patch and backup runs."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dzict.exceptions import DzictError
from dzict.jobs.context import officer_name
from dzict.schedule import JOBS, verify, write_units
from dzict.tasks._common import INVENTORY_HELP, REFUSALS, console, context, fail, validated

SYSTEMD_DIR = "/etc/systemd/system"


@task(
    help={
        "inventory": INVENTORY_HELP,
        "dest": f"folder for the unit files (default {SYSTEMD_DIR})",
        "enable": "also reload systemd and enable the timers now",
    }
)
def install(
    c: Context, inventory: str | None = None, dest: str = SYSTEMD_DIR, enable: bool = False
) -> None:
    """Write service and timer units for the patch windows and backup time of the inventory."""
    inv = validated(c, inventory)
    try:
        written = write_units(inv, Path(dest))
    except DzictError as exc:
        raise fail(exc) from None
    problems = verify(written)
    for path in written:
        console.print(f"written: {path}", highlight=False)
    if problems:
        raise Exit(f"systemd-analyze verify complains:\n{problems}", code=1)
    timers = [p.name for p in written if p.suffix == ".timer"]
    if enable:
        c.run("systemctl daemon-reload")
        c.run(f"systemctl enable --now {' '.join(timers)}")
    else:
        console.print(
            f"to start them: systemctl daemon-reload && systemctl enable --now {' '.join(timers)}",
            highlight=False,
        )


@task(
    help={
        "job": f"what to run: {', '.join(JOBS)}",
        "inventory": INVENTORY_HELP,
        "limit": "Ansible host pattern (patch only)",
    }
)
def run(c: Context, job: str, inventory: str | None = None, limit: str | None = None) -> None:
    """Run one scheduled job under a ticket of its own, opened and closed by this run."""
    if job not in JOBS:
        raise Exit(f"unknown job {job!r}: one of {', '.join(JOBS)}", code=1)
    ctx = context(c, inventory=inventory)
    line, category = JOBS[job]
    log = ctx.ticket_log
    # the scheduled run acts for the unit: named so, unless a person is configured
    officer = officer_name(ctx.settings) or f"scheduler (schedule.run {job})"
    summary = f"Scheduled {job}" + (f" of {limit}" if limit else "")
    try:
        with log.scheduled_ticket(category, summary, officer=officer) as ticket:
            args = line.format(ticket=ticket)
            if limit:
                args += f" --limit {shlex.quote(limit)}"
            if inventory:
                args += f" --inventory {shlex.quote(inventory)}"
            console.print(f"ticket {ticket}: invoke {args}", highlight=False)
            result = c.run(
                f"{shlex.quote(sys.executable)} -m invoke {args}",
                warn=True,
                pty=False,
                env={"DZICT_OFFICER": officer},
            )
            if result is None or result.failed:
                code = "?" if result is None else result.exited
                raise Exit(f"scheduled {job} failed (exit {code}); ticket {ticket}", code=1)
    except REFUSALS as exc:
        raise fail(exc) from None


ns = Collection("schedule", install, run)
