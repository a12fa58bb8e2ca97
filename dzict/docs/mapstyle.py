"""How the maps look: shapes and colours per role and state, device and link attributes, the
names short enough for a diagram, and an empty map with the project's fonts and spacing."""

from __future__ import annotations

import graphviz

from dzict.docs.topology import Device, Link

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


def device_attrs(device: Device, detail: bool = True, model: bool = True) -> dict[str, str]:
    shape, fill = ROLE_STYLE.get(device.role, ROLE_STYLE["unknown"])
    attrs = {"shape": shape, "fillcolor": fill, "label": _device_label(device, detail, model)}
    attrs |= DEVICE_STATE_STYLE[device.state]
    attrs["tooltip"] = f"{ROLE_NAMES.get(device.role, device.role)} {device.name}"
    return attrs


def link_attrs(link: Link, reverse: bool) -> dict[str, str]:
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
