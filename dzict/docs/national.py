"""Documentation of a whole country: each Dzongkhag in a folder of its own, and an overview.

Output (under the output folder):

    index.md/.html              the overview: map of the Dzongkhags, totals, one row each
    maps/national.{gv,svg,png}  one box per Dzongkhag, linked to its documentation
    register.csv                every device of the country, with its Dzongkhag
    style.css
    KEY/...                     one Dzongkhag exactly as ``docs.build`` writes it (KEY is its
                                code in lower case); its index links back to the overview
    KEY/discovery.json          its discovery (the input of ``--offline``)

Dzongkhags are documented one after the other, at most two at a time in memory: while Python
writes the pages of one, ``dot`` draws the maps of the next. No map holds more than one
Dzongkhag: the country's map has one box per Dzongkhag, each Dzongkhag's map one box per office
when it is large, and each office map its own devices.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dzict.docs import build, graph
from dzict.docs.build import CheckResult, Pending, Phases
from dzict.docs.discovery import Discovery
from dzict.docs.drawing import Drawing, Picture
from dzict.docs.markdown import to_html
from dzict.docs.pages import GENERATED, TEMPLATES, Table, environments, human_time, md
from dzict.docs.register import COLUMNS, PatchReport
from dzict.docs.topology import Topology, build_topology
from dzict.exceptions import DocsError
from dzict.inventory.model import Inventory

NATIONAL_MAP = "national"
MANAGED = ("index.md", "index.html", "register.csv", "style.css")
MANAGED_DIRS = ("maps",)
TITLE = "National network"
GRID_X, GRID_Y = 3.4, 1.7  # inches between the Dzongkhags' boxes on the country's map
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Member:
    """One Dzongkhag of the country: its inventory and how to get its discovery (read from
    the cached file, or discovered), called when its turn comes."""

    inventory: Inventory
    discovery: Callable[[], Discovery]

    @property
    def key(self) -> str:
        """The Dzongkhag's folder: its code in lower case."""
        return self.inventory.dzongkhag.code.lower()


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


def check_members(members: list[Member]) -> None:
    """Every Dzongkhag needs a folder name of its own that is not one of the overview's."""
    seen: set[str] = set()
    for member in members:
        key = member.key
        if not _KEY.match(key) or key in MANAGED_DIRS:
            raise DocsError(
                f"Dzongkhag code {member.inventory.dzongkhag.code!r} cannot name a folder"
            )
        if key in seen:
            raise DocsError(f"two Dzongkhags have the code {member.inventory.dzongkhag.code}")
        seen.add(key)


class Country:
    """Renders a country's documentation, one Dzongkhag at a time (``files``)."""

    def __init__(
        self,
        members: Iterable[Member],
        report: PatchReport | None = None,
        workers: int = 2,
        *,
        templates: Path = TEMPLATES,
        office_png: bool = False,
        phases: Phases | None = None,
    ) -> None:
        self.members = list(members)
        check_members(self.members)
        self.report = report
        self.workers = workers
        self.templates = templates
        self.office_png = office_png
        self.phases = phases or Phases()
        self.summaries: list[Summary] = []
        self.register: list[dict[str, str]] = []

    def _start(self, member: Member, drawing: Drawing) -> Pending:
        with self.phases("load discovery"):
            discovery = member.discovery()
        with self.phases("topology"):
            topology = build_topology(member.inventory, discovery)
        # one dot process for the office maps: the next Dzongkhag keeps the other worker busy
        return build.start(topology, drawing, self.office_png, self.phases, shares=1)

    def _finish(self, member: Member, pending: Pending, drawing: Drawing) -> dict[str, bytes]:
        files = build.finish(
            pending,
            drawing,
            report=self.report,
            templates=self.templates,
            phases=self.phases,
            national=True,
        )
        self.summaries.append(Summary.of(member.key, pending.topology))
        code = member.inventory.dzongkhag.code
        self.register += [{"dzongkhag": code, **row} for row in pending.rows]
        return files

    def files(self) -> Iterator[tuple[str, dict[str, bytes]]]:
        """``(folder, {relative path: bytes})`` for every Dzongkhag, then ``("", overview)``."""
        self.summaries, self.register = [], []
        with Drawing(self.workers) as drawing:
            previous: tuple[Member, Pending] | None = None
            for member in self.members:
                current = (member, self._start(member, drawing))
                if previous is not None:
                    yield previous[0].key, self._finish(*previous, drawing)
                previous = current
            if previous is not None:
                yield previous[0].key, self._finish(*previous, drawing)
            with self.phases("overview"):
                overview = self.overview(drawing)
            yield "", overview

    def overview(self, drawing: Drawing) -> dict[str, bytes]:
        """The overview's files: pages, map, the country's register, style."""
        picture = Picture(NATIONAL_MAP, national_map(self.summaries), ("svg", "png"))
        group = drawing.submit([picture])
        files = {path: text.encode() for path, text in self.pages().items()}
        files["register.csv"] = national_register(self.register).encode()
        files["style.css"] = (self.templates / "style.css").read_bytes()
        drawn = drawing.collect(group)
        files[f"maps/{NATIONAL_MAP}.gv"] = picture.source.encode()
        for fmt in picture.formats:
            files[f"maps/{NATIONAL_MAP}.{fmt}"] = drawn[f"{NATIONAL_MAP}.{fmt}"]
        return dict(sorted(files.items()))

    def pages(self) -> dict[str, str]:
        """The overview page as Markdown and HTML."""
        markdown_env, html_env = environments(self.templates)
        out: dict[str, str] = {}
        for ext in ("md", "html"):
            text = markdown_env.get_template("national.md.j2").render(**self.context(ext))
            if ext == "html":
                body = to_html(text)
                text = html_env.get_template("page.html.j2").render(title=TITLE, body=body, root="")
            out[f"index.{ext}"] = text
        return out

    def context(self, ext: str) -> dict[str, object]:
        """What the overview page shows (values only)."""
        latest = max((s.discovered for s in self.summaries), default="")
        count = len(self.summaries)
        return {
            "title": f"{TITLE}: {count} Dzongkhag" + ("s" if count != 1 else ""),
            "generated": f"{GENERATED} {count} Dzongkhags, the latest finished"
            f" {human_time(latest)}.",
            "totals": totals(self.summaries),
            "dzongkhags": dzongkhag_table(self.summaries, ext),
        }


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
        graph.title_name(summary.name),
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
    attrs = {"shape": "box", "label": "\\n".join(lines), "fillcolor": graph.SITE_FILL["office"]}
    attrs |= graph.DEVICE_STATE_STYLE[summary.state]
    attrs["style"] = "rounded," + attrs["style"]
    attrs["URL"] = f"../{summary.key}/index.html"
    attrs["tooltip"] = f"{summary.name}: {summary.differences} differences"
    return attrs


def national_map(summaries: list[Summary]) -> str:
    """DOT source of the country's map: one box per Dzongkhag in a grid (no WAN between
    Dzongkhags is in any inventory), coloured by its worst news, linked to its documentation."""
    title = f"{TITLE}: {len(summaries)} Dzongkhags"
    picture = graph.new_graph(NATIONAL_MAP, title)
    picture.attr(layout="neato", overlap="true")
    columns = max(1, math.ceil(math.sqrt(len(summaries))))
    for n, summary in enumerate(summaries):
        x, y = (n % columns) * GRID_X, -(n // columns) * GRID_Y
        picture.node(f"dz_{summary.key}", pos=f"{x},{y}!", **_box(summary))
    rows = [
        '<tr><td colspan="2"><b>Legend</b></td></tr>',
        *(
            f'<tr><td bgcolor="{graph.DEVICE_STATE_STYLE[state].get("fillcolor", "#ffffff")}"'
            f' border="1" color="{graph.DEVICE_STATE_STYLE[state]["color"]}"> </td>'
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


def render_country(
    members: Iterable[Member],
    report: PatchReport | None = None,
    workers: int = 2,
    office_png: bool = False,
    phases: Phases | None = None,
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Every Dzongkhag's files, then the overview's (see ``Country.files``)."""
    return Country(members, report, workers, office_png=office_png, phases=phases).files()


def existing(out: Path) -> dict[str, Path]:
    """The overview's own files in ``out`` (not those of the Dzongkhags' folders)."""
    return {rel: path for rel, path in build.existing(out).items() if _overview_file(rel)}


def _overview_file(rel: str) -> bool:
    return rel in MANAGED or rel.split("/", 1)[0] in MANAGED_DIRS


def stale_folders(out: Path, keys: set[str]) -> list[Path]:
    """Folders of ``out`` that hold a Dzongkhag's documentation no longer in the country."""
    if not out.is_dir():
        return []
    return [
        path
        for path in sorted(out.iterdir())
        if path.is_dir()
        and path.name not in keys
        and path.name not in MANAGED_DIRS
        and (path / "index.md").is_file()
    ]


def _prefixed(key: str, names: list[str]) -> list[str]:
    return [f"{key}/{name}" if key else name for name in names]


def write_country(out: Path, stream: Iterable[tuple[str, dict[str, bytes]]]) -> list[str]:
    """Write every Dzongkhag's folder and the overview, as they come; return what changed
    (written or removed, relative to ``out``). A Dzongkhag no longer in the country loses its
    generated files (its discovery.json stays)."""
    changed: list[str] = []
    keys: set[str] = set()
    for key, files in stream:
        keys.add(key)
        if key:
            changed += _prefixed(key, build.write(out / key, files))
        else:
            changed += build.write_files(out, existing(out), files)
    for folder in stale_folders(out, keys):
        changed += _prefixed(folder.name, build.write(folder, {}))
    return sorted(changed)


def check_country(out: Path, stream: Iterable[tuple[str, dict[str, bytes]]]) -> CheckResult:
    """Compare ``out`` with what would be generated (ignoring the "generated" lines)."""
    result = CheckResult(changed=[], missing=[], extra=[])
    keys: set[str] = set()
    for key, files in stream:
        keys.add(key)
        have = build.existing(out / key) if key else existing(out)
        found = build.check_files(have, files)
        result.changed += _prefixed(key, found.changed)
        result.missing += _prefixed(key, found.missing)
        result.extra += _prefixed(key, found.extra)
    for folder in stale_folders(out, keys):
        result.extra += _prefixed(folder.name, sorted(build.existing(folder)))
    return CheckResult(sorted(result.changed), sorted(result.missing), sorted(result.extra))
