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

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dzict.docs import build
from dzict.docs.build import CheckResult, Pending, Phases
from dzict.docs.discovery import Discovery
from dzict.docs.drawing import Drawing, Picture
from dzict.docs.markdown import to_html
from dzict.docs.overview import (
    NATIONAL_MAP,
    TITLE,
    Summary,
    dzongkhag_table,
    national_map,
    national_register,
    totals,
)
from dzict.docs.reconcile import build_topology
from dzict.docs.register import PatchReport
from dzict.docs.templating import GENERATED, TEMPLATES, environments, human_time
from dzict.exceptions import DocsError
from dzict.inventory.model import Inventory

MANAGED = ("index.md", "index.html", "register.csv", "style.css")
MANAGED_DIRS = ("maps",)
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
