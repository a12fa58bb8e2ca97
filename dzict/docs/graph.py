"""Graphviz maps of the topology: the Dzongkhag map and one map per office.

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

from dzict.docs.topology import Device, Link, Port, Topology
from dzict.inventory.model import Site

FONT = "DejaVu Sans"
ROLE_STYLE: dict[str, tuple[str, str]] = {
    # role: (shape, fill colour)
    "router": ("ellipse", "#dbeafe"),
    "ap": ("hexagon", "#dcfce7"),
    "server": ("box3d", "#fef3c7"),
    "backup": ("cylinder", "#ede9fe"),
    "mirror": ("folder", "#e0f2fe"),
    "pc": ("box", "#f3f4f6"),
    "unknown": ("octagon", "#ffedd5"),
}
ROLE_NAMES = {
    "router": "router",
    "ap": "access point",
    "server": "server",
    "backup": "backup host",
    "mirror": "package mirror",
    "pc": "PC",
    "unknown": "unknown device",
}
DEVICE_STATE_STYLE: dict[str, dict[str, str]] = {
    "ok": {"color": "#334155", "style": "filled"},
    "unreachable": {
        "color": "#dc2626",
        "style": "filled,dashed",
        "fillcolor": "#fee2e2",
        "penwidth": "2",
    },
    "not-discovered": {"color": "#94a3b8", "style": "filled,dotted"},
    "unexpected": {
        "color": "#ea580c",
        "style": "filled,bold",
        "fillcolor": "#fed7aa",
        "penwidth": "2",
    },
}
DEVICE_STATE_NOTE = {
    "ok": "",
    "unreachable": "UNREACHABLE",
    "not-discovered": "not discovered",
    "unexpected": "NOT IN INVENTORY",
}
LINK_STATE_STYLE: dict[str, dict[str, str]] = {
    "ok": {"color": "#1e293b", "style": "solid", "penwidth": "1.6"},
    "missing": {"color": "#dc2626", "style": "dashed", "penwidth": "2.4"},
    "unexpected": {"color": "#ea580c", "style": "bold", "penwidth": "2.4"},
    "unknown": {"color": "#94a3b8", "style": "dotted", "penwidth": "1.6"},
}
LINK_STATE_NOTE = {
    "ok": "seen by LLDP",
    "missing": "MISSING: intended, not seen",
    "unexpected": "NOT IN INVENTORY: seen, not intended",
    "unknown": "unknown: no end could be asked",
}
LAN_STATE_STYLE: dict[str, dict[str, str]] = {
    "ok": {"color": "#64748b", "style": "solid"},
    "unverified": {"color": "#94a3b8", "style": "dotted"},
    "missing": {"color": "#dc2626", "style": "dashed", "penwidth": "2"},
    "unexpected": {"color": "#ea580c", "style": "bold", "penwidth": "2"},
}
SITE_FILL = {"hq": "#f8fafc", "office": "#ffffff"}
DZONGKHAG_MAP = "dzongkhag"
#: A Dzongkhag with more offices is drawn with one box per office (details on office maps).
DETAILED_OFFICES = 15
RING_FIRST, RING_GAP, RING_SLOT = 3.5, 1.6, 2.2  # inches: first circle, between, per box
RING_END_LABELS = 4
#: An office with more WAN links draws only those not seen as intended (the rest are counted).
OFFICE_MAP_LINKS = 12


IFNAME_SHORT = (
    ("TenGigabitEthernet", "Te"),
    ("GigabitEthernet", "Gi"),
    ("FastEthernet", "Fa"),
    ("Port-channel", "Po"),
    ("Ethernet", "Eth"),
    ("Serial", "Se"),
)


def short_ifname(name: str) -> str:
    """Interface names as network diagrams abbreviate them: ``GigabitEthernet0/1`` -> ``Gi0/1``."""
    for long, short in IFNAME_SHORT:
        if name.startswith(long):
            return short + name[len(long) :]
    return name


def title_name(name: str) -> str:
    """``Punakha`` becomes ``Punakha Dzongkhag``; a name that says Dzongkhag stays as it is."""
    return name if "dzongkhag" in name.lower() else f"{name} Dzongkhag"


def node_id(name: str) -> str:
    """A DOT node id for a device name (quoted by the graphviz package)."""
    return name


def _device_label(device: Device, detail: bool, model: bool = True) -> str:
    lines = [device.name]
    if detail and device.mgmt_address:
        lines.append(device.mgmt_address)
    if detail and model and device.facts.get("model"):
        lines.append(str(device.facts["model"]))
    note = DEVICE_STATE_NOTE[device.state]
    if note:
        lines.append(note)
    return "\\n".join(lines)


def _device_attrs(device: Device, detail: bool = True, model: bool = True) -> dict[str, str]:
    shape, fill = ROLE_STYLE.get(device.role, ROLE_STYLE["unknown"])
    attrs = {"shape": shape, "fillcolor": fill, "label": _device_label(device, detail, model)}
    attrs |= DEVICE_STATE_STYLE[device.state]
    attrs["tooltip"] = f"{ROLE_NAMES.get(device.role, device.role)} {device.name}"
    return attrs


def _link_attrs(link: Link, reverse: bool) -> dict[str, str]:
    subnet = str(link.subnet) if link.subnet else "no subnet"
    label = subnet if link.state == "ok" else f"{subnet}\\n{link.state.upper()}"
    if link.address_mismatch:
        label += "\\naddress differs"
    tail, head = (link.b, link.a) if reverse else (link.a, link.b)
    attrs = {
        "label": label,
        "taillabel": short_ifname(tail.interface),
        "headlabel": short_ifname(head.interface),
        "dir": "none",
        "fontcolor": LINK_STATE_STYLE[link.state]["color"],
        "tooltip": f"{link.name}: {link.a.host} {link.a.interface} - "
        f"{link.b.host} {link.b.interface}",
    }
    return attrs | LINK_STATE_STYLE[link.state]


def new_graph(name: str, title: str) -> graphviz.Digraph:
    """An empty map with the project's fonts, title and spacing."""
    graph = graphviz.Digraph(name=name)
    graph.attr(
        rankdir="TB",
        label=title,
        labelloc="t",
        fontname=FONT,
        fontsize="18",
        nodesep="0.35",
        ranksep="0.7",
        newrank="true",
        bgcolor="white",
        pad="0.3",
    )
    graph.attr("node", fontname=FONT, fontsize="10", margin="0.08,0.04")
    graph.attr(
        "edge",
        fontname=FONT,
        fontsize="9",
        labelfontsize="8",
        labelfontcolor="#475569",
        labeldistance="1.6",
    )
    return graph


LINE_GLYPH = {"solid": "━━━", "dashed": "╍╍╍", "bold": "━━━", "dotted": "┅┅┅"}
LAN_STATE_NOTE = {
    "ok": "on the LAN: seen by LLDP",
    "unverified": "on the LAN: not verifiable (no LLDP answer expected)",
    "missing": "on the LAN: MISSING, LLDP should see it",
    "unexpected": "on the LAN: NOT IN INVENTORY",
}


def _legend(graph: graphviz.Digraph, roles: list[str], lan: bool = False) -> None:
    """A legend: the link and device states as coloured lines and boxes, then the roles."""
    rows = ['<tr><td colspan="2"><b>Legend</b></td></tr>']
    notes = [
        ("WAN link: " + note, LINK_STATE_STYLE[state]) for state, note in LINK_STATE_NOTE.items()
    ]
    if lan:
        notes += [(note, LAN_STATE_STYLE[state]) for state, note in LAN_STATE_NOTE.items()]
    for note, style in notes:
        rows.append(
            f'<tr><td><font color="{style["color"]}">{LINE_GLYPH[style["style"]]}</font></td>'
            f'<td align="left">{note}</td></tr>'
        )
    for state, note in DEVICE_STATE_NOTE.items():
        if not note:
            continue
        style = DEVICE_STATE_STYLE[state]
        fill = style.get("fillcolor", "#ffffff")
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="{style["color"]}"> </td>'
            f'<td align="left">device: {note.lower()}</td></tr>'
        )
    table = '<<table border="0" cellspacing="2">' + "".join(rows) + "</table>>"
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="", style="rounded", color="#cbd5e1", margin="8")
        legend.node("legend_table", label=table, shape="plaintext")
        with legend.subgraph() as row:
            row.attr(rank="same")
            for role in roles:
                shape, fill = ROLE_STYLE[role]
                row.node(
                    f"legend_{role}",
                    label=ROLE_NAMES[role],
                    shape=shape,
                    style="filled",
                    fillcolor=fill,
                    color="#334155",
                    fontsize="9",
                )
        for role in roles:
            legend.edge("legend_table", f"legend_{role}", style="invis")


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
            cluster.node(node_id(device.name), **_device_attrs(device, model=False))
        names = [d.name for d in others]
        if pcs:
            roles.add("pc")
            worst = next((p for p in pcs if p.state != "ok"), pcs[0])
            label = f"{len(pcs)} PC" + ("s" if len(pcs) > 1 else "")
            for state in ("unreachable", "not-discovered"):
                count = sum(1 for p in pcs if p.state == state)
                if count:
                    label += f"\\n{count} {DEVICE_STATE_NOTE[state].lower()}"
            attrs = _device_attrs(worst, detail=False) | {"label": label}
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
    _legend(graph, [r for r in ROLE_STYLE if r in roles])
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
    attrs = _link_attrs(link, not a_first)
    if hq in (a_site, b_site) and a_site != b_site:
        row = place[b_site if a_site == hq else a_site][1]
        attrs["minlen"] = str(1 + 2 * (row - 1))
    elif place.get(a_site) == place.get(b_site):
        attrs["minlen"] = "0"  # offices of one row side by side
    return tail, head, attrs


def _office_box(topology: Topology, site: Site) -> dict[str, str]:
    """One office as a single box: name, kind, device counts; styled by its router's state."""
    devices = topology.site_devices(site.key)
    routers = [d for d in devices if d.role == "router"]
    intended = [d for d in devices if d.intended]
    reached = sum(1 for d in intended if d.state == "ok")
    lines = [
        site.name,
        f"{site.kind}, site {site.id}",
        f"{len(intended)} devices, {reached} reached",
    ]
    for state in ("unreachable", "not-discovered", "unexpected"):
        count = sum(1 for d in devices if d.state == state)
        if count:
            lines.append(f"{count} {DEVICE_STATE_NOTE[state].lower()}")
    attrs = {
        "shape": "box",
        "label": "\\n".join(lines),
        "fillcolor": SITE_FILL["hq" if site.is_hq else "office"],
        "tooltip": f"{site.name}: " + ", ".join(r.name for r in routers),
    }
    attrs |= DEVICE_STATE_STYLE[routers[0].state if routers else "not-discovered"]
    attrs["style"] = "rounded," + attrs["style"]
    if site.is_hq:
        attrs["penwidth"] = "2"
    return attrs


def ring_positions(count: int) -> list[tuple[float, float]]:
    """Where ``count`` offices go around HQ (at 0,0), in inches: on circles ``RING_GAP`` apart,
    each holding as many boxes as its length has room for, inner circles first. The drawing's
    area grows with the number of offices, not with its square as one circle's would."""
    places: list[tuple[float, float]] = []
    ring = 0
    while len(places) < count:
        radius = RING_FIRST + ring * RING_GAP
        room = max(1, int(2 * math.pi * radius / RING_SLOT))
        take = min(room, count - len(places))
        turn = 0.5 * (ring % 2)  # every other circle turned by half a slot
        for n in range(take):
            angle = 2 * math.pi * (n + turn) / room + math.pi / 2
            places.append((round(radius * math.cos(angle), 2), round(radius * math.sin(angle), 2)))
        ring += 1
    return places


def office_ring(topology: Topology) -> str:
    """DOT source of a large Dzongkhag's map: each office one box, on circles around HQ
    (``ring_positions``; Graphviz's ``neato`` only draws them where they are pinned), every WAN
    link a straight line with its subnet and state, drawn over the boxes (a line that crosses an
    office is seen to pass it). Interface names are left
    off the ends of a box with more than ``RING_END_LABELS`` links, where they would only pile
    up; the link tables list them."""
    dz = topology.inventory.dzongkhag
    graph = new_graph(DZONGKHAG_MAP, f"{title_name(dz.name)}: WAN and offices")
    hq = topology.sites[0].key
    graph.attr(layout="neato", splines="false", outputorder="nodesfirst", overlap="true")
    graph.attr("node", fontsize="9")
    places = [(0.0, 0.0), *ring_positions(len(topology.sites) - 1)]
    box: dict[str, str] = {}
    for site, (x, y) in zip(topology.sites, places, strict=True):
        graph.node(f"site_{site.key}", pos=f"{x},{y}!", **_office_box(topology, site))
        for device in topology.site_devices(site.key):
            box[device.name] = f"site_{site.key}" if device.intended else node_id(device.name)
    ends: dict[str, int] = defaultdict(int)
    for link in topology.links:
        for port in (link.a, link.b):
            ends[box[port.host]] += 1
            if not topology.devices[port.host].intended:
                graph.node(node_id(port.host), **_device_attrs(topology.devices[port.host], False))
    for link in topology.links:
        reverse = topology.devices[link.b.host].site == hq
        tail, head = (link.b, link.a) if reverse else (link.a, link.b)
        attrs = _link_attrs(link, reverse)
        for port, key in ((tail, "taillabel"), (head, "headlabel")):
            if ends[box[port.host]] > RING_END_LABELS:
                del attrs[key]
        graph.edge(box[tail.host], box[head.host], **attrs)
    # the legend in the top right corner, outside the outer circle and its boxes
    corner = (math.hypot(*places[-1]) + RING_GAP) / math.sqrt(2)
    _legend_node(graph, [], lan=False, pos=f"{corner + 1.7:.2f},{corner + 0.8:.2f}!")
    return str(graph.source)


def _legend_node(graph: graphviz.Digraph, roles: list[str], lan: bool = True, **attrs: str) -> None:
    """The office maps' legend: one HTML-table node (no cluster, see ``Drawing``)."""
    rows = ['<tr><td colspan="2"><b>Legend</b></td></tr>']
    notes = [
        ("WAN link: " + note, LINK_STATE_STYLE[state]) for state, note in LINK_STATE_NOTE.items()
    ]
    if lan:
        notes += [(note, LAN_STATE_STYLE[state]) for state, note in LAN_STATE_NOTE.items()]
    for note, style in notes:
        rows.append(
            f'<tr><td><font color="{style["color"]}">{LINE_GLYPH[style["style"]]}</font></td>'
            f'<td align="left">{note}</td></tr>'
        )
    for state, note in DEVICE_STATE_NOTE.items():
        if note:
            style = DEVICE_STATE_STYLE[state]
            rows.append(
                f'<tr><td bgcolor="{style.get("fillcolor", "#ffffff")}" border="1"'
                f' color="{style["color"]}"> </td><td align="left">device: {note.lower()}</td></tr>'
            )
    for role in roles:
        shape, fill = ROLE_STYLE[role]
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="#334155"> </td>'
            f'<td align="left">{ROLE_NAMES[role]} ({shape})</td></tr>'
        )
    graph.node(
        "legend",
        label='<<table border="1" color="#cbd5e1" cellborder="0" cellspacing="2">'
        + "".join(rows)
        + "</table>>",
        shape="plaintext",
        **attrs,
    )


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
        attrs = _device_attrs(other, detail=False)
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
        graph.node(node_id(device.name), **_device_attrs(device))
    graph.node(
        "__lan",
        label=f"office LAN\\n{vlans}",
        shape="note",
        style="filled",
        fillcolor="#f1f5f9",
        color="#64748b",
    )
    for device in hosts:
        graph.node(node_id(device.name), **_device_attrs(device))
        lan = LAN_STATE_STYLE.get(device.lan_state or "unverified", LAN_STATE_STYLE["ok"])
        graph.edge("__lan", node_id(device.name), dir="none", **lan)
    for router in routers:
        host = topology.inventory.hosts.get(router.name)
        lan_if = host.lan_interface if host and host.lan_interface else "LAN"
        graph.edge(node_id(router.name), "__lan", dir="none", taillabel=lan_if, color="#64748b")
    for link in links:
        inside_a = link.a.host in own
        tail, head = (link.b, link.a) if inside_a else (link.a, link.b)
        graph.edge(node_id(tail.host), node_id(head.host), **_link_attrs(link, inside_a))
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
    _legend_node(graph, [r for r in roles if r in ROLE_STYLE])
    return str(graph.source)
