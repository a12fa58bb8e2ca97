"""One office of the lab for the access point tests: its router and its access point in podman.

The containers run the project's own images (``dzict.lab.images.ensure_image``: ``ap`` with
hostapd, ``router`` for the office router's lldpd) with the addresses of a generated lab
inventory (prefix DZICT_AP_LAB_PREFIX, default ``dza``, in 198.19.96.0/19). The access point's
LAN interface ``lan0`` is cabled to the router's; the SSID VLANs ride it as VXLAN segments
(``ap_vlan_transport: vxlan``: this machine's kernel has no 802.1Q VLAN devices). Host keys are
read with ``podman exec`` (the trusted path) into the inventory's known_hosts, so the tasks'
SSH checks them for real.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dzict.exceptions import PodmanError
from dzict.inventory import load_inventory
from dzict.inventory.generate import LabSpec, generate
from dzict.lab.images import ensure_image
from dzict.lab.podman import Podman

PREFIX = os.environ.get("DZICT_AP_LAB_PREFIX", "dza")
BASE = "198.19.96.0/19"
LLDP_FORWARD_MASK = "16384"  # let the bridge pass LLDP frames (01:80:c2:00:00:0e)
#: Generous: the containers boot systemd, and the machine may be running other labs.


def _wait(what: str, check: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(PodmanError, OSError):
            if check():
                return
        time.sleep(0.5)
    raise TimeoutError(f"AP lab: {what} not ready after {timeout:.0f} s")


def _ssh_open(address: str) -> bool:
    with socket.create_connection((address, 22), timeout=1) as sock:
        return sock.recv(4).startswith(b"SSH-")


@contextlib.contextmanager
def ap_lab(workdir: Path) -> Iterator[Path]:
    """Start the office's router and access point; yield the inventory folder; remove all."""
    podman = Podman()
    images = {
        "ap": os.environ.get("DZICT_AP_LAB_IMAGE") or ensure_image("ap", podman),
        "router": ensure_image("router", podman),
    }
    root = generate(workdir / "inv", LabSpec(sites=1, prefix=PREFIX, base=BASE))
    with (root / "group_vars" / "all" / "lab.yml").open("a") as lab_vars:
        lab_vars.write("ssh_known_hosts_file: '{{ lab.state_dir }}/known_hosts'\n")
    inv = load_inventory(root)
    state = root / ".lab-state"
    state.mkdir()
    key = state / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    ap = inv.by_role("ap")[0]
    router = inv.routers_of(ap.site)[0]
    assert ap.lan_address is not None
    assert ap.lan_gateway is not None
    block = inv.sites[ap.site].management_block
    assert block is not None
    networks = {"mgmt": f"{PREFIX}-ap-mgmt", "lan": f"{PREFIX}-ap-lan"}
    boxes = {router.name: router, ap.name: ap}
    try:
        podman.run("network", "create", "--subnet", str(block),
                   "--gateway", str(block.broadcast_address - 1), networks["mgmt"])  # fmt: skip
        podman.run("network", "create", "--internal", "--ipam-driver", "none", networks["lan"])
        lan_env = [
            "--env", "DZICT_LAN_IF=lan0",
            "--env", f"DZICT_LAN_ADDRESS={ap.lan_address}",
            "--env", f"DZICT_LAN_GATEWAY={ap.lan_gateway}",
        ]  # fmt: skip
        for name, host in boxes.items():
            podman.run(
                "run", "-d", "--name", name, "--hostname", name, "--systemd=always",
                "--cap-add", "NET_ADMIN,NET_RAW",
                "--env", f"DZICT_AUTHORIZED_KEYS={key.with_suffix('.pub').read_text().strip()}",
                *(lan_env if host is ap else []),
                "--network", f"{networks['mgmt']}:ip={host.mgmt_address},interface_name=mgmt0",
                "--network", f"{networks['lan']}:interface_name=lan0",
                images["ap" if host is ap else "router"],
            )  # fmt: skip
        bridge = podman.run(
            "network", "inspect", "--format", "{{.NetworkInterface}}", networks["lan"]
        ).stdout.strip()
        Path(f"/sys/class/net/{bridge}/bridge/group_fwd_mask").write_text(LLDP_FORWARD_MASK)
        # Only the router's lldpd matters here: FRR is the WAN tests' business, and its start
        # holds back network.target (and so lldpd) in a container without SYS_ADMIN.
        _wait("router", lambda: podman.ok("exec", router.name, "systemctl", "mask", "--now",
                                          "--no-block", "frr.service"))  # fmt: skip
        _wait(f"{ap.name} ssh", lambda: _ssh_open(str(ap.mgmt_address)))
        public = podman.exec(ap.name, "cat", "/etc/ssh/ssh_host_ed25519_key.pub").stdout.split()
        (state / "known_hosts").write_text(f"{ap.mgmt_address} {public[0]} {public[1]}\n")
        gateway = f"{ap.lan_gateway}/{ap.lan_address.network.prefixlen}"
        podman.exec(
            router.name, "sh", "-c", f"ip link set lan0 up && ip addr add {gateway} dev lan0"
        )
        for name in boxes:
            podman.exec(name, "systemctl", "restart", "lldpd")
        _wait(
            "LLDP",
            lambda: router.name in podman.exec(ap.name, "lldpcli", "show", "neighbors").stdout,
        )
        yield root
    finally:
        for name in boxes:
            podman.run("rm", "-f", "-t", "0", name, check=False)
        for network in networks.values():
            podman.run("network", "rm", "-f", network, check=False)
