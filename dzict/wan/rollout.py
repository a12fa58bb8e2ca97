"""The staged rollout: one canary office, then the other offices, then HQ.

The canary is the office whose router (or site) sets ``wan_canary: true``; without one, the
office with the lowest ``site_id``. A stage is tried only when every stage before it succeeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dzict.inventory.model import Inventory


@dataclass(frozen=True)
class Stage:
    """One step of the rollout."""

    name: str
    hosts: tuple[str, ...]


def stages(inventory: Inventory, routers: Iterable[str]) -> list[Stage]:
    """The rollout of ``routers``: canary, offices, hq (empty stages left out)."""
    chosen = [inventory.hosts[name] for name in sorted(set(routers))]
    offices = [h for h in chosen if not inventory.sites[h.site].is_hq]
    hq = tuple(h.name for h in chosen if inventory.sites[h.site].is_hq)
    flagged = [h for h in offices if h.vars.get("wan_canary") is True]
    ordered = sorted(offices, key=lambda h: (inventory.sites[h.site].id, h.name))
    canary = (flagged or ordered)[:1]
    rest = tuple(h.name for h in ordered if h not in canary)
    result = [
        Stage("canary", tuple(h.name for h in canary)),
        Stage("offices", rest),
        Stage("hq", hq),
    ]
    return [stage for stage in result if stage.hosts]
