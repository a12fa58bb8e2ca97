"""Scheduled patch and backup runs as systemd service and timer units, from the inventory.

The inventory says when (systemd calendar expressions):

* ``schedule_patch_window`` (group_vars of ``servers`` and ``pcs``, or ``all``): when the
  group is patched, e.g. ``Sat *-*-* 22:00``; one timer per group;
* ``schedule_backup_time`` (``all``): when the servers are backed up, e.g. ``*-*-* 02:00``.

Each unit runs ``invoke schedule.run JOB``, which opens a ticket of its own, runs the job under
it and closes it (``success`` or ``failed``).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dzict.exceptions import ScheduleError
from dzict.inventory.model import Inventory

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "templates" / "systemd"
UNIT_PREFIX = "dzict-"
PATCH_GROUPS = {"servers": "server", "pcs": "pc"}
#: The invoke task line each job runs under its ticket, and the ticket's category.
JOBS = {
    "patch": ("patch.apply --ticket {ticket}", "os-patch"),
    "backup": ("backup.run --ticket {ticket}", "backup"),
}


@dataclass(frozen=True)
class Job:
    """One scheduled job: its unit name, when it runs and what it runs."""

    name: str
    job: str
    on_calendar: str
    limit: str
    description: str
    source: str

    @property
    def service(self) -> str:
        """The service unit's file name."""
        return f"{UNIT_PREFIX}{self.name}.service"

    @property
    def timer(self) -> str:
        """The timer unit's file name."""
        return f"{UNIT_PREFIX}{self.name}.timer"


def check_calendar(expression: str, source: str) -> str:
    """Refuse an expression systemd cannot parse, naming where it came from."""
    proc = subprocess.run(
        ["systemd-analyze", "calendar", expression], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["invalid"])[-1]
        raise ScheduleError(f"{source}: {expression!r} is not a systemd calendar time: {reason}")
    return expression


def _one_value(inv: Inventory, role: str | None, key: str, group: str) -> str | None:
    hosts = [h for h in inv.hosts.values() if role is None or h.role == role]
    values = {str(h.vars[key]) for h in hosts if h.vars.get(key)}
    if len(values) > 1:
        raise ScheduleError(
            f"group_vars/{group}: {key} differs between hosts ({', '.join(sorted(values))})"
        )
    return next(iter(values), None)


def jobs(inv: Inventory) -> list[Job]:
    """The jobs the inventory schedules (none when it names no times)."""
    found: list[Job] = []
    for group, role in PATCH_GROUPS.items():
        window = _one_value(inv, role, "schedule_patch_window", group)
        if window and inv.by_role(role):
            source = f"group_vars/{group}: schedule_patch_window"
            found.append(
                Job(
                    name=f"patch-{group}",
                    job="patch",
                    on_calendar=check_calendar(window, source),
                    limit=group,
                    description=f"{inv.dzongkhag.name}: patch the {group} (a ticket per run)",
                    source=source,
                )
            )
    backup = _one_value(inv, None, "schedule_backup_time", "all")
    if backup:
        source = "group_vars/all: schedule_backup_time"
        found.append(
            Job(
                name="backup",
                job="backup",
                on_calendar=check_calendar(backup, source),
                limit="",
                description=f"{inv.dzongkhag.name}: back up the servers (a ticket per run)",
                source=source,
            )
        )
    return found


def render(inv: Inventory, job: Job, python: str = sys.executable) -> dict[str, str]:
    """The unit files of one job: file name to text."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    values = {
        "description": job.description,
        "readme": REPO_ROOT / "README.md",
        "workdir": REPO_ROOT,
        "inventory": inv.root.resolve(),
        "python": python,
        "job": job.job,
        "limit": shlex.quote(job.limit) if job.limit else "",
        "timeout": "4h",
        "on_calendar": job.on_calendar,
        "service": job.service,
    }
    return {
        job.service: env.get_template("job.service.j2").render(values),
        job.timer: env.get_template("job.timer.j2").render(values),
    }


def write_units(inv: Inventory, dest: Path, python: str = sys.executable) -> list[Path]:
    """Write every job's units into ``dest``; return the files written."""
    scheduled = jobs(inv)
    if not scheduled:
        raise ScheduleError(
            "the inventory schedules nothing: set schedule_patch_window and schedule_backup_time"
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for job in scheduled:
        for name, text in render(inv, job, python).items():
            path = dest / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def verify(paths: list[Path]) -> str:
    """``systemd-analyze verify`` on unit files: its complaints ('' when there are none)."""
    proc = subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    return (proc.stdout + proc.stderr).strip() if proc.returncode or proc.stderr else ""
