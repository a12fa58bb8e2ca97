"""``lab fault``: cut or restore a link, stop or start a host, on the lab's own objects only."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from dzict.exceptions import LabError
from dzict.inventory import Inventory
from dzict.lab.access import SSH_TIMEOUT, key_pair, known_hosts_path, ssh_check, wait_port
from dzict.lab.logs import Log, quiet
from dzict.lab.machine import bridge_of, setup_bridges
from dzict.lab.objects import ensure_ours
from dzict.lab.podman import Podman, require
from dzict.lab.specs import container_name, lab_settings, networks


def fault_link(inv: Inventory, link: str, cut: bool, podman: Podman | None = None) -> str:
    """Cut (carrier down at every end) or restore a WAN link (``wan3`` or ``3``) or a VLAN of
    an office (``lan-guma-v20``) by setting the bridge ports of its network down or up.
    Returns the network."""
    require("podman")
    podman = podman or Podman()
    prefix, _ = lab_settings(inv)
    name = f"{prefix}-wan{link}" if link.isdigit() else f"{prefix}-{link}"
    if not podman.ok("network", "exists", name):
        raise LabError(
            f"no lab network {name}: links are wan1..wan{len(inv.links)}, lan-SITE-vVLAN"
        )
    ensure_ours(prefix, "network", name, podman)
    bridge = bridge_of(name, podman)
    ports = sorted(p.name for p in (Path("/sys/class/net") / bridge / "brif").glob("*"))
    if not ports:
        raise LabError(f"{name} has no container attached (is the lab up?)")
    for port in ports:
        subprocess.run(
            ["ip", "link", "set", port, "down" if cut else "up"], check=True, capture_output=True
        )
    return name


def fault_host(
    inv: Inventory, host: str, stop: bool, podman: Podman | None = None, log: Log = quiet
) -> str:
    """Stop a host's container, or start it again and wait until it answers SSH."""
    require("podman")
    podman = podman or Podman()
    if host not in inv.hosts:
        raise LabError(f"no host {host} in {inv.root}")
    prefix, state_dir = lab_settings(inv)
    name = container_name(prefix, host)
    if not podman.ok("container", "exists", name):
        raise LabError(f"{host} has no container {name} (is the lab up?)")
    ensure_ours(prefix, "container", name, podman)
    if stop:
        podman.run("stop", "--time", "10", name)
        return name
    podman.run("start", name)
    key, _ = key_pair(state_dir)
    mgmt, wans, lans = networks(inv)
    setup_bridges((mgmt, *wans.values(), *lans.values()), podman)
    deadline = time.monotonic() + SSH_TIMEOUT
    addr = str(inv.hosts[host].mgmt_address)
    if not wait_port(addr, deadline):
        raise LabError(f"{host}: no SSH on {addr} after start")
    why = ssh_check(addr, key, known_hosts_path(state_dir))
    if why:
        raise LabError(f"{host}: SSH with checked host key failed after start: {why}")
    log(f"{host} is back")
    return name
