"""Building the topology: the inventory's devices and links matched with what LLDP saw.

A neighbour LLDP reports that the inventory does not list becomes a device of its own; an
adjacency is a WAN link or a place on an office LAN (see ``dzict.docs.topology``).
"""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Interface
from typing import Any

from dzict.docs.addresses import discovered_addresses, intended_addresses, interface_rows
from dzict.docs.discovery import DeviceRecord, Discovery
from dzict.docs.topology import Device, DeviceState, Link, LinkState, Port, Topology
from dzict.inventory.model import Host, Inventory, WanLink

ROLE_ORDER = ("router", "ap", "server", "backup", "mirror", "pc", "unknown")
CAPABILITY_ROLES = (("router", "router"), ("wlan-access-point", "ap"), ("station", "pc"))


def on_lan(interface: str, lan_interface: str | None) -> bool:
    """True for a router's LAN interface and its VLAN subinterfaces (``lan0``, ``lan0.20``)."""
    return bool(lan_interface) and (
        interface == lan_interface or interface.startswith(f"{lan_interface}.")
    )


def short_name(name: str) -> str:
    """An LLDP system name as the inventory writes host names (no domain)."""
    return name.strip().split(".", 1)[0]


def _state(record: DeviceRecord | None) -> DeviceState:
    if record is None or record.status == "skipped":
        return "not-discovered"
    return "ok" if record.reached else "unreachable"


def _sort_key(site_rank: dict[str, int], device: Device) -> tuple[int, int, str]:
    role = ROLE_ORDER.index(device.role) if device.role in ROLE_ORDER else len(ROLE_ORDER)
    return (site_rank.get(device.site, len(site_rank)), role, device.name)


def _remote_interface(neighbour: dict[str, Any], known: set[str]) -> str:
    """The neighbour's interface name: the port id or its description, whichever it knows."""
    port = str(neighbour.get("remote_port", "") or "")
    description = str(neighbour.get("remote_port_description", "") or "")
    for candidate in (port, description):
        if candidate in known:
            return candidate
    return description or port


def _guess_role(neighbour: dict[str, Any]) -> str:
    capabilities = (
        neighbour.get("remote_system_enable_capab") or neighbour.get("remote_system_capab") or []
    )
    for capability, role in CAPABILITY_ROLES:
        if capability in capabilities:
            return role
    return "unknown"


class _Builder:
    """Builds a Topology; one method per step."""

    def __init__(self, inventory: Inventory, discovery: Discovery) -> None:
        self.inventory = inventory
        self.discovery = discovery
        self.devices: dict[str, Device] = {}
        self.adjacencies: set[tuple[Port, Port]] = set()
        self._addresses: dict[str, dict[str, list[IPv4Interface]]] = {}
        self._known: dict[str, set[str]] = {}
        self._routers: dict[str, list[Host]] = defaultdict(list)
        self._links_of: dict[str, list[WanLink]] = defaultdict(list)
        for host in inventory.hosts.values():
            if host.role == "router":
                self._routers[host.site].append(host)
        for link in inventory.links:
            self._links_of[link.a.host].append(link)
            if link.b.host != link.a.host:
                self._links_of[link.b.host].append(link)

    def addresses(self, name: str) -> dict[str, list[IPv4Interface]]:
        """``discovered_addresses`` of a device, parsed once."""
        if name not in self._addresses:
            self._addresses[name] = discovered_addresses(self.discovery.get(name))
        return self._addresses[name]

    def intended_devices(self) -> None:
        for host in self.inventory.hosts.values():
            record = self.discovery.get(host.name)
            self.devices[host.name] = Device(
                name=host.name,
                site=host.site,
                role=host.role,
                platform=host.platform,
                state=_state(record),
                mgmt_address=str(host.mgmt_address),
                lan_vlan=host.lan_vlan,
                error=(record.error or "") if record else "no discovery record",
                record=record,
            )

    def known_interfaces(self, name: str) -> set[str]:
        if name not in self._known:
            self._known[name] = self._interfaces_of(name)
        return self._known[name]

    def _interfaces_of(self, name: str) -> set[str]:
        host = self.inventory.hosts.get(name)
        record = self.discovery.get(name)
        names = set(host.interfaces) if host else set()
        if host and host.lan_interface:
            names.add(host.lan_interface)
        if record is not None and record.reached:
            names |= set(record.interfaces)
        return names

    def management_interfaces(self, name: str) -> set[str]:
        """The interfaces holding the host's management address: LLDP there is not topology
        (on a shared management network every host sees every other)."""
        host = self.inventory.hosts.get(name)
        if host is None:
            return set()
        found = self.addresses(name)
        return {i for i, addrs in found.items() if any(a.ip == host.mgmt_address for a in addrs)}

    def seen(self) -> None:
        """Collect every LLDP adjacency; a neighbour not in the inventory becomes a device."""
        for name in sorted(self.devices):
            device = self.devices[name]
            record = device.record
            if device.state != "ok" or record is None or not record.lldp_neighbors_detail:
                continue
            skip = self.management_interfaces(name)
            for local_if, neighbours in sorted(record.lldp_neighbors_detail.items()):
                if local_if in skip:
                    continue
                for neighbour in neighbours:
                    remote = short_name(str(neighbour.get("remote_system_name", "") or ""))
                    if not remote:
                        remote = str(neighbour.get("remote_chassis_id", "") or "unknown")
                    if remote not in self.devices:
                        self.devices[remote] = Device(
                            name=remote,
                            site=device.site,
                            role=_guess_role(neighbour),
                            platform="",
                            state="unexpected",
                        )
                    port = Port(remote, _remote_interface(neighbour, self.known_interfaces(remote)))
                    here = Port(name, local_if)
                    self.devices[remote].seen_by.append(here)
                    self.adjacencies.add((min(here, port), max(here, port)))

    def is_wan(self, a: Port, b: Port) -> bool:
        """An adjacency is WAN when every inventory end of it is a router's non-LAN port."""
        ends = [self.inventory.hosts[p.host] for p in (a, b) if p.host in self.inventory.hosts]
        ports = {p.host: p.interface for p in (a, b)}
        return all(
            host.role == "router" and not on_lan(ports[host.name], host.lan_interface)
            for host in ends
        )

    def links(self) -> list[Link]:
        """Match the seen WAN adjacencies with the intended links."""
        wan_seen = {(a, b) for a, b in self.adjacencies if self.is_wan(a, b)}
        links: list[Link] = []
        for wan in sorted(self.inventory.links, key=lambda link: link.id):
            a, b = Port(wan.a.host, wan.a.interface), Port(wan.b.host, wan.b.interface)
            key = (min(a, b), max(a, b))
            if key in wan_seen:
                state: LinkState = "ok"
                wan_seen.discard(key)
            elif self.can_see(a) or self.can_see(b):
                state = "missing"
            else:
                state = "unknown"
            links.append(Link(a=a, b=b, state=state, intended=wan))
        for a, b in sorted(wan_seen):
            links.append(Link(a=a, b=b, state="unexpected"))
        for link in links:
            link.seen_a = self.addresses_of(link.a)
            link.seen_b = self.addresses_of(link.b)
            if link.address_mismatch:
                link.note = "discovered addresses differ from the plan"
        return links

    def can_see(self, port: Port) -> bool:
        """True when this end was reached and runs LLDP, so the link would have been seen."""
        device = self.devices.get(port.host)
        return (
            device is not None
            and device.state == "ok"
            and device.record is not None
            and device.record.lldp_neighbors_detail is not None
        )

    def addresses_of(self, port: Port) -> list[IPv4Interface]:
        if self.devices[port.host].record is None:
            return []
        return self.addresses(port.host).get(port.interface, [])

    def lan(self) -> None:
        """Confirm or contradict each host's place on its office LAN."""
        on_lan: dict[str, set[str]] = defaultdict(set)
        for a, b in self.adjacencies:
            if not self.is_wan(a, b):
                on_lan[a.host].add(self.devices[b.host].site)
                on_lan[b.host].add(self.devices[a.host].site)
        for device in self.devices.values():
            if device.role == "router" and device.state != "unexpected":
                continue
            if device.state == "unexpected":
                device.lan_state = "unexpected" if device.name in on_lan else None
            elif device.site in on_lan.get(device.name, set()):
                device.lan_state = "ok"
            elif self.lan_checkable(device):
                device.lan_state = "missing"
            else:
                device.lan_state = "unverified"

    def lan_checkable(self, device: Device) -> bool:
        """True when LLDP would have shown this host: it and a router of its site speak LLDP."""
        routers = self._routers.get(device.site, [])
        return self.can_see(Port(device.name, "")) and any(
            self.can_see(Port(r.name, "")) for r in routers
        )

    def interfaces(self) -> None:
        for name, device in self.devices.items():
            host = self.inventory.hosts.get(name)
            site = self.inventory.sites.get(device.site)
            intended = intended_addresses(host, site, self._links_of.get(name, [])) if host else []
            seen = self.addresses(name) if device.record is not None else {}
            device.interfaces = interface_rows(device, intended, seen)

    def build(self) -> Topology:
        self.intended_devices()
        self.seen()
        links = self.links()
        self.lan()
        self.interfaces()
        sites = sorted(self.inventory.sites.values(), key=lambda s: (not s.is_hq, s.id, s.key))
        rank = {site.key: n for n, site in enumerate(sites)}
        ordered = sorted(self.devices.values(), key=lambda d: _sort_key(rank, d))
        for device in ordered:
            device.seen_by.sort()
        return Topology(
            inventory=self.inventory,
            discovery=self.discovery,
            sites=sites,
            devices={d.name: d for d in ordered},
            links=links,
        )


def build_topology(inventory: Inventory, discovery: Discovery) -> Topology:
    """The topology of a Dzongkhag from its inventory and a discovery run."""
    return _Builder(inventory, discovery).build()
