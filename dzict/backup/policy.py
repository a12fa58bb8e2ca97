"""Backup policy read from the inventory: whose backup covers a host, and how old it may be.

* ``backup_max_age_hours`` (any group_vars or host_vars; default 26): the oldest a last good
  backup may be before a change to the host is refused.
* ``backup_via``: the status entry whose backup covers the host. Servers are backed up
  themselves; routers and access points are covered by the control node's backup set, which
  holds the device configuration repository. PCs, mirrors and the backup host are not gated
  unless ``backup_via`` names an entry (their data lives on the servers or is rebuilt).
"""

from __future__ import annotations

from datetime import timedelta

from dzict.exceptions import BackupError
from dzict.inventory.model import Host, Inventory

DEFAULT_MAX_AGE_HOURS = 26.0
CONTROL = "control"
_VIA_BY_ROLE: dict[str, str | None] = {
    "server": "",
    "router": CONTROL,
    "ap": CONTROL,
    "pc": None,
    "mirror": None,
    "backup": None,
}


def max_age(host: Host) -> timedelta:
    """The policy's maximum age of the host's last good backup."""
    hours = host.vars.get("backup_max_age_hours", DEFAULT_MAX_AGE_HOURS)
    return timedelta(hours=float(hours))


def covered_by(host: Host) -> str | None:
    """The status entry whose last good backup protects ``host``; None when it is not gated."""
    if "backup_via" in host.vars:
        via = host.vars["backup_via"]
        return str(via) if via else None
    default = _VIA_BY_ROLE.get(host.role)
    if default is None:
        return None
    return default or host.name


def clients(inventory: Inventory) -> list[str]:
    """The hosts that back themselves up (their own status entry), by name."""
    return sorted(h.name for h in inventory.hosts.values() if covered_by(h) == h.name)


def select(inventory: Inventory, limit: str | None = None) -> list[str]:
    """The backup set's members named by ``limit`` (hosts, groups or ``control``, comma-separated).

    Without a limit: every client and the control node. Raises BackupError naming any word
    that is neither a client, a group holding clients, nor ``control``.
    """
    members = [*clients(inventory), CONTROL]
    if not limit:
        return members
    chosen: list[str] = []
    for word in (w.strip() for w in limit.split(",")):
        if not word:
            continue
        if word in members:
            found = [word]
        else:
            found = [m for m in members if m != CONTROL and word in inventory.hosts[m].groups]
        if not found:
            raise BackupError(
                f"--limit {word}: not a backup client, a group of them, or {CONTROL}"
                f" (clients: {', '.join(members)})"
            )
        chosen += [m for m in found if m not in chosen]
    return chosen


def max_age_for(inventory: Inventory, entry: str) -> timedelta:
    """The policy of a status entry: the strictest among the hosts its backup protects."""
    ages = [max_age(h) for h in inventory.hosts.values() if covered_by(h) == entry]
    return min(ages) if ages else timedelta(hours=DEFAULT_MAX_AGE_HOURS)
