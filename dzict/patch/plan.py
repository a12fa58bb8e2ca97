"""Which hosts a patch run targets, and the batch sizes the inventory asks for."""

from __future__ import annotations

from typing import Any

from dzict.exceptions import PatchRunError
from dzict.inventory.model import Inventory

PATCH_GROUPS = {"servers": "server", "pcs": "pc"}
DEFAULT_SERIAL: list[int | str] = [1, "25%", "100%"]


def targets(inventory: Inventory, limit: str | None = None) -> list[str]:
    """The PCs and servers a run reaches, resolved with Ansible's own host patterns."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    manager = InventoryManager(loader=DataLoader(), sources=[str(inventory.root / "hosts.yml")])
    if limit:
        manager.subset(limit)
    names = [h.name for h in manager.get_hosts(":".join(PATCH_GROUPS))]
    return sorted(n for n in names if n in inventory.hosts)


def serial_vars(inventory: Inventory) -> dict[str, Any]:
    """``patch_serial_servers`` and ``patch_serial_pcs`` from the groups' ``patch_serial``.

    ``serial`` is a play keyword, templated before any host exists, so the inventory's value
    is read here and handed to the playbook as an extra variable. Every host of a group must
    agree: a batch plan cannot differ inside one play.
    """
    extra: dict[str, Any] = {}
    for group, role in PATCH_GROUPS.items():
        values = {
            repr(h.vars["patch_serial"])
            for h in inventory.by_role(role)
            if "patch_serial" in h.vars
        }
        if len(values) > 1:
            found = ", ".join(sorted(values))
            raise PatchRunError(
                f"group_vars/{group}: patch_serial differs between hosts ({found});"
                " set it once for the group"
            )
        chosen = next(
            (h.vars["patch_serial"] for h in inventory.by_role(role) if "patch_serial" in h.vars),
            DEFAULT_SERIAL,
        )
        if not isinstance(chosen, list | int | str) or chosen in ([], ""):
            raise PatchRunError(f"group_vars/{group}: patch_serial must be a batch size or a list")
        extra[f"patch_serial_{group}"] = chosen
    return extra
