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

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dzict.docs import graph, mapstyle, officemap
from dzict.docs.discovery import Discovery
from dzict.docs.drawing import Drawing, Group, Picture
from dzict.docs.drawio import drawio
from dzict.docs.pages import render_pages
from dzict.docs.reconcile import build_topology
from dzict.docs.register import PatchReport, register_csv, register_rows
from dzict.docs.templating import GENERATED, TEMPLATES
from dzict.docs.topology import Topology
from dzict.exceptions import DocsError
from dzict.inventory.model import Inventory

DISCOVERY_FILE = "discovery.json"
#: The layout dot writes for draw.io: JSON without the drawing instructions (a quarter the size).
LAYOUT = "json0"
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


class Phases:
    """Seconds spent in each phase of a build, summed over Dzongkhags: wall-clock time and
    this process's CPU time (``dot`` runs in other processes, its CPU is not counted)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name``."""
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu


@dataclass
class Pending:
    """A Dzongkhag whose maps are being drawn while its pages are written."""

    topology: Topology
    pictures: list[Picture]
    group: Group
    rows: list[dict[str, str]] = field(default_factory=list)


def start(
    topology: Topology,
    drawing: Drawing,
    office_png: bool = False,
    phases: Phases | None = None,
    shares: int | None = None,
) -> Pending:
    """Build the DOT sources of the Dzongkhag map and the office maps and start drawing them
    (the office maps in ``shares`` dot processes, by default one per worker).

    Office maps are SVG (what the pages show); ``office_png`` adds a PNG of each, which costs
    about five times the CPU of the SVG.
    """
    phases = phases or Phases()
    office_formats = ("svg", "png") if office_png else ("svg",)
    with phases("map sources"):
        pictures = [
            Picture(mapstyle.DZONGKHAG_MAP, graph.dzongkhag_map(topology), ("svg", "png", LAYOUT))
        ]
        pictures += [
            Picture(f"office-{s.key}", officemap.office_map(topology, s.key), office_formats, True)
            for s in topology.sites
        ]
    return Pending(topology, pictures, drawing.submit(pictures, shares))


def finish(
    pending: Pending,
    drawing: Drawing,
    *,
    report: PatchReport | None = None,
    templates: Path = TEMPLATES,
    phases: Phases | None = None,
    national: bool = False,
) -> dict[str, bytes]:
    """Every output file as ``{relative path: bytes}`` (discovery.json not included): the pages
    and the register, then the pictures once ``dot`` has drawn them."""
    phases = phases or Phases()
    topology = pending.topology
    files: dict[str, bytes] = {}
    try:
        with phases("register"):
            rows = pending.rows = register_rows(topology, report)
            files["register.csv"] = register_csv(rows).encode()
        with phases("pages"):
            for path, text in render_pages(topology, rows, templates, national).items():
                files[path] = text.encode()
    finally:
        with phases("wait for dot"):
            drawn = drawing.collect(pending.group)
    with phases("draw.io"):
        for picture in pending.pictures:
            files[f"maps/{picture.name}.gv"] = picture.source.encode()
            for fmt in picture.formats:
                if fmt != LAYOUT:
                    files[f"maps/{picture.name}.{fmt}"] = drawn[f"{picture.name}.{fmt}"]
        files["maps/dzongkhag.drawio"] = drawio(
            drawn[f"{mapstyle.DZONGKHAG_MAP}.{LAYOUT}"], topology.inventory.dzongkhag.name
        ).encode()
    files["style.css"] = (templates / "style.css").read_bytes()
    return dict(sorted(files.items()))


def render(
    topology: Topology,
    report: PatchReport | None = None,
    workers: int = 2,
    templates: Path = TEMPLATES,
    office_png: bool = False,
) -> dict[str, bytes]:
    """Every output file as ``{relative path: bytes}`` (discovery.json not included)."""
    with Drawing(workers) as drawing:
        pending = start(topology, drawing, office_png)
        return finish(pending, drawing, report=report, templates=templates)


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
    return write_files(out, existing(out), files)


def write_files(out: Path, have: dict[str, Path], files: dict[str, bytes]) -> list[str]:
    """Write the files into ``out`` and remove those of ``have`` no longer generated."""
    if out.exists() and not out.is_dir():
        raise DocsError(f"{out} is not a folder")
    changed: list[str] = []
    for rel, path in have.items():
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
    return check_files(existing(out), files)


def check_files(have: dict[str, Path], files: dict[str, bytes]) -> CheckResult:
    """Compare the files there (``have``) with what would be generated."""
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
