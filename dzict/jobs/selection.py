"""One ``--limit`` grammar for every task: comma-separated host names, site keys or groups."""

from __future__ import annotations

from collections.abc import Iterable

from dzict.exceptions import SelectionError
from dzict.inventory import Inventory

LIMIT_HELP = "only these: comma-separated host names, site keys (e.g. hq) or groups (e.g. pcs)"


def select(inventory: Inventory, limit: str | None, roles: Iterable[str]) -> list[str]:
    """Hosts of ``roles`` named by ``limit``; all of them without it. Sorted, no duplicates.

    A token that matches no host of these roles is an error naming it, before anything runs.
    """
    wanted_roles = set(roles)
    pool = sorted(h.name for h in inventory.hosts.values() if h.role in wanted_roles)
    if not limit:
        return pool
    chosen: set[str] = set()
    for token in (t.strip() for t in limit.split(",")):
        if not token:
            continue
        hits = {
            name
            for name in pool
            if token in (name, inventory.hosts[name].site) or token in inventory.hosts[name].groups
        }
        if not hits:
            kinds = ", ".join(sorted(wanted_roles))
            raise SelectionError(f"--limit {token}: no host of this inventory matches ({kinds})")
        chosen |= hits
    return sorted(chosen)
