"""``invoke lab.*``: the lab Dzongkhag in podman containers (build, up, status, fault, down)."""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.table import Table

from dzict import lab as lablib
from dzict.exceptions import DzictError
from dzict.lab.podman import REPO_ROOT, containers_conf
from dzict.tasks._common import INVENTORY_HELP, console, fail, validated


def _log(line: str) -> None:
    console.print(f"[dim]lab:[/dim] {line}", highlight=False)


def status_table(rows: list[lablib.HostStatus]) -> Table:
    """The table ``lab.up`` and ``lab.status`` print."""
    table = Table(title="lab hosts")
    for column in ("host", "role", "site", "state", "management", "ssh"):
        table.add_column(column)
    for r in rows:
        ssh = "[green]ok[/green]" if r.ssh == "ok" else f"[red]{r.ssh}[/red]"
        state = r.state if r.state == "running" else f"[red]{r.state}[/red]"
        table.add_row(r.host, r.role, r.site, state, r.mgmt_address, ssh)
    return table


@task(help={"inventory": INVENTORY_HELP})
def up(c: Context, inventory: str | None = None) -> None:
    """Build images if needed, create networks and containers, wait for SSH, print the hosts."""
    inv = validated(c, inventory)
    try:
        report = lablib.up(inv, log=_log)
        rows = lablib.status(inv)
    except DzictError as exc:
        raise fail(exc) from None
    what = (
        f"created {len(report.created)}, removed {len(report.removed)},"
        f" started {len(report.started)}"
        if report.changed
        else "nothing to change"
    )
    console.print(status_table(rows))
    console.print(f"lab up in {report.seconds:.1f} s: {what}", highlight=False)
    if any(r.ssh != "ok" for r in rows):
        raise Exit("some lab hosts do not answer SSH", code=1)


@task(help={"inventory": INVENTORY_HELP})
def status(c: Context, inventory: str | None = None) -> None:
    """Every host: role, container state, management address, SSH with checked host key."""
    inv = validated(c, inventory)
    try:
        rows = lablib.status(inv)
    except DzictError as exc:
        raise fail(exc) from None
    console.print(status_table(rows))
    if any(r.ssh != "ok" for r in rows):
        raise Exit("some lab hosts are down or do not answer SSH", code=1)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "prefix": "remove lab PREFIX without reading an inventory (leftovers of a lab)",
    }
)
def down(c: Context, inventory: str | None = None, prefix: str | None = None) -> None:
    """Remove every container, network and volume the lab created, and nothing else."""
    try:
        if prefix:
            removed = lablib.down(prefix)
        else:
            found, state_dir = lablib.lab_settings(validated(c, inventory))
            removed = lablib.down(found, state_dir)
    except DzictError as exc:
        raise fail(exc) from None
    console.print(f"removed {len(removed)} lab object(s)", highlight=False)


@task(
    help={
        "action": "cut or restore (a link), stop or start (a host)",
        "target": "a link (wan3, 3, lan-guma) for cut/restore, a host name for stop/start",
        "inventory": INVENTORY_HELP,
    }
)
def fault(c: Context, action: str, target: str, inventory: str | None = None) -> None:
    """Cut or restore a link, stop or start a host: `invoke lab.fault cut wan1`."""
    if action not in ("cut", "restore", "stop", "start"):
        raise Exit(f"unknown action {action!r}: use cut, restore, stop or start", code=1)
    inv = validated(c, inventory)
    try:
        if action in ("cut", "restore"):
            name = lablib.fault_link(inv, target, cut=action == "cut")
        else:
            name = lablib.fault_host(inv, target, stop=action == "stop", log=_log)
    except DzictError as exc:
        raise fail(exc) from None
    console.print(f"{action}: {name}", highlight=False)


@task(
    help={
        "sites": "number of offices besides HQ (default 3)",
        "prefix": "container name prefix (default dzlab)",
        "base": "address block inside 198.18.0.0/15 (default 198.18.0.0/19)",
        "out": "folder to write (default inventory/lab)",
    }
)
def generate(
    c: Context,
    sites: int = 3,
    prefix: str = "dzlab",
    base: str = "198.18.0.0/19",
    out: str = "inventory/lab",
) -> None:
    """Write a lab inventory: HQ and N offices, every address inside the lab range."""
    from dzict.inventory.generate import LabSpec
    from dzict.inventory.generate import generate as write

    try:
        path = write(Path(out), LabSpec(sites=sites, prefix=prefix, base=base))
    except ValueError as exc:
        raise Exit(str(exc), code=1) from None
    console.print(f"wrote {path} ({sites} offices, prefix {prefix}, {base})", highlight=False)


@task(help={"role": "only this role's image (default: all)"})
def build(c: Context, role: str | None = None) -> None:
    """Build the lab images that are missing and print every image with its size."""
    roles = (role,) if role else lablib.ROLES
    try:
        refs = lablib.ensure_images(roles, log=_log)
        sizes = lablib.image_sizes()
    except DzictError as exc:
        raise fail(exc) from None
    table = Table(title="lab images")
    table.add_column("role")
    table.add_column("image")
    table.add_column("size", justify="right")
    for name, ref in refs.items():
        table.add_row(name, ref, f"{sizes.get(name, 0) / 1e6:.0f} MB")
    console.print(table)


@task(
    help={
        "role": "the role under roles/ whose scenario to run",
        "scenario": "molecule scenario (default: default)",
        "image": "lab image the scenario runs on (default: pc)",
        "command": "molecule command (default: test)",
    }
)
def molecule(
    c: Context, role: str, scenario: str = "default", image: str = "pc", command: str = "test"
) -> None:
    """Run a role's molecule scenario on a lab image, in a network of its own."""
    scenario_dir = REPO_ROOT / "roles" / role / "molecule" / scenario
    if not (scenario_dir / "molecule.yml").is_file():
        raise Exit(f"no molecule scenario {scenario_dir.relative_to(REPO_ROOT)}", code=1)
    try:
        ref = lablib.ensure_image(image, log=_log)
        conf = containers_conf()
    except DzictError as exc:
        raise fail(exc) from None
    env = {
        "DZICT_MOLECULE_IMAGE": ref,
        "DZICT_MOLECULE_NAME": f"dzict-mol-{role}-{scenario}".replace("_", "-"),
        "CONTAINERS_CONF": str(conf),
    }
    with c.cd(str(REPO_ROOT / "roles" / role)):
        c.run(f"molecule {command} -s {scenario}", env=env, pty=False)


ns = Collection("lab", up, status, down, fault, generate, build, molecule)
