"""The topology model: what the inventory intends, what discovery saw, and how they differ.

Everything the maps, pages and register show comes from here, computed in Python with
``ipaddress``; the renderers only place values.

Links are of two kinds. A WAN link joins two routers of different offices (or any router
interface that is not its LAN interface); the inventory lists them and LLDP sees them. An office
LAN is a segment: a host is confirmed on it when LLDP sees it there (from the router or from any
other host of the segment), because on a bridged LAN every LLDP speaker sees every other one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network
from typing import Any, Literal

from dzict.docs.discovery import DeviceRecord, Discovery
from dzict.inventory.model import Host, Inventory, Site, WanLink

DeviceState = Literal["ok", "unreachable", "not-discovered", "unexpected"]
LinkState = Literal["ok", "missing", "unexpected", "unknown"]
LanState = Literal["ok", "missing", "unverified", "unexpected"]
ROLE_ORDER = ("router", "ap", "server", "backup", "mirror", "pc", "unknown")
CAPABILITY_ROLES = (("router", "router"), ("wlan-access-point", "ap"), ("station", "pc"))


@dataclass(frozen=True, order=True)
class Port:
    """One end of an adjacency: a device and its interface."""

    host: str
    interface: str


@dataclass
class Address:
    """An address a device should have or has, and on which interface."""

    interface: str
    address: IPv4Interface
    purpose: str = ""


@dataclass
class InterfaceRow:
    """One interface of a device as the pages list it."""

    name: str
    intended: list[Address] = field(default_factory=list)
    discovered: list[IPv4Interface] = field(default_factory=list)
    is_up: bool | None = None
    mac: str = ""
    description: str = ""
    note: str = ""


@dataclass
class Device:
    """A device of the map: intended by the inventory, seen by discovery, or both."""

    name: str
    site: str
    role: str
    platform: str
    state: DeviceState
    mgmt_address: str = ""
    lan_vlan: int | None = None
    error: str = ""
    record: DeviceRecord | None = None
    interfaces: list[InterfaceRow] = field(default_factory=list)
    seen_by: list[Port] = field(default_factory=list)
    lan_state: LanState | None = None

    @property
    def facts(self) -> dict[str, Any]:
        """NAPALM facts, current or last known; empty when never discovered."""
        return dict(self.record.facts or {}) if self.record else {}

    @property
    def intended(self) -> bool:
        """True when the inventory lists this device."""
        return self.state != "unexpected"


@dataclass
class Link:
    """A WAN link, intended, seen, or both."""

    a: Port
    b: Port
    state: LinkState
    intended: WanLink | None = None
    seen_a: list[IPv4Interface] = field(default_factory=list)
    seen_b: list[IPv4Interface] = field(default_factory=list)
    note: str = ""

    @property
    def subnet(self) -> IPv4Network | None:
        """The link's subnet: as intended, else as the discovered addresses say."""
        if self.intended is not None and self.intended.subnet is not None:
            return self.intended.subnet
        seen = self.seen_a or self.seen_b
        return seen[0].network if seen else None

    @property
    def name(self) -> str:
        """``wanN`` for an intended link, else ``A:if--B:if``."""
        if self.intended is not None:
            return self.intended.name
        return f"{self.a.host}:{self.a.interface}--{self.b.host}:{self.b.interface}"

    @property
    def address_mismatch(self) -> bool:
        """True when an end was discovered with addresses but not the intended one."""
        if self.intended is None:
            return False
        for end, seen in ((self.intended.a, self.seen_a), (self.intended.b, self.seen_b)):
            if seen and end.address is not None and end.address not in seen:
                return True
        return False


@dataclass
class Topology:
    """The whole Dzongkhag: sites in display order, devices, WAN links, and the mismatches."""

    inventory: Inventory
    discovery: Discovery
    sites: list[Site]
    devices: dict[str, Device]
    links: list[Link]

    _by_site: dict[str, list[Device]] = field(default_factory=dict, init=False, repr=False)
    _links_by_site: dict[str, list[Link]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """Index devices and links by site once: pages and maps ask per site."""
        for device in self.devices.values():
            self._by_site.setdefault(device.site, []).append(device)
        for link in self.links:
            ends = {self.devices[link.a.host].site, self.devices[link.b.host].site}
            for site in sorted(ends):
                self._links_by_site.setdefault(site, []).append(link)

    def site_devices(self, site: str) -> list[Device]:
        """The devices of a site, in display order."""
        return list(self._by_site.get(site, []))

    def site_links(self, site: str) -> list[Link]:
        """The WAN links with an end at this site."""
        return list(self._links_by_site.get(site, []))

    def device_mismatches(self) -> list[Device]:
        """Devices intended but not seen, and seen but not intended."""
        return [d for d in self.devices.values() if d.state != "ok"]

    def link_mismatches(self) -> list[Link]:
        """WAN links intended but not seen, and seen but not intended."""
        return [link for link in self.links if link.state in ("missing", "unexpected")]

    def lan_mismatches(self) -> list[Device]:
        """Hosts whose place on the office LAN LLDP contradicts."""
        return [d for d in self.devices.values() if d.lan_state in ("missing", "unexpected")]


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


def discovered_addresses(record: DeviceRecord | None) -> dict[str, list[IPv4Interface]]:
    """IPv4 addresses per interface from ``get_interfaces_ip``, sorted."""
    if record is None or not record.reached:
        return {}
    result: dict[str, list[IPv4Interface]] = {}
    for name, families in sorted(record.interfaces_ip.items()):
        ipv4 = (families or {}).get("ipv4", {})
        result[name] = sorted(
            IPv4Interface(f"{ip}/{data['prefix_length']}") for ip, data in ipv4.items()
        )
    return result


def intended_addresses(host: Host, site: Site | None, links: list[WanLink]) -> list[Address]:
    """Every address the inventory gives a host, with the interface when it is known."""
    out: list[Address] = []
    mgmt = (
        IPv4Interface(f"{host.mgmt_address}/{site.management_block.prefixlen}")
        if (site is not None and site.management_block is not None)
        else IPv4Interface(host.mgmt_address)
    )
    out.append(Address("", mgmt, "management"))
    if host.loopback is not None:
        out.append(Address("lo", host.loopback, "loopback"))
    if host.role == "router" and site is not None:
        for vlan in site.vlans:
            if vlan.subnet is not None:
                gateway = IPv4Interface((vlan.subnet.network_address + 1, vlan.subnet.prefixlen))
                out.append(Address(host.lan_interface or "", gateway, f"gateway of VLAN {vlan.id}"))
    if host.lan_address is not None:
        out.append(Address(host.lan_interface or "", host.lan_address, f"LAN VLAN {host.lan_vlan}"))
    for link in links:
        for end, other in ((link.a, link.b), (link.b, link.a)):
            if end.host == host.name and end.address is not None:
                out.append(Address(end.interface, end.address, f"{link.name} to {other.host}"))
    return out


def interface_rows(
    device: Device,
    intended: list[Address],
    seen: dict[str, list[IPv4Interface]] | None = None,
) -> list[InterfaceRow]:
    """Intended and discovered interfaces side by side; an intended address not seen anywhere
    on the device is noted. Addresses match by IP: the management prefix of a site's block
    need not be the prefix of the network the host sits on. ``seen`` is the device's
    ``discovered_addresses`` when the caller has already parsed them."""
    record = device.record if device.state == "ok" else None
    if record is None:
        seen = {}
    elif seen is None:
        seen = discovered_addresses(record)
    raw = record.interfaces if record is not None else {}
    names = sorted({a.interface for a in intended if a.interface} | set(seen) | set(raw))
    rows = {name: InterfaceRow(name=name) for name in names}
    for name, row in rows.items():
        info = raw.get(name) or {}
        row.discovered = seen.get(name, [])
        row.is_up = info.get("is_up") if info else None
        row.mac = str(info.get("mac_address", "") or "")
        row.description = str(info.get("description", "") or "")
    everywhere = {addr.ip: name for name, addrs in seen.items() for addr in addrs}
    extra: list[InterfaceRow] = []
    for address in intended:
        where = everywhere.get(address.address.ip)
        if where is not None:
            rows[where].intended.append(address)
        elif address.interface:
            rows[address.interface].intended.append(address)
        else:
            extra.append(InterfaceRow(name="", intended=[address]))
    result = [
        row
        for row in [*rows.values(), *extra]
        if row.intended or row.discovered or row.is_up is not None
    ]
    if record is not None:
        for row in result:
            missing = [a for a in row.intended if a.address.ip not in everywhere]
            if missing:
                row.note = "not configured: " + ", ".join(str(a.address) for a in missing)
    return result


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
