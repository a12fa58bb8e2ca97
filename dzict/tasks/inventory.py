"""``invoke inventory.*``: validate the inventory and print its address plan."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from dzict.inventory import report
from dzict.tasks._common import INVENTORY_HELP, console, validated


@task(help={"inventory": INVENTORY_HELP})
def check(c: Context, inventory: str | None = None) -> None:
    """Validate the inventory: a summary when valid, one line per problem (exit 1) when not."""
    inv = validated(c, inventory)
    console.print(f"{inv.root.name}: inventory is valid", highlight=False)
    console.print(report.summary(inv))


@task(help={"inventory": INVENTORY_HELP, "hosts": "also list every host with its addresses"})
def plan(c: Context, inventory: str | None = None, hosts: bool = False) -> None:
    """Print the address plan derived from the inventory's supernets."""
    inv = validated(c, inventory)
    console.print(report.plan_table(inv))
    if hosts:
        console.print(report.hosts_table(inv))


ns = Collection("inventory", check, plan)
