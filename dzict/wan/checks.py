"""What the WAN should look like once configured: OSPF neighbours and the reachability matrix.

``probes`` builds the matrix (every office LAN to HQ's LAN and servers and to the LANs of its
WAN neighbours, pinged from the office router sourced from its own LAN address).
``expectations`` narrows it to one router during a rollout: only peers that already run their
intended configuration ("ready") are expected to be up; ``context`` names the routers whose
readiness those post-checks read. ``lost_adjacencies`` names the WAN links whose OSPF
adjacency is not Full (lost redundancy, when the pings still answer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dzict.inventory.model import Host, Inventory, Site
from dzict.wan.intent import RouterIntent

#: Roles whose hosts at HQ the offices must reach.
SERVER_ROLES = ("server", "backup", "mirror")
FULL = "full"


@dataclass(frozen=True)
class Probe:
    """One ping of the matrix: from a router, sourced from a LAN address, to an address."""

    router: str
    source: str
    source_label: str
    target: str
    target_label: str

    @property
    def pair(self) -> str:
        """``guma LAN -> hq servers``."""
        return f"{self.source_label} -> {self.target_label}"


@dataclass(frozen=True)
class OspfSeen:
    """OSPF neighbours as a router reports them, and what is missing from the expected ones."""

    neighbours: Mapping[str, tuple[str, str]]
    problems: list[str]


@dataclass(frozen=True)
class Expectations:
    """The post-checks of one router: addresses, OSPF neighbours, pings."""

    router: str
    addresses: tuple[tuple[str, str], ...]
    neighbours: Mapping[str, str] = field(default_factory=dict)
    probes: tuple[Probe, ...] = ()
    intended_neighbours: Mapping[str, str] = field(default_factory=dict)


def _source_vlan(site: Site) -> int | None:
    """The VLAN whose router address sources a site's pings: the lowest non-isolated one."""
    usable = sorted(v.id for v in site.vlans if not v.isolated)
    return usable[0] if usable else None


def lan_source(intent: RouterIntent, site: Site) -> str | None:
    """The router's address in the site's source VLAN."""
    vlan = _source_vlan(site)
    for iface in intent.lan_interfaces:
        if iface.vlan == vlan:
            return iface.address.ip
    return None


def _hq_targets(inventory: Inventory, intents: Mapping[str, RouterIntent]) -> list[tuple[str, str]]:
    """HQ's router LAN address and its servers' LAN addresses."""
    hq = inventory.hq
    targets = []
    for router in inventory.routers_of(hq.key):
        source = lan_source(intents[router.name], hq) if router.name in intents else None
        if source:
            targets.append((source, f"{hq.key} LAN"))
    servers: list[Host] = [
        h for h in inventory.site_hosts(hq.key) if h.role in SERVER_ROLES and h.lan_address
    ]
    for server in sorted(servers, key=lambda h: h.name):
        assert server.lan_address is not None
        targets.append((str(server.lan_address.ip), server.name))
    return targets


def probes(
    inventory: Inventory,
    intents: Mapping[str, RouterIntent],
    sources: Iterable[str] | None = None,
    ready: Iterable[str] | None = None,
) -> list[Probe]:
    """The reachability matrix, from office routers in ``sources`` (default: all offices).

    ``ready``, when given, keeps only targets behind routers that run their intended config.
    """
    ready_set = set(intents if ready is None else ready)
    hq_routers = {h.name for h in inventory.routers_of(inventory.hq.key)}
    hq_targets = _hq_targets(inventory, intents) if hq_routers & ready_set else []
    names = sorted(intents if sources is None else sources)
    result = []
    for name in names:
        intent = intents[name]
        if intent.is_hq:
            continue
        site = inventory.sites[intent.site]
        source = lan_source(intent, site)
        if source is None:
            continue
        label = f"{site.key} LAN"
        targets = list(hq_targets)
        for iface in intent.wan_interfaces:
            peer = iface.peer
            if peer is None or peer in hq_routers or peer not in ready_set or peer not in intents:
                continue
            peer_site = inventory.sites[intents[peer].site]
            if (address := lan_source(intents[peer], peer_site)) is not None:
                targets.append((address, f"{peer_site.key} LAN"))
        result += [Probe(name, source, label, address, what) for address, what in targets]
    return result


def expectations(
    inventory: Inventory,
    intents: Mapping[str, RouterIntent],
    router: str,
    ready: Iterable[str],
) -> Expectations:
    """Post-checks of ``router`` once its own config is in, given the peers already ready."""
    ready_set = set(ready) | {router}
    intent = intents[router]
    peers = [i for i in intent.wan_interfaces if i.peer in intents]
    intended = {intents[str(i.peer)].ospf.router_id: i.name for i in peers}
    neighbours = {intents[str(i.peer)].ospf.router_id: i.name for i in peers if i.peer in ready_set}
    addresses = tuple((i.name, i.address.cidr) for i in (intent.loopback, *intent.interfaces))
    if intent.is_hq:
        checks = hq_probes(inventory, intents, router, ready_set)
    else:
        checks = probes(inventory, intents, sources=[router], ready=ready_set)
    return Expectations(router, addresses, neighbours, tuple(checks), intended)


def context(
    inventory: Inventory, intents: Mapping[str, RouterIntent], targets: Iterable[str]
) -> set[str]:
    """Routers besides ``targets`` whose readiness the targets' post-checks read: each target's
    WAN peers; HQ's routers for an office (it pings HQ); every office for an HQ router (it pings
    them all)."""
    chosen = set(targets)
    hq = {h.name for h in inventory.routers_of(inventory.hq.key)} & set(intents)
    needed: set[str] = set()
    for name in chosen:
        intent = intents[name]
        needed |= {str(i.peer) for i in intent.wan_interfaces if i.peer in intents}
        needed |= set(intents) - hq if intent.is_hq else hq
    return needed - chosen


def hq_probes(
    inventory: Inventory, intents: Mapping[str, RouterIntent], router: str, ready: Iterable[str]
) -> list[Probe]:
    """From an HQ router's LAN to the LAN of every ready office."""
    hq = inventory.sites[intents[router].site]
    source = lan_source(intents[router], hq)
    if source is None:
        return []
    result = []
    for name in sorted(set(ready) & set(intents)):
        office = intents[name]
        if office.is_hq:
            continue
        site = inventory.sites[office.site]
        if (target := lan_source(office, site)) is not None:
            result.append(Probe(router, source, f"{hq.key} LAN", target, f"{site.key} LAN"))
    return result


@dataclass(frozen=True)
class LostAdjacency:
    """A WAN link whose OSPF adjacency is not Full, as each end sees it."""

    link: str
    ends: tuple[tuple[str, str], tuple[str, str]]
    cost: int
    description: str
    seen: tuple[str, ...]

    def __str__(self) -> str:
        (a, a_if), (b, b_if) = self.ends
        about = f"cost {self.cost}" + (f", {self.description}" if self.description else "")
        return f"{self.link} {a} {a_if} - {b} {b_if} ({about}): {'; '.join(self.seen)}"


def lost_adjacencies(
    inventory: Inventory,
    intents: Mapping[str, RouterIntent],
    seen: Mapping[str, Mapping[str, tuple[str, str]] | None],
) -> list[LostAdjacency]:
    """The WAN links (between planned routers) whose adjacency either end does not see Full on
    the link's interface. ``seen[router]`` is None when its neighbours could not be read."""
    lost = []
    for link in sorted(inventory.links, key=lambda item: item.id):
        if link.a.host not in intents or link.b.host not in intents:
            continue
        views = []
        for end, other in ((link.a, link.b), (link.b, link.a)):
            neighbours = seen.get(end.host)
            if neighbours is None:
                views.append(f"{end.host}: neighbours not read")
                continue
            rid = intents[other.host].ospf.router_id
            state, where = neighbours.get(rid, ("absent", ""))
            if state != FULL:
                views.append(f"{end.host} sees {other.host} {state}")
            elif where != end.interface:
                views.append(f"{end.host} sees {other.host} Full on {where}")
        if views:
            ends = ((link.a.host, link.a.interface), (link.b.host, link.b.interface))
            lost.append(LostAdjacency(link.name, ends, link.cost, link.description, tuple(views)))
    return lost


# -- reading the devices' answers ------------------------------------------------------------

_IOS_NEIGHBOUR = re.compile(
    r"^(?P<rid>\d+\.\d+\.\d+\.\d+)\s+\d+\s+(?P<state>[A-Z0-9-]+)/\s*\S*\s+\S+\s+"
    r"(?P<address>\d+\.\d+\.\d+\.\d+)\s+(?P<iface>\S+)\s*$"
)


def ospf_neighbours(platform: str, output: str) -> dict[str, tuple[str, str]]:
    """``{router id: (state, interface)}`` from ``show ip ospf neighbor`` (FRR: its JSON)."""
    result: dict[str, tuple[str, str]] = {}
    if platform == "frr":
        data = json.loads(output or "{}")
        for rid, entries in (data.get("neighbors") or {}).items():
            for entry in entries:
                state = str(entry.get("converged") or entry.get("state", "")).split("/")[0]
                iface = str(entry.get("ifaceName", "")).split(":")[0]
                result[rid] = (state.lower(), iface)
        return result
    for line in output.splitlines():
        if match := _IOS_NEIGHBOUR.match(line.strip()):
            result[match["rid"]] = (match["state"].lower(), match["iface"])
    return result


#: The command that lists OSPF neighbours, per platform.
OSPF_NEIGHBOUR_COMMAND = {"frr": "show ip ospf neighbor json", "ios": "show ip ospf neighbor"}


def missing_neighbours(
    expected: Mapping[str, str], seen: Mapping[str, tuple[str, str]]
) -> list[str]:
    """One line per expected neighbour that is not Full on its intended interface."""
    problems = []
    for rid, iface in sorted(expected.items()):
        state, where = seen.get(rid, ("absent", ""))
        if state != FULL:
            problems.append(f"OSPF neighbour {rid} on {iface}: {state}")
        elif where != iface:
            problems.append(f"OSPF neighbour {rid} is Full on {where}, expected on {iface}")
    return problems


def missing_addresses(
    expected: Iterable[tuple[str, str]], interfaces_ip: Mapping[str, object]
) -> list[str]:
    """One line per intended address not found on its interface (NAPALM get_interfaces_ip)."""
    problems = []
    for iface, cidr in expected:
        ip, _, length = cidr.partition("/")
        entry = interfaces_ip.get(iface)
        ipv4 = entry.get("ipv4", {}) if isinstance(entry, dict) else {}
        found = ipv4.get(ip) if isinstance(ipv4, dict) else None
        if not isinstance(found, dict) or int(found.get("prefix_length", -1)) != int(length):
            problems.append(f"{iface} lacks {cidr}")
    return problems
