"""The Graphviz map of one office: its devices on the LAN segment and its WAN neighbours."""

from __future__ import annotations

from collections import defaultdict

from dzict.docs.legend import legend_node
from dzict.docs.mapstyle import (
    LAN_STATE_STYLE,
    LINK_STATE_STYLE,
    ROLE_STYLE,
    device_attrs,
    link_attrs,
    new_graph,
    node_id,
)
from dzict.docs.topology import Link, Topology

#: An office with more WAN links draws only those not seen as intended (the rest are counted).
OFFICE_MAP_LINKS = 12


def _office_links(links: list[Link], own: set[str]) -> tuple[list[Link], dict[str, int]]:
    """The WAN links an office map draws one by one, and the rest counted per router of the
    office: an office with more than ``OFFICE_MAP_LINKS`` links (HQ of a large Dzongkhag)
    draws only those not seen as intended, the others as one box per router."""
    if len(links) <= OFFICE_MAP_LINKS:
        return links, {}
    drawn: list[Link] = []
    summed: dict[str, int] = defaultdict(int)
    for link in links:
        inside = [p.host for p in (link.a, link.b) if p.host in own]
        if link.state == "ok" and len(inside) == 1:
            summed[inside[0]] += 1
        else:
            drawn.append(link)
    return drawn, dict(summed)


def office_map(topology: Topology, site_key: str) -> str:
    """DOT source of one office: its devices on the LAN segment and its WAN neighbours.

    No clusters and no subgraphs: dot orders subgraphs by memory address, so only a graph
    without them draws the same whatever was drawn before it in the same process.
    """
    site = topology.inventory.sites[site_key]
    graph = new_graph(f"office_{site_key}", f"{site.name} ({site.kind}, site {site.id})")
    devices = topology.site_devices(site_key)
    routers = [d for d in devices if d.role == "router"]
    hosts = [d for d in devices if d.role != "router"]
    own = {d.name for d in devices}
    links, summed = _office_links(topology.site_links(site_key), own)
    for name in sorted({p.host for link in links for p in (link.a, link.b)} - own):
        other = topology.devices[name]
        other_site = topology.inventory.sites.get(other.site)
        attrs = device_attrs(other, detail=False)
        attrs["label"] += f"\\n({other_site.name if other_site else other.site})"
        attrs["style"] = (
            attrs["style"].replace("filled", "filled,dashed", 1)
            if ("dashed" not in attrs["style"])
            else attrs["style"]
        )
        graph.node(node_id(name), **attrs)
    vlans = "\\n".join(
        f"VLAN {v.id} {v.name} {v.subnet}" for v in site.vlans if v.subnet is not None
    )
    for device in routers:
        graph.node(node_id(device.name), **device_attrs(device))
    graph.node(
        "__lan",
        label=f"office LAN\\n{vlans}",
        shape="note",
        style="filled",
        fillcolor="#f1f5f9",
        color="#64748b",
    )
    for device in hosts:
        graph.node(node_id(device.name), **device_attrs(device))
        lan = LAN_STATE_STYLE.get(device.lan_state or "unverified", LAN_STATE_STYLE["ok"])
        graph.edge("__lan", node_id(device.name), dir="none", **lan)
    for router in routers:
        host = topology.inventory.hosts.get(router.name)
        lan_if = host.lan_interface if host and host.lan_interface else "LAN"
        graph.edge(node_id(router.name), "__lan", dir="none", taillabel=lan_if, color="#64748b")
    for link in links:
        inside_a = link.a.host in own
        tail, head = (link.b, link.a) if inside_a else (link.a, link.b)
        graph.edge(node_id(tail.host), node_id(head.host), **link_attrs(link, inside_a))
    for end, count in sorted(summed.items()):
        graph.node(
            f"__wan_{end}",
            label=f"{count} WAN links seen as intended\\n(listed in the WAN links table)",
            shape="box",
            style="rounded,dashed",
            color=LINK_STATE_STYLE["ok"]["color"],
        )
        graph.edge(f"__wan_{end}", node_id(end), dir="none", **LINK_STATE_STYLE["ok"])
    roles = sorted(
        {d.role for d in devices},
        key=lambda r: list(ROLE_STYLE).index(r) if r in ROLE_STYLE else 99,
    )
    legend_node(graph, [r for r in roles if r in ROLE_STYLE])
    return str(graph.source)
