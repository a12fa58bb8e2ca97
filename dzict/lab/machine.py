"""What the lab sets on this machine: the settings of podman's bridges and the kernel's inotify
limit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dzict.lab.logs import Log, quiet
from dzict.lab.podman import Podman
from dzict.lab.specs import NetworkSpec

LLDP_GROUP_FWD_MASK = 1 << 14  # lets the bridge pass LLDP frames (01:80:c2:00:00:0e)


def bridge_of(network: str, podman: Podman) -> str:
    """The Linux bridge podman made for a network."""
    data = podman.json("network", "inspect", network)
    return str(data[0]["network_interface"])


def _write(path: Path, value: str) -> None:
    path.write_text(value + "\n")


def setup_bridges(nets: tuple[NetworkSpec, ...], podman: Podman) -> None:
    """Give the management bridge the control node's address (and no forwarding out of it);
    let WAN and LAN bridges pass LLDP. Repeated at every ``up``: podman makes a bridge anew
    when its first container joins, and the settings go with the old one."""
    for net in nets:
        bridge = bridge_of(net.name, podman)
        sysfs = Path("/sys/class/net") / bridge
        if not sysfs.exists():
            continue  # no container on it yet
        if net.kind == "mgmt" and net.subnet and net.host_address:
            subprocess.run(
                [
                    "ip",
                    "addr",
                    "replace",
                    f"{net.host_address}/{net.subnet.prefixlen}",
                    "dev",
                    bridge,
                ],
                check=True,
                capture_output=True,
            )
            _write(Path("/proc/sys/net/ipv4/conf") / bridge / "forwarding", "0")
        else:
            _write(sysfs / "bridge" / "group_fwd_mask", str(LLDP_GROUP_FWD_MASK))


INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
#: systemd in every container takes inotify instances, all counted against root on the host;
#: Debian's default of 128 is used up by about twenty lab containers.
MIN_INOTIFY_INSTANCES = 4096


def raise_inotify_limit(log: Log = quiet) -> None:
    """Raise the kernel's per-user inotify instance limit when below what a lab needs (runtime
    only, lost at reboot; never lowered). Without it systemd in the containers stalls."""
    current = int(INOTIFY_INSTANCES.read_text())
    if current < MIN_INOTIFY_INSTANCES:
        INOTIFY_INSTANCES.write_text(f"{MIN_INOTIFY_INSTANCES}\n")
        log(f"raised fs.inotify.max_user_instances from {current} to {MIN_INOTIFY_INSTANCES}")
