"""``backup.status``: each member's last good backup, its size and age against the policy.

The repositories are asked (``restic snapshots --json`` and ``restic stats --json`` through the
agent) and what each host remembers of its own runs (its timer's too) is merged into the status
record. A member is

* FAILED when its repository cannot be read, its last check failed, its last run failed, or it
  has no good backup at all;
* STALE when its last good backup is older than the policy;
* OK otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from dzict.backup import policy
from dzict.backup.gate import format_age
from dzict.backup.models import AgentStatus, parse
from dzict.backup.remote import AgentAnswer, run_agent
from dzict.backup.status import HostStatus, Outcome, Snapshot, merge_host, now, read_status
from dzict.exceptions import BackupError
from dzict.inventory.model import Inventory

__all__ = ["StatusRow", "backup_status", "judge"]

State = Literal["OK", "STALE", "FAILED"]


@dataclass(frozen=True)
class StatusRow:
    """One line of ``backup.status``."""

    host: str
    state: State
    last_good: datetime | None
    age: timedelta | None
    max_age: timedelta
    size: int | None
    snapshots: int
    reason: str = ""

    @property
    def age_text(self) -> str:
        """The age for a table cell."""
        return format_age(self.age) if self.age is not None else "-"


def judge(
    host: str,
    entry: HostStatus | None,
    problems: Sequence[str],
    max_age: timedelta,
    at: datetime,
    *,
    size: int | None = None,
    snapshots: int = 0,
) -> StatusRow:
    """OK, STALE or FAILED, with the reason, from the record and what the repository said."""
    good = entry.last_good if entry else None
    age = at - good.time if good else None
    row = StatusRow(host, "OK", good.time if good else None, age, max_age, size, snapshots)

    def failed(reason: str) -> StatusRow:
        return StatusRow(**{**row.__dict__, "state": "FAILED", "reason": reason})

    if problems:
        return failed("; ".join(problems))
    check = entry.last_check if entry else None
    if check is not None and check.result == "failed":
        return failed(f"repository check of {check.time:%Y-%m-%d %H:%M} failed: {check.message}")
    run = entry.last_run if entry else None
    if run is not None and run.result == "failed" and (good is None or run.time > good.time):
        return failed(f"last run {run.time:%Y-%m-%d %H:%M} failed: {run.message}")
    if good is None or age is None:
        return failed("no good backup")
    if age > max_age:
        return StatusRow(**{**row.__dict__, "state": "STALE", "reason": "older than the policy"})
    return row


def _remembered(answer: AgentAnswer) -> tuple[AgentStatus | None, list[str]]:
    """What the agent said, and the problems it met (unreachable, unreadable repository)."""
    if not answer.stdout.strip():
        return None, [answer.reason]
    try:
        status = parse(AgentStatus, answer.stdout, f"{answer.host}: dzict-backup status")
    except BackupError as exc:
        return None, [str(exc)]
    return status, list(status.errors)


def _merge(host: str, status: AgentStatus, status_file: Path | None) -> HostStatus:
    """Take the host's own memory of its runs into the record."""
    run, good = status.state.last_run, status.state.last_good
    last_run = None
    if run is not None and run.finished is not None:
        message = "; ".join(run.errors)
        last_run = Outcome(time=run.finished, result=run.result, message=message)
    last_good = None
    if good is not None and good.started is not None:
        ids = " ".join(s.snapshot_id for s in good.snapshots)
        last_good = Snapshot(time=good.started, snapshot=ids, size=good.bytes_processed)
    return merge_host(host, last_run, last_good, status_file)


def backup_status(
    inventory: Inventory,
    members: Sequence[str],
    status_file: Path | None = None,
    control_dir: Path | None = None,
    at: datetime | None = None,
) -> list[StatusRow]:
    """Ask every member's repository; refresh the record; judge each member."""
    answers = run_agent(inventory, {m: ["status"] for m in members}, control_dir)
    at = at or now()
    rows = []
    for member in members:
        status, problems = _remembered(answers[member])
        size, count = None, 0
        if status is not None:
            _merge(member, status, status_file)
            size = status.stats.total_size if status.stats else None
            count = len(status.snapshots)
        entry = read_status(status_file).hosts.get(member)
        limit = policy.max_age_for(inventory, member)
        rows.append(judge(member, entry, problems, limit, at, size=size, snapshots=count))
    return rows
