"""The topology model: what the inventory intends, what discovery saw, and how they differ.

Everything the maps, pages and register show comes from here, computed in Python with
``ipaddress``; the renderers only place values.

Links are of two kinds. A WAN link joins two routers of different offices (or any router
interface that is not its LAN interface); the inventory lists them and LLDP sees them. An office
LAN is a segment: a host is confirmed on it when LLDP sees it there (from the router or from any
other host of the segment), because on a bridged LAN every LLDP speaker sees every other one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network
from typing import Any, Literal

from dzict.docs.discovery import DeviceRecord, Discovery
from dzict.inventory.model import Inventory, Site, WanLink

DeviceState = Literal["ok", "unreachable", "not-discovered", "unexpected"]
LinkState = Literal["ok", "missing", "unexpected", "unknown"]
LanState = Literal["ok", "missing", "unverified", "unexpected"]


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
