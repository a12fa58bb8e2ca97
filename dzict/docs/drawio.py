"""A draw.io (mxGraph XML) file of a map, placed where Graphviz laid it out.

Graphviz's JSON output gives every cluster's box and every node's centre and size; draw.io
gets the same picture, with each office as a container its devices move with, and every link
as an edge with its subnet in the middle and the interface names at its ends.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

SHAPES = {
    "ellipse": "ellipse;",
    "hexagon": "shape=hexagon;perimeter=hexagonPerimeter2;size=0.2;",
    "box3d": "shape=cube;size=6;",
    "cylinder": "shape=cylinder3;size=6;",
    "folder": "shape=folder;tabWidth=24;tabHeight=8;",
    "box": "rounded=0;",
    "octagon": "shape=mxgraph.basic.octagon2;dx=8;",
    "note": "shape=note;size=10;",
}
POINTS_PER_INCH = 72.0


def _text(label: str) -> str:
    return label.replace("\\n", "\n").strip()


def _box(bb: str, height: float) -> tuple[float, float, float, float]:
    llx, lly, urx, ury = (float(v) for v in bb.split(","))
    return llx, height - ury, urx - llx, ury - lly


def _style(obj: dict[str, Any], base: str) -> str:
    style = base + "whiteSpace=wrap;html=0;fontSize=10;"
    if obj.get("fillcolor"):
        style += f"fillColor={obj['fillcolor']};"
    style += f"strokeColor={obj.get('color', '#334155')};"
    if "dashed" in obj.get("style", ""):
        style += "dashed=1;"
    if "dotted" in obj.get("style", ""):
        style += "dashed=1;dashPattern=1 3;"
    if obj.get("penwidth"):
        style += f"strokeWidth={obj['penwidth']};"
    return style


def _el(parent: ET.Element, tag: str, attrs: dict[str, str]) -> ET.Element:
    """A child element with these attributes (``parent`` and ``as`` are mxGraph's own)."""
    return ET.SubElement(parent, tag, attrib=attrs)


def _geometry(cell: ET.Element, x: float, y: float, w: float, h: float) -> None:
    _el(
        cell,
        "mxGeometry",
        {
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "width": f"{w:.1f}",
            "height": f"{h:.1f}",
            "as": "geometry",
        },
    )


def drawio(layout_json: bytes, name: str, skip_prefix: str = "legend") -> str:
    """draw.io XML of a graph from ``dot -Tjson`` output; nodes and clusters whose name starts
    with ``skip_prefix`` (the legend) are left out, draw.io users draw their own."""
    layout = json.loads(layout_json)
    height = float(layout["bb"].split(",")[3])
    objects = layout.get("objects", [])
    root_file = ET.Element("mxfile", host="dzict", type="device")
    diagram = _el(root_file, "diagram", {"id": name, "name": name})
    model = _el(diagram, "mxGraphModel", {"grid": "1", "gridSize": "10", "page": "0"})
    root = _el(model, "root", {})
    _el(root, "mxCell", {"id": "0"})
    _el(root, "mxCell", {"id": "1", "parent": "0"})
    parent_of: dict[int, tuple[str, float, float]] = {}
    ids: dict[int, str] = {}
    for obj in objects:
        if "nodes" not in obj or not obj.get("name", "").startswith("cluster_"):
            continue
        if obj["name"].removeprefix("cluster_").startswith(skip_prefix):
            continue
        x, y, w, h = _box(obj["bb"], height)
        cell_id = obj["name"]
        cell = _el(
            root,
            "mxCell",
            {
                "id": cell_id,
                "value": _text(obj.get("label", "")),
                "vertex": "1",
                "parent": "1",
                "style": _style(obj, "rounded=1;arcSize=4;container=1;verticalAlign=top;"),
            },
        )
        _geometry(cell, x, y, w, h)
        for member in obj["nodes"]:
            parent_of[member] = (cell_id, x, y)
    for obj in objects:
        if "nodes" in obj or "pos" not in obj or obj["name"].startswith(skip_prefix):
            continue
        cx, cy = (float(v) for v in obj["pos"].split(","))
        w = float(obj["width"]) * POINTS_PER_INCH
        h = float(obj["height"]) * POINTS_PER_INCH
        parent, ox, oy = parent_of.get(obj["_gvid"], ("1", 0.0, 0.0))
        cell_id = f"node_{obj['name']}"
        ids[obj["_gvid"]] = cell_id
        cell = _el(
            root,
            "mxCell",
            {
                "id": cell_id,
                "value": _text(obj.get("label", obj["name"])),
                "vertex": "1",
                "parent": parent,
                "style": _style(obj, SHAPES.get(obj.get("shape", "box"), "")),
            },
        )
        _geometry(cell, cx - w / 2 - ox, height - cy - h / 2 - oy, w, h)
    for number, edge in enumerate(layout.get("edges", [])):
        if edge.get("style") == "invis" or edge["tail"] not in ids or edge["head"] not in ids:
            continue
        edge_id = f"edge_{number}"
        style = _style(edge, "endArrow=none;html=0;fontSize=9;labelBackgroundColor=#ffffff;")
        cell = _el(
            root,
            "mxCell",
            {
                "id": edge_id,
                "value": _text(edge.get("label", "")),
                "edge": "1",
                "parent": "1",
                "source": ids[edge["tail"]],
                "target": ids[edge["head"]],
                "style": style.replace("whiteSpace=wrap;", ""),
            },
        )
        _el(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
        for key, where in (("taillabel", "-0.8"), ("headlabel", "0.8")):
            if edge.get(key):
                label = _el(
                    root,
                    "mxCell",
                    {
                        "id": f"{edge_id}_{key}",
                        "value": _text(edge[key]),
                        "vertex": "1",
                        "connectable": "0",
                        "parent": edge_id,
                        "style": "edgeLabel;html=0;fontSize=8;fontColor=#475569;",
                    },
                )
                _el(label, "mxGeometry", {"x": where, "relative": "1", "as": "geometry"})
    ET.indent(root_file)
    return ET.tostring(root_file, encoding="unicode") + "\n"
