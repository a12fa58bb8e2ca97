"""The maps' legends: link and device states as coloured lines and boxes, then the roles.

The Dzongkhag map takes a cluster (``legend_cluster``); the office maps and the ring map take
one HTML-table node (``legend_node``), since they draw no clusters.
"""

from __future__ import annotations

import graphviz

from dzict.docs.mapstyle import (
    DEVICE_STATE_NOTE,
    DEVICE_STATE_STYLE,
    LAN_STATE_NOTE,
    LAN_STATE_STYLE,
    LINE_GLYPH,
    LINK_STATE_NOTE,
    LINK_STATE_STYLE,
    ROLE_NAMES,
    ROLE_STYLE,
)


def legend_cluster(graph: graphviz.Digraph, roles: list[str], lan: bool = False) -> None:
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


def legend_node(graph: graphviz.Digraph, roles: list[str], lan: bool = True, **attrs: str) -> None:
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
