"""The shape of a router's intended configuration: platform-neutral frozen dataclasses.

Built by dzict.wan.intent; the templates receive ``RouterIntent.context()``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any


@dataclass(frozen=True)
class Prefix:
    """An address or a network written every way a platform wants it."""

    cidr: str
    ip: str
    netmask: str
    network: str
    wildcard: str

    @classmethod
    def of(cls, value: IPv4Interface | IPv4Network) -> Prefix:
        """Spell out an interface address (``198.18.5.6/30``) or a network."""
        iface = IPv4Interface(value) if isinstance(value, IPv4Network) else value
        net = iface.network
        return cls(
            cidr=str(iface) if isinstance(value, IPv4Interface) else str(net),
            ip=str(iface.ip),
            netmask=str(net.netmask),
            network=str(net.network_address),
            wildcard=str(net.hostmask),
        )


@dataclass(frozen=True)
class Area:
    """An OSPF area id, dotted (FRR) and decimal (IOS)."""

    dotted: str
    number: int

    @classmethod
    def of(cls, number: int) -> Area:
        """The area with this number."""
        return cls(dotted=str(IPv4Address(number)), number=number)


@dataclass(frozen=True)
class Interface:
    """A routed interface: loopback, WAN link end, or a VLAN subinterface of the LAN port."""

    name: str
    kind: str
    description: str
    address: Prefix
    area: Area | None
    cost: int | None = None
    passive: bool = False
    point_to_point: bool = False
    vlan: int | None = None
    peer: str | None = None
    hello_interval: int | None = None
    dead_interval: int | None = None
    no_shutdown: bool = True


@dataclass(frozen=True)
class AreaRange:
    """A summary an area border router announces for a non-backbone area."""

    area: Area
    prefix: Prefix


@dataclass(frozen=True)
class Ospf:
    """The OSPF process."""

    process: int
    router_id: str
    ranges: tuple[AreaRange, ...]
    passive: tuple[str, ...]
    default_originate: bool
    default_originate_always: bool


@dataclass(frozen=True)
class StaticRoute:
    """A static route."""

    prefix: Prefix
    next_hop: str
    name: str


@dataclass(frozen=True)
class LocalUser:
    """A local user of the router (platforms that keep users in their config)."""

    name: str
    privilege: int
    secret: str
    secret_type: int


@dataclass(frozen=True)
class Snmp:
    """Read-only SNMP."""

    community: str
    location: str
    contact: str


@dataclass(frozen=True)
class RouterIntent:
    """Everything a router's configuration says, platform-neutral."""

    name: str
    hostname: str
    platform: str
    site: str
    site_name: str
    is_hq: bool
    loopback: Interface
    lan_port: str | None
    interfaces: tuple[Interface, ...]
    ospf: Ospf
    static_routes: tuple[StaticRoute, ...]
    ntp_servers: tuple[str, ...]
    syslog_servers: tuple[str, ...]
    log_level: str
    snmp: Snmp | None
    users: tuple[LocalUser, ...]
    banner: str
    lldp: bool
    ipv6_forwarding: bool
    archive_path: str

    @property
    def lan_interfaces(self) -> tuple[Interface, ...]:
        """The VLAN subinterfaces of the LAN port."""
        return tuple(i for i in self.interfaces if i.kind == "lan")

    @property
    def wan_interfaces(self) -> tuple[Interface, ...]:
        """The WAN link ends."""
        return tuple(i for i in self.interfaces if i.kind == "wan")

    def context(self) -> dict[str, Any]:
        """The template context: plain dicts, lists and strings."""
        data = dataclasses.asdict(self)
        data["lan_interfaces"] = [dataclasses.asdict(i) for i in self.lan_interfaces]
        data["wan_interfaces"] = [dataclasses.asdict(i) for i in self.wan_interfaces]
        data["uplink_interfaces"] = [
            dataclasses.asdict(i) for i in self.interfaces if i.kind == "uplink"
        ]
        return data
