"""The plan of a lab: what its inventory asks podman to hold.

One management network, one network per WAN link and per VLAN of every office, one container
per host. Each network and container carries a digest of its spec: a changed digest means
remove and create again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from dzict.exceptions import LabError
from dzict.inventory import Host, Inventory
from dzict.lab import debs
from dzict.lab.podman import REPO_ROOT

LABEL = "dzict.lab"
MGMT_INTERFACE = "mgmt0"
DEFAULT_LAN_INTERFACE = "lan0"
ROUTER_CAPS = "NET_ADMIN,NET_RAW,SYS_ADMIN"
HOST_CAPS = "NET_ADMIN,NET_RAW"


@dataclass(frozen=True)
class NetworkSpec:
    """One podman network of the lab."""

    name: str
    kind: str  # mgmt, wan or lan
    subnet: IPv4Network | None = None
    host_address: IPv4Address | None = None

    def digest(self) -> str:
        """What makes two networks the same: a changed digest means remove and create again."""
        return _digest([self.name, self.kind, str(self.subnet), str(self.host_address)])

    def create_args(self, prefix: str) -> list[str]:
        """``podman network create`` arguments."""
        args = ["network", "create", "--internal", "--disable-dns"]
        args += ["--label", f"{LABEL}={prefix}", "--label", f"dzict.kind={self.kind}"]
        args += ["--label", f"dzict.spec={self.digest()}"]
        if self.subnet is None:
            args += ["--ipam-driver", "none"]
        else:
            args += ["--subnet", str(self.subnet)]
        return [*args, self.name]


@dataclass(frozen=True)
class Attachment:
    """A container's interface on a network, named as the inventory names it."""

    network: str
    interface: str
    ip: IPv4Address | None = None

    def option(self) -> str:
        """The ``--network`` option value."""
        opts = [f"interface_name={self.interface}"]
        if self.ip is not None:
            opts.insert(0, f"ip={self.ip}")
        return f"{self.network}:{','.join(opts)}"


@dataclass(frozen=True)
class ContainerSpec:
    """One lab host as a podman container."""

    name: str
    host: str
    role: str
    site: str
    image: str
    mgmt_address: IPv4Address
    attachments: tuple[Attachment, ...]
    env: tuple[tuple[str, str], ...] = ()
    add_hosts: tuple[tuple[str, str], ...] = ()
    network_digests: tuple[str, ...] = ()

    @property
    def is_router(self) -> bool:
        """Routers get more capabilities and IP forwarding."""
        return self.role == "router"

    def digest(self) -> str:
        """What makes two containers the same: image, interfaces, environment, networks."""
        return _digest(
            [
                self.name,
                self.host,
                self.image,
                [a.option() for a in self.attachments],
                self.env,
                self.add_hosts,
                self.network_digests,
            ]
        )

    def create_args(self, prefix: str) -> list[str]:
        """``podman create`` arguments."""
        args = ["create", "--name", self.name, "--hostname", self.host, "--systemd=always"]
        for key, value in (
            (LABEL, prefix),
            ("dzict.kind", "host"),
            ("dzict.host", self.host),
            ("dzict.role", self.role),
            ("dzict.site", self.site),
            ("dzict.spec", self.digest()),
        ):
            args += ["--label", f"{key}={value}"]
        args += ["--cap-add", ROUTER_CAPS if self.is_router else HOST_CAPS]
        if self.is_router:
            args += ["--sysctl", "net.ipv4.ip_forward=1"]
        args += ["--stop-timeout", "10"]
        for attachment in self.attachments:
            args += ["--network", attachment.option()]
        for key, value in self.env:
            args += ["--env", f"{key}={value}"]
        for name, address in self.add_hosts:
            args += ["--add-host", f"{name}:{address}"]
        return [*args, self.image]


@dataclass(frozen=True)
class LabPlan:
    """Everything ``up`` makes for one inventory."""

    prefix: str
    state_dir: Path
    mgmt: NetworkSpec
    networks: tuple[NetworkSpec, ...]
    containers: tuple[ContainerSpec, ...]

    @property
    def all_networks(self) -> tuple[NetworkSpec, ...]:
        """The management network first, then WAN links and LANs."""
        return (self.mgmt, *self.networks)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def lab_settings(inv: Inventory) -> tuple[str, Path]:
    """(prefix, state folder) of a lab inventory; raise LabError for any other inventory."""
    first = next(iter(inv.hosts.values()), None)
    lab = first.vars.get("lab") if first else None
    if not inv.dzongkhag.lab or not isinstance(lab, dict) or "prefix" not in lab:
        raise LabError(f"{inv.root} is not a lab inventory (dzongkhag.lab and `lab.prefix` unset)")
    prefix = str(lab["prefix"])
    state = lab.get("state_dir") or REPO_ROOT / "var" / "lab" / prefix
    return prefix, Path(str(state))


def container_name(prefix: str, host: str) -> str:
    """The container of a host: its own name when it starts with the prefix, else PREFIX-HOST."""
    return host if host.startswith(prefix + "-") else f"{prefix}-{host}"


def _mgmt_network(inv: Inventory, prefix: str) -> NetworkSpec:
    subnet = inv.dzongkhag.addressing.management
    used = {h.mgmt_address for h in inv.hosts.values()}
    free = next((a for a in reversed(list(subnet.hosts())) if a not in used), None)
    if free is None:
        raise LabError(f"management network {subnet} has no address left for the control node")
    return NetworkSpec(f"{prefix}-mgmt", "mgmt", subnet, free)


def lan_interface(host: Host, vlan: int) -> str:
    """The name of a host's interface on a VLAN of its site: ``lan0.20``.

    This machine's kernel has no 802.1Q support (CONFIG_VLAN_8021Q is not set), so the lab
    cannot tag frames: each VLAN of a site is a podman network of its own, and the interface
    on it is named as the VLAN subinterface of the host's LAN port would be.
    """
    return f"{host.lan_interface or DEFAULT_LAN_INTERFACE}.{vlan}"


def _host_env(host: Host, authorized_key: str) -> tuple[tuple[str, str], ...]:
    env = [("DZICT_AUTHORIZED_KEYS", authorized_key)]
    if host.role != "router" and host.lan_address is not None and host.lan_vlan is not None:
        env += [
            ("DZICT_LAN_IF", lan_interface(host, host.lan_vlan)),
            ("DZICT_LAN_VLAN", ""),  # the interface above is the VLAN already
            ("DZICT_LAN_ADDRESS", str(host.lan_address)),
            ("DZICT_LAN_GATEWAY", "" if host.lan_gateway is None else str(host.lan_gateway)),
        ]
    return tuple(env)


def networks(
    inv: Inventory,
) -> tuple[NetworkSpec, dict[str, NetworkSpec], dict[tuple[str, int], NetworkSpec]]:
    """(management network, WAN link networks by link name, VLAN networks by (site, VLAN))."""
    prefix, _ = lab_settings(inv)
    wans = {link.name: NetworkSpec(f"{prefix}-{link.name}", "wan") for link in inv.links}
    lans = {
        (key, vlan.id): NetworkSpec(f"{prefix}-lan-{key}-v{vlan.id}", "lan")
        for key, site in sorted(inv.sites.items())
        for vlan in site.vlans
    }
    return _mgmt_network(inv, prefix), wans, lans


def _lan_vlans(inv: Inventory, host: Host) -> list[int]:
    """The VLANs a host has a port on: routers and access points all of their site's (a
    trunk), other hosts their own."""
    if host.role in ("router", "ap"):
        return [v.id for v in inv.sites[host.site].vlans]
    return [host.lan_vlan] if host.lan_vlan is not None else []


def plan(inv: Inventory, refs: dict[str, str], authorized_key: str) -> LabPlan:
    """The lab for an inventory, given the image of each role and the lab's public key."""
    prefix, state_dir = lab_settings(inv)
    mgmt, wans, lans = networks(inv)
    mirror = next((h.lan_address for h in inv.by_role("mirror") if h.lan_address), None)
    add_hosts = ((debs.MIRROR_HOSTNAME, str(mirror.ip)),) if mirror else ()
    containers = []
    for host in sorted(inv.hosts.values(), key=lambda h: h.name):
        attach = [Attachment(mgmt.name, MGMT_INTERFACE, host.mgmt_address)]
        nets = [mgmt]
        for link in inv.links:
            for end in (link.a, link.b):
                if end.host == host.name:
                    attach.append(Attachment(wans[link.name].name, end.interface))
                    nets.append(wans[link.name])
        for vlan in _lan_vlans(inv, host):
            net = lans[(host.site, vlan)]
            attach.append(Attachment(net.name, lan_interface(host, vlan)))
            nets.append(net)
        containers.append(
            ContainerSpec(
                name=container_name(prefix, host.name),
                host=host.name,
                role=host.role,
                site=host.site,
                image=refs[host.role],
                mgmt_address=host.mgmt_address,
                attachments=tuple(attach),
                env=_host_env(host, authorized_key),
                add_hosts=add_hosts,
                network_digests=tuple(n.digest() for n in nets),
            )
        )
    return LabPlan(prefix, state_dir, mgmt, (*wans.values(), *lans.values()), tuple(containers))
