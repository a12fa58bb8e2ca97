"""The map of a large Dzongkhag: one box per office on circles around HQ, WAN links as
straight lines (Graphviz ``neato`` with pinned positions); each office's devices are on its own
map."""

from __future__ import annotations

import math
from collections import defaultdict

from dzict.docs.legend import legend_node
from dzict.docs.mapstyle import (
    DEVICE_STATE_NOTE,
    DEVICE_STATE_STYLE,
    DZONGKHAG_MAP,
    SITE_FILL,
    device_attrs,
    link_attrs,
    new_graph,
    node_id,
    title_name,
)
from dzict.docs.topology import Topology
from dzict.inventory.model import Site

RING_FIRST, RING_GAP, RING_SLOT = 3.5, 1.6, 2.2  # inches: first circle, between, per box
RING_END_LABELS = 4


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
                graph.node(node_id(port.host), **device_attrs(topology.devices[port.host], False))
    for link in topology.links:
        reverse = topology.devices[link.b.host].site == hq
        tail, head = (link.b, link.a) if reverse else (link.a, link.b)
        attrs = link_attrs(link, reverse)
        for port, key in ((tail, "taillabel"), (head, "headlabel")):
            if ends[box[port.host]] > RING_END_LABELS:
                del attrs[key]
        graph.edge(box[tail.host], box[head.host], **attrs)
    # the legend in the top right corner, outside the outer circle and its boxes
    corner = (math.hypot(*places[-1]) + RING_GAP) / math.sqrt(2)
    legend_node(graph, [], lan=False, pos=f"{corner + 1.7:.2f},{corner + 0.8:.2f}!")
    return str(graph.source)
