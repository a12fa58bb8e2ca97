"""Two FRR routers in podman for the driver's lab tests and benchmark.

r1 and r2 run the project's router image (dzict.lab.images.ensure_image("router")), each with a
management interface `mgmt0` and a WAN link `wan0` between them, OSPF with MD5 on the link, and
lldpd. SSH keys and known_hosts are made for the run; host keys are read from the containers
with `podman exec` (the trusted path), so the driver's SSH checks them for real.

Names start with DZICT_FRR_LAB_PREFIX (default "dzfrr") and the slot number; DZICT_FRR_LAB_IMAGE
runs another router image instead of building the current one. Each run takes the first free
slot: two /24s of 198.19.224.0/20 (management, link), so runs side by side do not meet.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dzict.exceptions import PodmanError
from dzict.lab.images import ensure_image
from dzict.lab.podman import Podman

PREFIX = os.environ.get("DZICT_FRR_LAB_PREFIX", "dzfrr")
SLOTS = (0, 1, 2, 3, 4, 5, 6)
MGMT, LINK = 0, 1
LOOPBACK_NET = "198.19.240"
BGP_NET = "198.19.241"  # one /32 per router, announced by BGP only (not OSPF)
ASN_BASE = 65000
LLDP_FORWARD_MASK = "16384"  # let the bridge pass LLDP frames (01:80:c2:00:00:0e)

BASE_CONFIG = """frr defaults traditional
hostname {name}
log syslog informational
no ipv6 forwarding
service integrated-vtysh-config
!
interface lo
 ip address {loopback}/32
 ip address {bgp_prefix}/32
 ip ospf passive
exit
!
interface mgmt0
 description management
exit
!
interface wan0
 description wan link to {peer}
 ip ospf authentication message-digest
 ip ospf cost 10
 ip ospf message-digest-key 1 md5 lab-secret
 ip ospf network point-to-point
exit
!
router bgp {asn}
 bgp router-id {loopback}
 no bgp ebgp-requires-policy
 neighbor WAN peer-group
 neighbor WAN description wan peers
 neighbor {peer_link_ip} remote-as {peer_asn}
 neighbor {peer_link_ip} peer-group WAN
 neighbor {peer_link_ip} description {peer}
 !
 address-family ipv4 unicast
  network {bgp_prefix}/32
  neighbor WAN next-hop-self
  neighbor WAN remove-private-AS
  neighbor WAN route-map WAN-IN in
  neighbor WAN route-map WAN-OUT out
  neighbor {peer_link_ip} maximum-prefix 100 90
  maximum-paths 4
 exit-address-family
exit
!
router ospf
 ospf router-id {loopback}
 network {link_net}.0/24 area 0
 network {loopback}/32 area 0
exit
!
route-map WAN-IN permit 10
exit
!
route-map WAN-OUT permit 10
exit
!
"""

# The host services beside FRR (what get_ntp_*, get_snmp_information and get_users read).
# chronyd cannot run without CAP_SYS_TIME in a container: only its configuration is there.
CHRONY_CONF = """confdir /etc/chrony/conf.d
sourcedir /etc/chrony/sources.d
keyfile /etc/chrony/chrony.keys
driftfile /var/lib/chrony/chrony.drift
"""
CHRONY_SOURCES = {
    "r1": "server {peer_loopback} iburst prefer\npeer {peer_link_ip} key 1\n",
    "r2": "pool {peer_loopback} iburst maxsources 1\npeer {peer_link_ip} key 1\n",
}
SNMPD_CONF = """agentaddress udp:127.0.0.1:161
sysLocation Lab Dzongkhag, {name}
sysContact ICT Services Unit <ict@lab.example>
rocommunity lab-snmp-ro {mgmt_net}.0/24
"""
SNMPD_DROP_IN = "rwcommunity lab-snmp-rw 127.0.0.1\n"
# `openssl passwd -6 -salt dzictlab lab-noc-password`
NOC_PASSWORD_HASH = (
    "$6$dzictlab$Btil8g.wYmwbCIE5zuroKnP3dYXOe33pIP4y07bMxDWxq8NUeZueo9dwPccfxaLtcgfju3EMQ6U8"
    "oiufslRjP/"
)
USERS = {"noc": "frrvty", "viewer": ""}  # login accounts of r1, and their extra group


@dataclass
class Router:
    """One lab router: container name, addresses, and its intended base configuration."""

    name: str
    container: str
    mgmt_ip: str
    link_ip: str
    loopback: str
    base_config: str


@dataclass
class FrrLab:
    """The running lab: routers, the key and known_hosts files for SSH."""

    routers: dict[str, Router]
    key_file: Path
    known_hosts: Path
    link_net: str
    podman: Podman = field(default_factory=Podman)

    def optional_args(self) -> dict[str, str]:
        """The driver's optional_args for this lab."""
        return {"key_file": str(self.key_file), "known_hosts_file": str(self.known_hosts)}

    def exec(self, router: str, command: str) -> str:
        """Run a shell command inside a router (not through the driver)."""
        return self.podman.exec(self.routers[router].container, "sh", "-c", command).stdout

    def running_config(self, router: str) -> str:
        """The running configuration, read with vtysh inside the container."""
        return self.exec(router, "vtysh -c 'show running-config no-header'")

    def write(self, router: str, path: str, text: str) -> None:
        """Write a file inside a router (through podman, not the driver)."""
        self.podman.run(
            "exec",
            "-i",
            self.routers[router].container,
            "sh",
            "-c",
            f"cat > {path}",
            input_text=text,
        )

    def reset(self, router: str) -> None:
        """Back to the base configuration, without the driver's state."""
        box = self.routers[router]
        self.exec(
            router,
            "rm -rf /var/lib/dzict-napalm && "
            f"printf '%s' '{box.base_config}' > /tmp/base.conf && "
            "/usr/lib/frr/frr-reload.py --reload --overwrite /tmp/base.conf 2>/dev/null",
        )


def _host_services(lab: FrrLab, mgmt_net: str) -> None:
    """chrony on both routers; snmpd and two more login accounts on r1 (r2 keeps Debian's
    snmpd.conf and root alone)."""
    for name in lab.routers:
        peer = lab.routers["r2" if name == "r1" else "r1"]
        lab.write(name, "/etc/chrony/chrony.conf", CHRONY_CONF)
        lab.write(
            name,
            "/etc/chrony/sources.d/lab.sources",
            CHRONY_SOURCES[name].format(peer_loopback=peer.loopback, peer_link_ip=peer.link_ip),
        )
    lab.write("r1", "/etc/snmp/snmpd.conf", SNMPD_CONF.format(name="r1", mgmt_net=mgmt_net))
    lab.write("r1", "/etc/snmp/snmpd.conf.d/lab.conf", SNMPD_DROP_IN)
    lab.exec("r1", "systemctl restart snmpd")
    for user, group in USERS.items():
        groups = f"-G {group} " if group else ""
        lab.exec("r1", f"useradd -m -s /bin/bash {groups}{user}")
    lab.exec("r1", f"usermod -p '{NOC_PASSWORD_HASH}' noc")
    public = lab.key_file.with_suffix(".pub").read_text().split()
    lab.exec("r1", "install -d -m 700 -o noc -g noc /home/noc/.ssh")
    lab.write("r1", "/home/noc/.ssh/authorized_keys", f"{public[0]} {public[1]} noc@lab\n")


def _wait(what: str, check: object, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(PodmanError, OSError):
            if callable(check) and check():
                return
        time.sleep(0.5)
    raise TimeoutError(f"lab: {what} not ready after {timeout:.0f} s")


def _ssh_open(address: str) -> bool:
    with socket.create_connection((address, 22), timeout=1) as sock:
        return sock.recv(4).startswith(b"SSH-")


def _claim_slot(podman: Podman, slots: tuple[int, ...]) -> tuple[int, dict[str, str]]:
    """Create the two networks of the first free slot (another run may hold the others)."""
    for slot in slots:
        networks = {"mgmt": f"{PREFIX}{slot}-mgmt", "link": f"{PREFIX}{slot}-link"}
        subnets = {"mgmt": _subnet(slot, MGMT), "link": _subnet(slot, LINK)}
        created: list[str] = []
        try:
            for kind, name in networks.items():
                podman.run("network", "create", "--subnet", f"{subnets[kind]}.0/24", name)
                created.append(name)
        except PodmanError:
            for name in created:
                podman.run("network", "rm", "-f", name, check=False)
            continue
        return slot, networks
    raise TimeoutError(f"lab: every slot {slots} is taken by another run")


def _subnet(slot: int, kind: int) -> str:
    """The first three octets of a slot's management (MGMT) or link (LINK) network."""
    return f"198.19.{224 + 2 * slot + kind}"


@contextlib.contextmanager
def frr_lab(workdir: Path, slots: tuple[int, ...] = SLOTS) -> Iterator[FrrLab]:
    """Start r1 and r2, configure them, wait for OSPF and LLDP; remove everything afterwards.

    The first free slot is used, so that runs side by side do not meet; slot 0 has management
    198.19.224.0/24 and link 198.19.225.0/24, slot k the two /24s 2k further.
    """
    podman = Podman()
    image = os.environ.get("DZICT_FRR_LAB_IMAGE") or ensure_image("router", podman)
    key = workdir / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    slot, networks = _claim_slot(podman, slots)
    link_net = _subnet(slot, LINK)
    routers = {
        name: Router(
            name=name,
            container=f"{PREFIX}{slot}-{name}",
            mgmt_ip=f"{_subnet(slot, MGMT)}.{10 + i}",
            link_ip=f"{link_net}.{i}",
            loopback=f"{LOOPBACK_NET}.{i}",
            base_config=BASE_CONFIG.format(
                name=name,
                peer=f"r{3 - i}",
                loopback=f"{LOOPBACK_NET}.{i}",
                link_net=link_net,
                peer_link_ip=f"{link_net}.{3 - i}",
                asn=ASN_BASE + i,
                peer_asn=ASN_BASE + 3 - i,
                bgp_prefix=f"{BGP_NET}.{i}",
            ),
        )
        for i, name in ((1, "r1"), (2, "r2"))
    }
    try:
        for box in routers.values():
            podman.run(
                "run",
                "-d",
                "--name",
                box.container,
                "--hostname",
                box.name,
                "--systemd=always",
                "--cap-add",
                "NET_ADMIN,NET_RAW,SYS_ADMIN",
                "--sysctl",
                "net.ipv4.ip_forward=1",
                "--env",
                f"DZICT_AUTHORIZED_KEYS={key.with_suffix('.pub').read_text().strip()}",
                "--network",
                f"{networks['mgmt']}:ip={box.mgmt_ip},interface_name=mgmt0",
                "--network",
                f"{networks['link']}:ip={box.link_ip},interface_name=wan0",
                image,
            )
        bridge = podman.run(
            "network", "inspect", "--format", "{{.NetworkInterface}}", networks["link"]
        ).stdout.strip()
        Path(f"/sys/class/net/{bridge}/bridge/group_fwd_mask").write_text(LLDP_FORWARD_MASK)
        lab = FrrLab(routers, key, workdir / "known_hosts", link_net, podman)
        lines = []
        for name, box in routers.items():
            _wait(f"{name} ssh", lambda box=box: _ssh_open(box.mgmt_ip))
            _wait(f"{name} frr", lambda name=name: "hostname" in lab.running_config(name))
            public = lab.exec(name, "cat /etc/ssh/ssh_host_ed25519_key.pub").split()
            lines.append(f"{box.mgmt_ip} {public[0]} {public[1]}")
            lab.reset(name)
        lab.known_hosts.write_text("\n".join(lines) + "\n")
        _host_services(lab, _subnet(slot, MGMT))
        _wait("OSPF", lambda: "Full" in lab.exec("r1", "vtysh -c 'show ip ospf neighbor'"))
        _wait("BGP", lambda: "bgp" in lab.exec("r1", f"vtysh -c 'show ip route {BGP_NET}.2/32'"))
        _wait("LLDP", lambda: "r2" in lab.exec("r1", "lldpcli show neighbors"), timeout=60)
        yield lab
    finally:
        for box in routers.values():
            podman.run("rm", "-f", "-t", "0", box.container, check=False)
        for network in networks.values():
            podman.run("network", "rm", "-f", network, check=False)
