"""Reading what a Graphviz SVG map draws: each edge's ends, stroke and texts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = {"svg": "http://www.w3.org/2000/svg"}


def edges(svg: bytes) -> dict[frozenset[str], tuple[str, list[str]]]:
    """``{ {tail, head}: (stroke colour, [label texts]) }`` for every edge of the picture."""
    found: dict[frozenset[str], tuple[str, list[str]]] = {}
    for group in ET.fromstring(svg).iter(f"{{{NS['svg']}}}g"):
        if group.get("class") != "edge":
            continue
        title = group.findtext("svg:title", default="", namespaces=NS)
        tail, _, head = title.partition("->")
        path = next(group.iter(f"{{{NS['svg']}}}path"), None)
        stroke = path.get("stroke", "") if path is not None else ""
        texts = [t.text or "" for t in group.iter(f"{{{NS['svg']}}}text")]
        found[frozenset((tail, head))] = (stroke, texts)
    return found


def nodes(svg: bytes) -> dict[str, list[str]]:
    """``{node name: [label texts]}`` for every node of the picture."""
    found: dict[str, list[str]] = {}
    for group in ET.fromstring(svg).iter(f"{{{NS['svg']}}}g"):
        if group.get("class") == "node":
            title = group.findtext("svg:title", default="", namespaces=NS)
            found[title] = [t.text or "" for t in group.iter(f"{{{NS['svg']}}}text")]
    return found
