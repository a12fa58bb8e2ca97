"""Build the whole documentation set in memory, write it, or check it against what is there.

Output (under the output folder, ``docs/network`` by default):

    index.md/.html            the Dzongkhag: map, summary, offices, WAN links, differences, plan
    offices/KEY.md/.html      one page per office
    register.md/.html/.csv    the asset register
    maps/dzongkhag.{gv,svg,png,drawio}, maps/office-KEY.{gv,svg} (and .png if asked)
    style.css                 the HTML pages' style
    discovery.json            the discovery the rest was drawn from (input of --offline)

Everything is a function of the inventory, the discovery file and the patch report: building
twice from the same discovery gives the same bytes. The only time shown is the discovery's, in
one "generated" line of the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dzict.docs import graph
from dzict.docs.discovery import Discovery
from dzict.docs.drawio import drawio
from dzict.docs.pages import GENERATED, TEMPLATES, render_pages
from dzict.docs.register import PatchReport, register_csv, register_rows
from dzict.docs.topology import Topology, build_topology
from dzict.exceptions import DocsError
from dzict.inventory.model import Inventory

DISCOVERY_FILE = "discovery.json"
MANAGED = ("index.md", "index.html", "register.md", "register.html", "register.csv", "style.css")
MANAGED_DIRS = ("offices", "maps")


@dataclass
class CheckResult:
    """What ``--check`` found: files that differ, are missing, or should not be there."""

    changed: list[str]
    missing: list[str]
    extra: list[str]

    @property
    def clean(self) -> bool:
        """True when the committed documentation is what would be generated."""
        return not (self.changed or self.missing or self.extra)


def render(
    topology: Topology,
    report: PatchReport | None = None,
    workers: int = 2,
    templates: Path = TEMPLATES,
    office_png: bool = False,
) -> dict[str, bytes]:
    """Every output file as ``{relative path: bytes}`` (discovery.json not included).

    Office maps are SVG (what the pages show); ``office_png`` adds a PNG of each, which costs
    about five times the CPU of the SVG.
    """
    office_formats = ("svg", "png") if office_png else ("svg",)
    pictures = [
        graph.Picture(graph.DZONGKHAG_MAP, graph.dzongkhag_map(topology), ("svg", "png", "json"))
    ]
    pictures += [
        graph.Picture(
            f"office-{s.key}", graph.office_map(topology, s.key), office_formats, batch=True
        )
        for s in topology.sites
    ]
    drawing = graph.Drawing(pictures, workers=workers)
    files: dict[str, bytes] = {}
    try:
        rows = register_rows(topology, report)
        files["register.csv"] = register_csv(rows).encode()
        for path, text in render_pages(topology, rows, templates).items():
            files[path] = text.encode()
    finally:
        drawn = drawing.result()
    for picture in pictures:
        files[f"maps/{picture.name}.gv"] = picture.source.encode()
        for fmt in picture.formats:
            if fmt != "json":
                files[f"maps/{picture.name}.{fmt}"] = drawn[f"{picture.name}.{fmt}"]
    files["maps/dzongkhag.drawio"] = drawio(
        drawn[f"{graph.DZONGKHAG_MAP}.json"], topology.inventory.dzongkhag.name
    ).encode()
    files["style.css"] = (templates / "style.css").read_bytes()
    return dict(sorted(files.items()))


def build(
    inventory: Inventory,
    discovery: Discovery,
    report: PatchReport | None = None,
    workers: int = 2,
    office_png: bool = False,
) -> tuple[Topology, dict[str, bytes]]:
    """The topology and every output file."""
    topology = build_topology(inventory, discovery)
    return topology, render(topology, report, workers, office_png=office_png)


def existing(out: Path) -> dict[str, Path]:
    """The files of ``out`` this build owns (what it would write or remove)."""
    found: dict[str, Path] = {}
    for name in MANAGED:
        if (out / name).is_file():
            found[name] = out / name
    for folder in MANAGED_DIRS:
        if (out / folder).is_dir():
            for path in sorted((out / folder).rglob("*")):
                if path.is_file():
                    found[path.relative_to(out).as_posix()] = path
    return found


def write(out: Path, files: dict[str, bytes]) -> list[str]:
    """Write the files into ``out``, remove owned files no longer generated; return changes."""
    if out.exists() and not out.is_dir():
        raise DocsError(f"{out} is not a folder")
    changed: list[str] = []
    for rel, path in existing(out).items():
        if rel not in files:
            path.unlink()
            changed.append(rel)
    for rel, data in files.items():
        path = out / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        changed.append(rel)
    return sorted(changed)


def _comparable(rel: str, data: bytes) -> bytes:
    """The content minus the one "generated" line (text files only)."""
    if not rel.endswith((".md", ".html")):
        return data
    marker = GENERATED.encode()
    return b"\n".join(line for line in data.split(b"\n") if marker not in line)


def check(out: Path, files: dict[str, bytes]) -> CheckResult:
    """Compare ``out`` with what would be generated, ignoring the "generated" line."""
    have = existing(out)
    changed = [
        rel
        for rel, data in files.items()
        if rel in have and _comparable(rel, have[rel].read_bytes()) != _comparable(rel, data)
    ]
    return CheckResult(
        changed=sorted(changed),
        missing=sorted(rel for rel in files if rel not in have),
        extra=sorted(rel for rel in have if rel not in files),
    )
