"""``invoke docs.build``: discover the network, then write maps, pages and the asset register.

Exit codes of ``--check``: 0 the committed documentation matches, 2 it differs, 1 an error.
"""

from __future__ import annotations

import os
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.table import Table

from dzict.docs.build import DISCOVERY_FILE, write
from dzict.docs.build import build as build_docs
from dzict.docs.build import check as check_docs
from dzict.docs.discovery import Discovery
from dzict.docs.register import load_patch_report
from dzict.docs.topology import Topology
from dzict.exceptions import DzictError
from dzict.jobs import build_settings
from dzict.tasks._common import INVENTORY_HELP, console, fail, inventory_dir, validated

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


def _discover(c: Context, inventory: str | None, code: str) -> Discovery:
    from dzict.docs.discover import discover
    from dzict.nornir_inventory import init_nornir

    nr = init_nornir(inventory_dir(c, inventory))
    return discover(nr, code)


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
) -> None:
    """Discover the network and write its maps, pages and asset register (or --check them)."""
    inv = validated(c, inventory)
    out_dir = _setting(c, out, "DZICT_DOCS_OUT", "out", DEFAULT_OUT)
    saved = Path(discovery) if discovery else out_dir / DISCOVERY_FILE
    try:
        report = load_patch_report(
            Path(patch_report)
            if patch_report
            else build_settings(dict(c.config)).path("patch_reports") / PATCH_REPORT
        )
        if offline:
            found = Discovery.load(saved)
        else:
            found = _discover(c, inventory, inv.dzongkhag.code)
            if saved.is_file():
                found.carry_over(Discovery.load(saved))
        topology, files = build_docs(inv, found, report, office_png=office_png)
        console.print(summary(topology))
        if check:
            result = check_docs(out_dir, files)
            for label, names in (
                ("differs", result.changed),
                ("missing", result.missing),
                ("not generated", result.extra),
            ):
                for name in names:
                    console.print(f"{label}: {out_dir / name}", highlight=False, soft_wrap=True)
            if not result.clean:
                raise Exit(f"documentation in {out_dir} is out of date: run docs.build", code=2)
            console.print(
                f"documentation in {out_dir} is up to date", highlight=False, soft_wrap=True
            )
            return
        if not offline:
            found.save(saved)
        changed = write(out_dir, files)
        console.print(
            f"{len(changed)} file(s) written or removed in {out_dir}; discovery in {saved}",
            highlight=False,
            soft_wrap=True,
        )
    except DzictError as exc:
        raise fail(exc) from None


ns = Collection("docs", build)
