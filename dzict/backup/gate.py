"""The backup-before-change gate.

Every task that changes hosts (``patch.apply``, ``wan.apply``) calls
:func:`require_recent_backup` before it touches anything::

    from dzict.backup.gate import require_recent_backup
    checks = require_recent_backup(inventory, ["dzlab-hq-app", "dzlab-hq-rtr"])

It refuses with :class:`dzict.exceptions.BackupGateError`, one line per host naming the host
and the age of its last good backup, when that backup is missing, older than the policy
(``backup_max_age_hours``, default 26) or kept in a repository whose last check failed
(only a passing check clears that: a new backup may reuse the damaged data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dzict.backup import policy
from dzict.backup.status import HostStatus, now, read_status
from dzict.exceptions import BackupGateError, BackupStatusError
from dzict.inventory.model import Host, Inventory

__all__ = ["GateCheck", "format_age", "require_recent_backup"]


@dataclass(frozen=True)
class GateCheck:
    """One host that passed the gate: the entry that covers it and how old its backup is."""

    host: str
    covered_by: str
    snapshot: str
    age: timedelta
    max_age: timedelta


def format_age(age: timedelta) -> str:
    """``1 d 4 h``, ``3 h 12 min``, ``5 min``: an age a person reads at a glance."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def _refusal(
    host: Host, via: str, entry: HostStatus | None, limit: timedelta, at: datetime
) -> tuple[GateCheck | None, str | None]:
    """Judge one host: a passing check or the reason it is refused."""
    name = host.name if via == host.name else f"{host.name} (backed up by {via})"
    policy_text = f"policy {format_age(limit)}"
    if entry is None or entry.last_good is None:
        return None, f"{name}: no good backup recorded ({policy_text})"
    good = entry.last_good
    age = at - good.time
    if age > limit:
        return None, (
            f"{name}: last good backup {format_age(age)} old, "
            f"taken {good.time:%Y-%m-%d %H:%M} UTC ({policy_text})"
        )
    check = entry.last_check
    if check is not None and check.result == "failed":
        return None, (
            f"{name}: last good backup {format_age(age)} old, but the repository check of"
            f" {check.time:%Y-%m-%d %H:%M} UTC failed: {check.message}"
        )
    return GateCheck(host.name, via, good.snapshot, age, limit), None


def require_recent_backup(
    inventory: Inventory,
    hosts: Iterable[str | Host],
    max_age: timedelta | None = None,
    status_file: Path | None = None,
    at: datetime | None = None,
) -> list[GateCheck]:
    """Refuse unless every gated host among ``hosts`` has a recent good backup.

    ``max_age`` overrides the inventory's policy for every host; ``status_file`` overrides the
    status record's location; ``at`` is the moment to judge ages at (default: now). Hosts the
    policy does not gate (PCs, mirrors, the backup host) pass without a check.
    Returns the checks that passed, for the caller's ticket log entry.
    """
    names = [h.name if isinstance(h, Host) else h for h in hosts]
    unknown = sorted(n for n in names if n not in inventory.hosts)
    if unknown:
        raise BackupGateError([f"{n}: not in the inventory" for n in unknown])
    try:
        status = read_status(status_file)
    except BackupStatusError as exc:
        raise BackupGateError([f"backup status unreadable: {exc}"]) from None
    at = at or now()
    passed: list[GateCheck] = []
    refusals: list[str] = []
    for name in names:
        host = inventory.hosts[name]
        via = policy.covered_by(host)
        if via is None:
            continue
        limit = max_age if max_age is not None else policy.max_age(host)
        check, refusal = _refusal(host, via, status.hosts.get(via), limit, at)
        if refusal is not None:
            refusals.append(refusal)
        elif check is not None:
            passed.append(check)
    if refusals:
        raise BackupGateError(refusals)
    return passed
