"""The Graphviz map of a Dzongkhag (each office has its own, see ``dzict.docs.officemap``).

The DOT sources are built here with the ``graphviz`` package; ``dzict.docs.drawing`` runs
``dot`` on them. The Dzongkhag map is also laid out as JSON, from which the draw.io file takes
its coordinates.

A Dzongkhag of up to ``DETAILED_OFFICES`` offices is drawn with every office as a cluster of its
devices, HQ in the middle: half of the offices are ranked above it, half below, with the
offices that have a link between them kept on the same side. A larger one is drawn with one box
per office on circles around HQ (``office_ring``): its devices are on the office maps.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

import graphviz

from dzict.docs.legend import legend_cluster
from dzict.docs.mapstyle import (
    DEVICE_STATE_NOTE,
    DZONGKHAG_MAP,
    ROLE_STYLE,
    SITE_FILL,
    device_attrs,
    link_attrs,
    new_graph,
    node_id,
    title_name,
)
from dzict.docs.ring import office_ring
from dzict.docs.topology import Link, Port, Topology
from dzict.inventory.model import Site

#: A Dzongkhag with more offices is drawn with one box per office (details on office maps).
DETAILED_OFFICES = 15


def _groups(topology: Topology) -> list[list[str]]:
    """Offices joined by links that avoid HQ, as groups drawn side by side."""
    hq = topology.sites[0].key
    site_of = {name: d.site for name, d in topology.devices.items()}
    parent = {s.key: s.key for s in topology.sites}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for link in topology.links:
        a, b = site_of[link.a.host], site_of[link.b.host]
        if hq not in (a, b) and a != b:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for site in topology.sites[1:]:
        groups[find(site.key)].append(site.key)
    return sorted(groups.values(), key=lambda m: (-len(m), m))


def _placement(topology: Topology) -> dict[str, tuple[int, int]]:
    """Where each office goes: (side, row). Side -1 is above HQ, 1 below; rows count outwards
    and hold about the square root of the number of offices, so a big Dzongkhag wraps into a
    block around HQ instead of one long line. Linked offices share a side and a row."""
    groups = _groups(topology)
    offices = sum(len(g) for g in groups)
    per_row = max(3, math.ceil(math.sqrt(offices)))
    sides: list[list[list[str]]] = [[], []]
    sizes = [0, 0]
    for members in groups:
        pick = 0 if sizes[0] <= sizes[1] else 1
        sizes[pick] += len(members)
        sides[pick].append(members)
    place: dict[str, tuple[int, int]] = {topology.sites[0].key: (0, 0)}
    for pick, side_groups in enumerate(sides):
        row, used = 1, 0
        for members in side_groups:
            if used and used + len(members) > per_row:
                row, used = row + 1, 0
            used += len(members)
            for key in members:
                place[key] = (-1 if pick == 0 else 1, row)
    return place


def _depths(topology: Topology) -> dict[str, int]:
    """Hops from HQ for each site, over the intended and seen links (unlinked: far away)."""
    site_of = {name: d.site for name, d in topology.devices.items()}
    nbrs: dict[str, set[str]] = defaultdict(set)
    for link in topology.links:
        a, b = site_of[link.a.host], site_of[link.b.host]
        nbrs[a].add(b)
        nbrs[b].add(a)
    hq = topology.sites[0].key
    depth = {hq: 0}
    queue = deque([hq])
    while queue:
        key = queue.popleft()
        for other in sorted(nbrs[key]):
            if other not in depth:
                depth[other] = depth[key] + 1
                queue.append(other)
    return {s.key: depth.get(s.key, len(topology.sites)) for s in topology.sites}


def _office_cluster(
    graph: graphviz.Digraph, topology: Topology, site: Site, above: bool
) -> set[str]:
    """One office of the Dzongkhag map: its devices (PCs counted in one node) around its
    router, devices on the far side from HQ. Returns the roles drawn."""
    devices = topology.site_devices(site.key)
    routers = [d for d in devices if d.role == "router"]
    pcs = [d for d in devices if d.role == "pc" and d.state != "unexpected"]
    others = [d for d in devices if d not in routers and d not in pcs]
    roles = {d.role for d in routers + others}
    with graph.subgraph(name=f"cluster_{site.key}") as cluster:
        cluster.attr(
            label=f"{site.name}\\n{site.kind}, site {site.id}",
            style="rounded,filled",
            fillcolor=SITE_FILL["hq" if site.is_hq else "office"],
            color="#0f172a" if site.is_hq else "#94a3b8",
            penwidth="2" if site.is_hq else "1",
            fontsize="12",
            labelloc="t",
        )
        for device in routers + others:
            cluster.node(node_id(device.name), **device_attrs(device, model=False))
        names = [d.name for d in others]
        if pcs:
            roles.add("pc")
            worst = next((p for p in pcs if p.state != "ok"), pcs[0])
            label = f"{len(pcs)} PC" + ("s" if len(pcs) > 1 else "")
            for state in ("unreachable", "not-discovered"):
                count = sum(1 for p in pcs if p.state == state)
                if count:
                    label += f"\\n{count} {DEVICE_STATE_NOTE[state].lower()}"
            attrs = device_attrs(worst, detail=False) | {"label": label}
            attrs["tooltip"] = ", ".join(p.name for p in pcs)
            cluster.node(f"{site.key}__pcs", **attrs)
            names.append(f"{site.key}__pcs")
        if routers:
            for name in names:
                ends = (name, routers[0].name) if above else (routers[0].name, name)
                cluster.edge(*ends, dir="none", color="#94a3b8", penwidth="0.8")
    return roles


def dzongkhag_map(topology: Topology) -> str:
    """DOT source of the Dzongkhag map: offices as clusters of their devices around HQ, or,
    when the Dzongkhag has more than ``DETAILED_OFFICES`` offices, one box per office on a
    circle around HQ (``office_ring``)."""
    if len(topology.sites) - 1 > DETAILED_OFFICES:
        return office_ring(topology)
    dz = topology.inventory.dzongkhag
    graph = new_graph(DZONGKHAG_MAP, f"{title_name(dz.name)}: WAN and offices")
    graph.attr(nodesep="0.2", ranksep="0.45")
    place = _placement(topology)
    depth = _depths(topology)
    rank_of = {s.key: (place.get(s.key, (1, 0))[0], depth[s.key]) for s in topology.sites}
    roles: set[str] = set()
    for site in topology.sites:
        roles |= _office_cluster(graph, topology, site, rank_of[site.key][0] < 0)
    for link in topology.links:
        tail, head, attrs = _wan_edge(topology, link, place, rank_of)
        graph.edge(node_id(tail.host), node_id(head.host), **attrs)
    legend_cluster(graph, [r for r in ROLE_STYLE if r in roles])
    return str(graph.source)


def _wan_edge(
    topology: Topology,
    link: Link,
    place: dict[str, tuple[int, int]],
    rank_of: dict[str, tuple[int, int]],
) -> tuple[Port, Port, dict[str, str]]:
    """A WAN link of the detailed map: tail, head and attributes. The end nearer the centre
    comes first in "below" branches and last in "above" ones."""
    hq = topology.sites[0].key
    a_site = topology.devices[link.a.host].site
    b_site = topology.devices[link.b.host].site
    ra, rb = rank_of[a_site], rank_of[b_site]
    a_first = ra[1] <= rb[1] if max(ra[0], rb[0]) > 0 else ra[1] >= rb[1]
    if a_site == hq:
        a_first = rb[0] > 0
    elif b_site == hq:
        a_first = ra[0] < 0
    tail, head = (link.a, link.b) if a_first else (link.b, link.a)
    attrs = link_attrs(link, not a_first)
    if hq in (a_site, b_site) and a_site != b_site:
        row = place[b_site if a_site == hq else a_site][1]
        attrs["minlen"] = str(1 + 2 * (row - 1))
    elif place.get(a_site) == place.get(b_site):
        attrs["minlen"] = "0"  # offices of one row side by side
    return tail, head, attrs
