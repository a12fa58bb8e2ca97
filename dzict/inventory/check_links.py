"""WAN checks: every link joins two router ports once, ports exist once, every office reaches HQ.

A link with a faulty end is marked faulty; the path check then stays silent, since an office cut
off by a mistyped link is that link's problem, already reported.
"""

from __future__ import annotations

from collections import defaultdict

from dzict.inventory.findings import Findings
from dzict.inventory.model import Host, LinkEnd, Site, WanLink
from dzict.inventory.variables import suggest

Numbered = list[tuple[int, WanLink]]
"""The typed links with their position in ``wan_links`` (the key the officer reads)."""


def check_router_ports(found: Findings, hosts: dict[str, Host]) -> None:
    """A router lists each interface once, its LAN interface among them."""
    for host in hosts.values():
        if host.role != "router":
            continue
        seen: set[str] = set()
        for n, name in enumerate(host.interfaces):
            if name in seen:
                found.add(f"interfaces[{n}]", f"{name} is listed twice", host=host.name)
            seen.add(name)
        if host.lan_interface and host.interfaces and host.lan_interface not in seen:
            on_host = found.view.index.origin("lan_interface", found.chain(host.name))
            key = "lan_interface" if on_host == ("host", host.name) else "interfaces"
            found.add(
                key,
                f"the LAN interface {host.lan_interface!r} of {host.name} is not among its"
                f" interfaces ({', '.join(host.interfaces)})",
                host=host.name,
            )


class LinkChecker:
    """Checks the links in order, remembering the ports and pairs already taken."""

    def __init__(self, found: Findings, hosts: dict[str, Host]) -> None:
        self.found = found
        self.hosts = hosts
        self.ids: dict[int, int] = {}
        self.used: dict[tuple[str, str], int] = {}
        self.pairs: dict[frozenset[tuple[str, str]], int] = {}

    def problem(self, n: int, key: str, message: str) -> None:
        """Report a problem of link ``n`` and keep the link out of later checks."""
        self.found.add(f"wan_links[{n}]{key}", message, group="all")
        self.found.faulty_links.add(n)

    def check(self, links: Numbered) -> None:
        """Every link, in the order the inventory lists them."""
        for n, link in links:
            if link.id in self.ids:
                self.problem(n, ".id", f"link id {link.id} is used twice")
                self.found.faulty_links.add(self.ids[link.id])
            self.ids.setdefault(link.id, n)
            if link.a.host == link.b.host:
                self.problem(n, ".b.host", f"link {link.id} joins {link.a.host} to itself")
                continue
            ends = frozenset({(link.a.host, link.a.interface), (link.b.host, link.b.interface)})
            if ends in self.pairs:
                self.problem(
                    n, "", f"link {link.id} duplicates link {self.pairs[ends]} (same two ports)"
                )
                continue
            self.pairs[ends] = link.id
            for side, end in (("a", link.a), ("b", link.b)):
                self.end(n, f".{side}", end, link.id)

    def end(self, n: int, key: str, end: LinkEnd, link_id: int) -> None:
        """One end: a router of this inventory, on a WAN port it has, used by no other link."""
        host = self.hosts.get(end.host)
        port = (end.host, end.interface)
        if host is None and end.host in self.found.view.hosts:
            self.found.faulty_links.add(n)  # the host itself is invalid and already reported
        elif host is None:
            routers = [h.name for h in self.hosts.values() if h.role == "router"]
            hint = suggest(end.host, routers)
            also = f" (did you mean {hint}?)" if hint else ""
            self.problem(n, f"{key}.host", f"{end.host!r} is not a host of this inventory{also}")
        elif host.role != "router":
            self.problem(n, f"{key}.host", f"{end.host!r} is a {host.role}, not a router")
        elif end.interface not in host.interfaces:
            self.problem(
                n,
                f"{key}.interface",
                f"{end.host} has no interface {end.interface!r}"
                f" (it has: {', '.join(host.interfaces)})",
            )
        elif end.interface == host.lan_interface:
            self.problem(n, f"{key}.interface", f"{end.host} {end.interface} is its LAN interface")
        elif port in self.used:
            self.problem(
                n,
                f"{key}.interface",
                f"{end.host} {end.interface} is already used by link {self.used[port]}",
            )
        self.used.setdefault(port, link_id)


def check_hq(found: Findings, sites: dict[str, Site]) -> None:
    """Exactly one site is the headquarters."""
    hqs = sorted((s for s in sites.values() if s.is_hq), key=lambda s: (s.id, s.key))
    if sites and not hqs and not found.faulty_sites:
        found.at(
            found.view.index.hosts_file(),
            "site_kind",
            "no site is the headquarters: one site needs site_kind: hq",
        )
    for extra in hqs[1:]:
        found.add(
            "site_kind",
            f"site {extra.key} is a second headquarters (site {hqs[0].key} is the HQ)",
            group=extra.group,
        )


def check_paths(
    found: Findings, sites: dict[str, Site], hosts: dict[str, Host], links: Numbered
) -> None:
    """Every office with a router reaches HQ over the WAN links (or its site's LAN)."""
    hqs = [s for s in sites.values() if s.is_hq]
    suggested = any("wan_links" in keys for keys in found.suggested.values())
    if len(hqs) != 1 or found.faulty_links or suggested or found.plan_faulty:
        return
    routers: dict[str, set[str]] = defaultdict(set)
    for host in hosts.values():
        if host.role == "router":
            routers[host.site].add(host.name)
    reached = _reachable(routers[hqs[0].key], routers, hosts, links)
    for site in sites.values():
        mine = routers[site.key]
        if not site.is_hq and mine and not mine & reached and found.site_ok(site.key):
            found.add("wan_links", "no WAN path to HQ from {about}", about=("site", site.key))


def _reachable(
    start: set[str], routers: dict[str, set[str]], hosts: dict[str, Host], links: Numbered
) -> set[str]:
    """Routers reachable from ``start`` over links and over the LAN of their own site."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for _n, link in links:
        neighbours[link.a.host].add(link.b.host)
        neighbours[link.b.host].add(link.a.host)
    for members in routers.values():
        for name in members:
            neighbours[name] |= members - {name}
    seen = set(start)
    todo = list(start)
    while todo:
        for other in neighbours[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen & set(hosts)
