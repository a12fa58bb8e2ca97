"""The overview of a country: what it shows of each Dzongkhag, its tables, its map and the
country's asset register."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from dzict.docs import mapstyle
from dzict.docs.register import COLUMNS
from dzict.docs.tables import Table, md
from dzict.docs.topology import Topology

NATIONAL_MAP = "national"
TITLE = "National network"
GRID_X, GRID_Y = 3.4, 1.7  # inches between the Dzongkhags' boxes on the country's map


@dataclass(frozen=True)
class Summary:
    """What the overview shows of one Dzongkhag."""

    key: str
    name: str
    code: str
    offices: int
    devices: int
    reached: int
    unreachable: int
    not_discovered: int
    unexpected: int
    links: int
    links_missing: int
    differences: int
    discovered: str

    @classmethod
    def of(cls, key: str, topology: Topology) -> Summary:
        """The counts of a Dzongkhag's topology."""
        states = [d.state for d in topology.devices.values()]
        links = topology.link_mismatches()
        return cls(
            key=key,
            name=topology.inventory.dzongkhag.name,
            code=topology.inventory.dzongkhag.code,
            offices=len(topology.sites),
            devices=len(topology.inventory.hosts),
            reached=states.count("ok"),
            unreachable=states.count("unreachable"),
            not_discovered=states.count("not-discovered"),
            unexpected=states.count("unexpected"),
            links=len(topology.inventory.links),
            links_missing=sum(1 for link in links if link.state == "missing"),
            differences=len(topology.device_mismatches())
            + len(links)
            + len(topology.lan_mismatches()),
            discovered=topology.discovery.finished,
        )

    @property
    def state(self) -> str:
        """The device state whose style the Dzongkhag's box takes: the worst news first."""
        if self.unreachable or self.links_missing:
            return "unreachable"
        if self.unexpected or self.differences:
            return "unexpected"
        return "ok"


def totals(summaries: list[Summary]) -> Table:
    """The country's totals."""
    rows = [
        ("Dzongkhags", len(summaries)),
        ("offices", sum(s.offices for s in summaries)),
        ("devices in the inventories", sum(s.devices for s in summaries)),
        ("reached by discovery", sum(s.reached for s in summaries)),
        ("unreachable", sum(s.unreachable for s in summaries)),
        ("not discovered (platform cannot be asked)", sum(s.not_discovered for s in summaries)),
        ("seen, not in the inventory", sum(s.unexpected for s in summaries)),
        ("WAN links in the inventories", sum(s.links for s in summaries)),
        ("WAN links missing", sum(s.links_missing for s in summaries)),
        ("differences between discovered and intended", sum(s.differences for s in summaries)),
    ]
    return Table(["what", "count"], [[what, str(count)] for what, count in rows])


def dzongkhag_table(summaries: list[Summary], ext: str) -> Table:
    """One row per Dzongkhag, linked to its documentation and its asset register."""
    table = Table(
        [
            "Dzongkhag",
            "code",
            "offices",
            "devices",
            "reached",
            "unreachable",
            "WAN links",
            "WAN links missing",
            "differences",
            "discovered",
            "register",
        ]
    )
    for s in summaries:
        table.rows.append(
            [
                f"[{md(s.name)}]({s.key}/index.{ext})",
                md(s.code),
                str(s.offices),
                str(s.devices),
                str(s.reached),
                str(s.unreachable),
                str(s.links),
                str(s.links_missing),
                str(s.differences),
                md(s.discovered[:10]),
                f"[register]({s.key}/register.{ext})",
            ]
        )
    return table


def national_register(rows: list[dict[str, str]]) -> str:
    """Every device of the country as CSV: the Dzongkhag's code, then the register's columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=("dzongkhag", *COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _box(summary: Summary) -> dict[str, str]:
    lines = [
        mapstyle.title_name(summary.name),
        f"{summary.code}: {summary.offices} offices, {summary.devices} devices",
        f"{summary.reached} reached",
    ]
    for count, what in (
        (summary.unreachable, "unreachable"),
        (summary.unexpected, "not in inventory"),
        (summary.links_missing, "WAN links missing"),
    ):
        if count:
            lines.append(f"{count} {what}")
    attrs = {"shape": "box", "label": "\\n".join(lines), "fillcolor": mapstyle.SITE_FILL["office"]}
    attrs |= mapstyle.DEVICE_STATE_STYLE[summary.state]
    attrs["style"] = "rounded," + attrs["style"]
    attrs["URL"] = f"../{summary.key}/index.html"
    attrs["tooltip"] = f"{summary.name}: {summary.differences} differences"
    return attrs


def national_map(summaries: list[Summary]) -> str:
    """DOT source of the country's map: one box per Dzongkhag in a grid (no WAN between
    Dzongkhags is in any inventory), coloured by its worst news, linked to its documentation."""
    title = f"{TITLE}: {len(summaries)} Dzongkhags"
    picture = mapstyle.new_graph(NATIONAL_MAP, title)
    picture.attr(layout="neato", overlap="true")
    columns = max(1, math.ceil(math.sqrt(len(summaries))))
    for n, summary in enumerate(summaries):
        x, y = (n % columns) * GRID_X, -(n // columns) * GRID_Y
        picture.node(f"dz_{summary.key}", pos=f"{x},{y}!", **_box(summary))
    rows = [
        '<tr><td colspan="2"><b>Legend</b></td></tr>',
        *(
            f'<tr><td bgcolor="{mapstyle.DEVICE_STATE_STYLE[state].get("fillcolor", "#ffffff")}"'
            f' border="1" color="{mapstyle.DEVICE_STATE_STYLE[state]["color"]}"> </td>'
            f'<td align="left">{note}</td></tr>'
            for state, note in (
                ("ok", "every device reached, every WAN link seen"),
                ("unreachable", "a device unreachable or a WAN link missing"),
                ("unexpected", "other differences (see its page)"),
            )
        ),
    ]
    picture.node(
        "legend",
        label='<<table border="1" color="#cbd5e1" cellborder="0" cellspacing="2">'
        + "".join(rows)
        + "</table>>",
        shape="plaintext",
        pos=f"{columns * GRID_X + 1.0},0!",
    )
    return str(picture.source)
