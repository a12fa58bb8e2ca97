"""``invoke docs.build``: discover the network, then write maps, pages and the asset register
(``--country DIR``: every Dzongkhag inventory of DIR, each in its own folder, and an overview).

Exit codes of ``--check``: 0 the committed documentation matches, 2 it differs, 1 an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.table import Table

from dzict.docs.build import DISCOVERY_FILE, CheckResult, write
from dzict.docs.build import build as build_docs
from dzict.docs.build import check as check_docs
from dzict.docs.discovery import Discovery
from dzict.docs.national import Country, Member, check_country, write_country
from dzict.docs.overview import Summary
from dzict.docs.register import PatchReport, load_patch_report
from dzict.docs.topology import Topology
from dzict.exceptions import DzictError
from dzict.inventory import Inventory
from dzict.jobs import build_settings
from dzict.tasks._common import INVENTORY_HELP, console, fail, validated

DEFAULT_OUT = "docs/network"
PATCH_REPORT = "patch-report-latest.csv"


def _setting(c: Context, given: str | None, env: str, key: str, default: str) -> Path:
    """Argument, then environment variable, then invoke config ``docs.KEY``, then default."""
    config = c.config.get("docs", {}) if c is not None else {}
    value = given or os.environ.get(env) or (config.get(key) if config else None) or default
    return Path(str(value))


def summary(topology: Topology) -> Table:
    """The table printed after a build: reached devices, links seen, mismatches."""
    table = Table(title="network documentation")
    table.add_column("what")
    table.add_column("count", justify="right")
    devices = list(topology.devices.values())
    rows = [
        ("devices reached", sum(1 for d in devices if d.state == "ok")),
        ("devices unreachable", sum(1 for d in devices if d.state == "unreachable")),
        ("devices not discovered", sum(1 for d in devices if d.state == "not-discovered")),
        ("devices seen, not in inventory", sum(1 for d in devices if d.state == "unexpected")),
        ("WAN links seen as intended", sum(1 for lk in topology.links if lk.state == "ok")),
        ("WAN links missing", sum(1 for lk in topology.links if lk.state == "missing")),
        (
            "WAN links seen, not intended",
            sum(1 for lk in topology.links if lk.state == "unexpected"),
        ),
        ("office LAN mismatches", len(topology.lan_mismatches())),
    ]
    for what, count in rows:
        style = (
            "red"
            if count
            and ("missing" in what or "not" in what or "unreach" in what or "mismatch" in what)
            else ""
        )
        table.add_row(what, str(count), style=style)
    return table


def country_summary(summaries: list[Summary]) -> Table:
    """The table printed after a country's build: one row per Dzongkhag."""
    table = Table(title="national network documentation")
    for column in ("Dzongkhag", "devices", "reached", "unreachable", "WAN links missing"):
        table.add_column(column, justify="left" if column == "Dzongkhag" else "right")
    table.add_column("differences", justify="right")
    for s in summaries:
        style = "red" if s.unreachable or s.links_missing or s.differences else ""
        table.add_row(
            f"{s.name} ({s.code})",
            *(str(v) for v in (s.devices, s.reached, s.unreachable, s.links_missing)),
            str(s.differences),
            style=style,
        )
    return table


def country_inventories(folder: str) -> list[Path]:
    """The Dzongkhag inventories of a country: the folders of ``folder`` holding hosts.yml."""
    root = Path(folder)
    if not root.is_dir():
        raise Exit(f"country folder {root} does not exist", code=1)
    found = sorted(p for p in root.iterdir() if p.is_dir() and (p / "hosts.yml").is_file())
    if not found:
        raise Exit(f"{root} holds no Dzongkhag inventory (a folder with hosts.yml)", code=1)
    return found


@dataclass(frozen=True)
class Run:
    """The options of one docs.build run."""

    out: Path
    offline: bool
    check: bool
    report: PatchReport | None
    office_png: bool


def _discovery_of(inv: Inventory, run: Run) -> Callable[[], Discovery]:
    """How one Dzongkhag of a country gets its discovery when its turn comes: read from
    OUT/CODE/discovery.json, or discovered (and saved there unless checking)."""
    saved = run.out / inv.dzongkhag.code.lower() / DISCOVERY_FILE
    if run.offline:
        return partial(Discovery.load, saved)

    def discover_now() -> Discovery:
        found = _discover(inv)
        if saved.is_file():
            found.carry_over(Discovery.load(saved))
        if not run.check:
            found.save(saved)
        return found

    return discover_now


def _report_check(out_dir: Path, result: CheckResult) -> None:
    """Print what ``--check`` found; exit 2 when the documentation is out of date."""
    for label, names in (
        ("differs", result.changed),
        ("missing", result.missing),
        ("not generated", result.extra),
    ):
        for name in names:
            console.print(f"{label}: {out_dir / name}", highlight=False, soft_wrap=True)
    if not result.clean:
        raise Exit(f"documentation in {out_dir} is out of date: run docs.build", code=2)
    console.print(f"documentation in {out_dir} is up to date", highlight=False, soft_wrap=True)


def _build_country(c: Context, folder: str, run: Run) -> None:
    """``docs.build --country``: every Dzongkhag in its folder of OUT, and an overview."""
    members = []
    for path in country_inventories(folder):
        inv = validated(c, str(path))
        members.append(Member(inv, _discovery_of(inv, run)))
    country = Country(members, run.report, office_png=run.office_png)
    if run.check:
        result = check_country(run.out, country.files())
        console.print(country_summary(country.summaries))
        _report_check(run.out, result)
        return
    changed = write_country(run.out, country.files())
    console.print(country_summary(country.summaries))
    console.print(
        f"{len(changed)} file(s) written or removed in {run.out} ({len(members)} Dzongkhags)",
        highlight=False,
        soft_wrap=True,
    )


def _discover(inv: Inventory) -> Discovery:
    """Discover the network of an inventory already loaded (Nornir built from it, no reload)."""
    from dzict.docs.discover import discover
    from dzict.nornir_inventory import nornir_of

    return discover(nornir_of(inv), inv.dzongkhag.code)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "offline": "render from the saved discovery (OUT/discovery.json); contact nothing",
        "check": "compare with the documentation in OUT instead of writing: exit 0 when it"
        " matches, 2 when it differs, 1 on error",
        "out": f"output folder (default: DZICT_DOCS_OUT, invoke config docs.out, {DEFAULT_OUT})",
        "discovery": "discovery file to read or write (default: OUT/discovery.json)",
        "office_png": "also draw each office map as PNG (the pages use SVG)",
        "patch_report": f"patch report for pending updates (default: {PATCH_REPORT} in the"
        " patch reports folder, as patch.report writes it); skipped when absent",
        "country": "a folder of Dzongkhag inventories (one folder with hosts.yml each): document"
        " every Dzongkhag in OUT/CODE/ and write an overview of them in OUT",
    },
)
def build(  # noqa: PLR0917 (invoke passes options as arguments)
    c: Context,
    inventory: str | None = None,
    offline: bool = False,
    check: bool = False,
    out: str | None = None,
    discovery: str | None = None,
    patch_report: str | None = None,
    office_png: bool = False,
    country: str | None = None,
) -> None:
    """Discover the network and write its maps, pages and asset register (or --check them)."""
    if country and (inventory or discovery):
        raise Exit("--country documents the Dzongkhags of a folder: no --inventory or --discovery")
    out_dir = _setting(c, out, "DZICT_DOCS_OUT", "out", DEFAULT_OUT)
    inv = None if country else validated(c, inventory)
    try:
        report = load_patch_report(
            Path(patch_report)
            if patch_report
            else build_settings(dict(c.config)).path("patch_reports") / PATCH_REPORT
        )
        run = Run(out_dir, offline, check, report, office_png)
        if inv is None:
            _build_country(c, str(country), run)
        else:
            _build_one(c, inv, inventory, discovery, run)
    except DzictError as exc:
        raise fail(exc) from None


def _build_one(
    c: Context, inv: Inventory, inventory: str | None, discovery: str | None, run: Run
) -> None:
    """``docs.build`` of one Dzongkhag."""
    out_dir = run.out
    saved = Path(discovery) if discovery else out_dir / DISCOVERY_FILE
    if run.offline:
        found = Discovery.load(saved)
    else:
        found = _discover(inv)
        if saved.is_file():
            found.carry_over(Discovery.load(saved))
    topology, files = build_docs(inv, found, run.report, office_png=run.office_png)
    console.print(summary(topology))
    if run.check:
        _report_check(out_dir, check_docs(out_dir, files))
        return
    if not run.offline:
        found.save(saved)
    changed = write(out_dir, files)
    console.print(
        f"{len(changed)} file(s) written or removed in {out_dir}; discovery in {saved}",
        highlight=False,
        soft_wrap=True,
    )


ns = Collection("docs", build)
