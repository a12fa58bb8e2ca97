"""``lab status``: every host of the inventory, its container's state and whether SSH works."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from dzict.inventory import Host, Inventory
from dzict.lab.access import known_hosts_path, ssh_check
from dzict.lab.objects import container_name_of
from dzict.lab.podman import Podman, require
from dzict.lab.specs import LABEL, container_name, lab_settings


@dataclass(frozen=True)
class HostStatus:
    """One line of ``lab status``."""

    host: str
    role: str
    site: str
    container: str
    state: str
    mgmt_address: str
    ssh: str  # "ok" or why not


def status(inv: Inventory, podman: Podman | None = None) -> list[HostStatus]:
    """Every host of the inventory: its container's state and whether SSH works."""
    require("podman")
    podman = podman or Podman()
    prefix, state_dir = lab_settings(inv)
    have = {container_name_of(c): c for c in podman.containers(f"{LABEL}={prefix}")}
    key, known = state_dir / "id_ed25519", known_hosts_path(state_dir)

    def one(host: Host) -> HostStatus:
        name = container_name(prefix, host.name)
        state = str(have[name].get("State", "?")) if name in have else "absent"
        if state != "running":
            ssh = "-"
        elif not (key.is_file() and known.is_file()):
            ssh = "no lab key or known_hosts"
        else:
            ssh = ssh_check(str(host.mgmt_address), key, known, timeout=5) or "ok"
        return HostStatus(host.name, host.role, host.site, name, state, str(host.mgmt_address), ssh)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, sorted(inv.hosts.values(), key=lambda h: (h.site, h.name))))
