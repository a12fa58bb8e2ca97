"""One-screen views of an inventory: the summary after a check and the address plan."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from dzict.inventory.model import Inventory


def summary(inv: Inventory) -> Table:
    """Sites, devices by role, links and subnets on one screen."""
    roles = Counter(h.role for h in inv.hosts.values())
    subnets = sum(len(s.vlans) for s in inv.sites.values()) + len(inv.links)
    table = Table(title=f"{inv.dzongkhag.name} ({inv.dzongkhag.code})")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("sites", str(len(inv.sites)))
    for role in ("router", "ap", "pc", "server", "backup", "mirror"):
        table.add_row(f"  {role}s", str(roles.get(role, 0)))
    table.add_row("hosts", str(len(inv.hosts)))
    table.add_row("WAN links", str(len(inv.links)))
    table.add_row("subnets (VLANs + links)", str(subnets))
    return table


def plan_rows(inv: Inventory) -> list[tuple[str, str, str, str]]:
    """The address plan as (site or link, what, subnet or address, note) rows, in a stable order."""
    rows: list[tuple[str, str, str, str]] = []
    for site in sorted(inv.sites.values(), key=lambda s: s.id):
        label = f"{site.key} (id {site.id})"
        rows.append((label, "management block", str(site.management_block), site.name))
        rows.append((label, "LAN block", str(site.lan_block), site.kind))
        for vlan in sorted(site.vlans, key=lambda v: v.id):
            note = "isolated" if vlan.isolated else ""
            rows.append((label, f"VLAN {vlan.id} {vlan.name}", str(vlan.subnet), note))
        for router in inv.routers_of(site.key):
            rows.append((label, f"loopback {router.name}", str(router.loopback), ""))
    for link in sorted(inv.links, key=lambda x: x.id):
        a, b = link.a, link.b
        ends = f"{a.host} {a.interface} {a.address} - {b.host} {b.interface} {b.address}"
        rows.append((f"link {link.id}", f"WAN cost {link.cost}", str(link.subnet), ends))
    return rows


def plan_table(inv: Inventory) -> Table:
    """The address plan as a table."""
    table = Table(title=f"Address plan of {inv.dzongkhag.name}")
    for column in ("site / link", "what", "subnet / address", "note"):
        table.add_column(column)
    for row in plan_rows(inv):
        table.add_row(*row)
    return table


def hosts_table(inv: Inventory) -> Table:
    """Every host with its addresses."""
    table = Table(title="Hosts")
    for column in ("host", "site", "role", "platform", "management", "LAN", "gateway"):
        table.add_column(column)
    for h in inv.hosts.values():
        table.add_row(
            h.name,
            h.site,
            h.role,
            h.platform,
            str(h.mgmt_address),
            str(h.lan_address or h.loopback or ""),
            str(h.lan_gateway or ""),
        )
    return table
