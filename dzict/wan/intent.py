"""The intended configuration of every router, computed from the inventory and the address plan.

Templates (``templates/frr``, ``templates/ios``) only place the values built here: every address,
mask, OSPF area, cost and default is decided in this module, which the unit tests check.

Inventory variables read here (all optional, set on the router or one of its groups):

* ``ospf_area``: OSPF area of the site's LANs (default: 0 at HQ, the ``site_id`` elsewhere).
  WAN links and loopbacks are always in the backbone.
* ``ospf_summarise``: ``true`` makes the router of a site in its own area announce the site's
  LAN block as one range. Off by default: FRR 8.4 then sometimes announces nothing at all,
  because the range and the site's first VLAN share a link state id (measured in the lab).
* ``internet_uplink``: ``{gateway, interface, address}`` of an HQ router's link to the
  internet edge (``interface`` and ``address`` optional). Given: a static default route to the
  gateway and ``default-information originate``. Absent (the lab): ``originate always``.
* ``router_users``: local users ``[{name, privilege, secret}]``, ``secret`` being the hash the
  platform stores (IOS type 9), normally ``{{ vault_... }}``.
* ``router_banner``: the login banner (default names the Dzongkhag's ICT Services Unit).
* ``services``: ``ntp_servers``, ``syslog_servers``, ``snmp_location``, ``snmp_contact``,
  ``snmp_community`` (default ``vault_snmp_community``).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from dzict.exceptions import WanIntentError
from dzict.inventory.model import Host, Inventory, Site, WanLink
from dzict.wan.intent_access import _banner, _snmp, _users, _var
from dzict.wan.intent_model import (
    Area,
    AreaRange,
    Interface,
    LocalUser,
    Ospf,
    Prefix,
    RouterIntent,
    Snmp,
    StaticRoute,
)

__all__ = [
    "DEFAULT_ROUTE",
    "Area",
    "AreaRange",
    "Interface",
    "LocalUser",
    "Ospf",
    "Prefix",
    "RouterIntent",
    "Snmp",
    "StaticRoute",
    "all_intents",
    "router_intent",
    "routers",
    "site_area",
]

BACKBONE = 0
OSPF_PROCESS = 1
LOG_LEVEL = "informational"
DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")
#: The loopback interface's name on each platform.
LOOPBACK = {"frr": "lo", "ios": "Loopback0"}
#: Where IOS keeps its configuration archive: NAPALM's commit-confirm (revert_in) needs it.
ARCHIVE_PATH = "flash:archive-"
#: OSPF timers (seconds) the platforms use when none is configured.
DEFAULT_HELLO = 10
DEFAULT_DEAD = 40


def _seconds(host: Host, key: str, default: int) -> int | None:
    """An OSPF timer from the inventory, or None when it is the platform's default."""
    raw = _var(host, key, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
        raise WanIntentError(host.name, key, f"{raw!r} is not a number of seconds (1-65535)")
    return None if raw == default else raw


def site_area(host: Host, site: Site) -> int:
    """The OSPF area of a site's LANs."""
    default = BACKBONE if site.is_hq else site.id
    raw = _var(host, "ospf_area", default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 0xFFFFFFFF:
        raise WanIntentError(host.name, "ospf_area", f"{raw!r} is not an OSPF area number")
    return raw


def _wan_interfaces(host: Host, links: list[WanLink]) -> list[Interface]:
    """This router's ends of the WAN links, in link order."""
    hello = _seconds(host, "ospf_hello_interval", DEFAULT_HELLO)
    dead = _seconds(host, "ospf_dead_interval", DEFAULT_DEAD)
    result = []
    for link in sorted(links, key=lambda item: item.id):
        for end, other in ((link.a, link.b), (link.b, link.a)):
            if end.host != host.name:
                continue
            if end.address is None:
                raise WanIntentError(host.name, f"wan_links[id={link.id}]", "link has no address")
            result.append(
                Interface(
                    name=end.interface,
                    kind="wan",
                    description=link.description or f"WAN link {link.id} to {other.host}",
                    address=Prefix.of(end.address),
                    area=Area.of(BACKBONE),
                    cost=link.cost,
                    point_to_point=True,
                    peer=other.host,
                    hello_interval=hello,
                    dead_interval=dead,
                )
            )
    return result


def _lan_interfaces(host: Host, site: Site, area: Area) -> list[Interface]:
    """One subinterface per VLAN of the site; the router owns .1 of each VLAN subnet."""
    if host.lan_interface is None:
        return []
    result = []
    for vlan in sorted(site.vlans, key=lambda v: v.id):
        if vlan.subnet is None:
            raise WanIntentError(host.name, f"vlans[id={vlan.id}]", "VLAN has no subnet")
        gateway = IPv4Interface((vlan.subnet.network_address + 1, vlan.subnet.prefixlen))
        result.append(
            Interface(
                name=f"{host.lan_interface}.{vlan.id}",
                kind="lan",
                description=f"{site.name} VLAN {vlan.id} {vlan.name}",
                address=Prefix.of(gateway),
                area=area,
                passive=True,
                vlan=vlan.id,
            )
        )
    return result


def _uplink(host: Host) -> tuple[IPv4Address | None, Interface | None]:
    """The internet edge's next hop and, when given, the uplink interface (not in OSPF)."""
    raw = _var(host, "internet_uplink")
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or "gateway" not in raw:
        raise WanIntentError(host.name, "internet_uplink", "needs at least a gateway")
    try:
        gateway = IPv4Address(str(raw["gateway"]))
    except ValueError as exc:
        raise WanIntentError(
            host.name, "internet_uplink.gateway", f"{raw['gateway']!r} is not an address"
        ) from exc
    if "interface" not in raw:
        return gateway, None
    if host.interfaces and raw["interface"] not in host.interfaces:
        raise WanIntentError(
            host.name,
            "internet_uplink.interface",
            f"{raw['interface']!r} is not one of the router's interfaces",
        )
    try:
        address = IPv4Interface(str(raw["address"]))
    except (KeyError, ValueError) as exc:
        raise WanIntentError(
            host.name, "internet_uplink.address", "the uplink interface needs an address/prefix"
        ) from exc
    if gateway not in address.network or gateway == address.ip:
        raise WanIntentError(
            host.name, "internet_uplink.gateway", f"{gateway} is not a neighbour in {address}"
        )
    uplink = Interface(
        name=str(raw["interface"]),
        kind="uplink",
        description="internet uplink",
        address=Prefix.of(address),
        area=None,
    )
    return gateway, uplink


def router_intent(inventory: Inventory, name: str, platform: str | None = None) -> RouterIntent:
    """The intended configuration of router ``name`` (on ``platform``, default its own)."""
    host = inventory.hosts.get(name)
    if host is None or host.role != "router":
        raise WanIntentError(name, "(host)", "not a router of this inventory")
    site = inventory.sites[host.site]
    if host.loopback is None:
        raise WanIntentError(name, "loopback", "a router needs a loopback address")
    platform = platform or host.platform
    area = Area.of(site_area(host, site))
    loopback = Interface(
        name=LOOPBACK.get(platform, "lo"),
        kind="loopback",
        description="router id",
        address=Prefix.of(host.loopback),
        area=Area.of(BACKBONE),
        passive=True,
        no_shutdown=False,
    )
    lans = _lan_interfaces(host, site, area)
    ranges: tuple[AreaRange, ...] = ()
    summarise = _var(host, "ospf_summarise", False)
    if not isinstance(summarise, bool):
        raise WanIntentError(name, "ospf_summarise", "must be true or false")
    if summarise and area.number != BACKBONE and site.lan_block is not None and lans:
        ranges = (AreaRange(area=area, prefix=Prefix.of(site.lan_block)),)
    gateway, uplink = _uplink(host)
    routes: tuple[StaticRoute, ...] = ()
    if gateway is not None:
        routes = (StaticRoute(Prefix.of(DEFAULT_ROUTE), str(gateway), "internet-edge"),)
    services = inventory.services
    return RouterIntent(
        name=name,
        hostname=name,
        platform=platform,
        site=site.key,
        site_name=site.name,
        is_hq=site.is_hq,
        loopback=loopback,
        lan_port=host.lan_interface if lans else None,
        interfaces=(
            *(() if uplink is None else (uplink,)),
            *_wan_interfaces(host, inventory.links),
            *lans,
        ),
        ospf=Ospf(
            process=OSPF_PROCESS,
            router_id=str(host.loopback.ip),
            ranges=ranges,
            passive=(loopback.name, *(i.name for i in lans)),
            default_originate=site.is_hq,
            default_originate_always=site.is_hq and gateway is None,
        ),
        static_routes=routes,
        ntp_servers=tuple(str(s) for s in services.get("ntp_servers") or ()),
        syslog_servers=tuple(str(s) for s in services.get("syslog_servers") or ()),
        log_level=LOG_LEVEL,
        snmp=_snmp(host, inventory),
        users=_users(host),
        banner=_banner(host, inventory),
        lldp=True,
        ipv6_forwarding=False,
        archive_path=str(_var(host, "router_archive_path", ARCHIVE_PATH)),
    )


def routers(inventory: Inventory) -> list[str]:
    """Names of every router, sorted."""
    return sorted(h.name for h in inventory.by_role("router"))


def all_intents(inventory: Inventory) -> dict[str, RouterIntent]:
    """The intent of every router."""
    return {name: router_intent(inventory, name) for name in routers(inventory)}
