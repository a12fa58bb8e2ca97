"""Turn what Ansible resolved into the typed inventory, collecting every problem found.

Nothing here contacts a device: an invalid inventory stops every task before it starts.

The order matters: unknown keys and typing first, then the plan's numbers (which explain any
address Ansible could not derive), then links, Wi-Fi and addresses. A part found faulty is left
out of the later checks (``Findings``), so that each mistake is one line.
"""

from __future__ import annotations

from pathlib import Path

from dzict.exceptions import InventoryError, Problem
from dzict.inventory.build_checks import Checks
from dzict.inventory.build_keys import KeyChecks
from dzict.inventory.build_pieces import Pieces
from dzict.inventory.check_addresses import check_duplicates, check_overlaps
from dzict.inventory.check_links import LinkChecker, check_hq, check_paths, check_router_ports
from dzict.inventory.check_wifi import access_points, check_wifi
from dzict.inventory.loader import load
from dzict.inventory.model import Inventory

__all__ = ["Builder", "load_inventory"]


class Builder(KeyChecks, Pieces, Checks):
    """Builds an Inventory from an AnsibleView, gathering problems instead of stopping early."""

    def build(self) -> Inventory | None:
        """The inventory, or None when any problem was found."""
        if self.found or not self.view.hosts:
            if not self.view.hosts and not self.found:
                self.found.at(self.view.index.hosts_file(), "all", "no hosts")
            return None
        self.unknown_keys()
        self.plain_failures()
        dz = self.dzongkhag()
        hosts = {name: h for name, v in self.view.hosts.items() if (h := self.host(v))}
        sites = self.sites(hosts, dz)
        if dz is None or self.found.plan_faulty:
            return None
        self.check_sites(sites)
        check_hq(self.found, sites)
        self.check_host_numbers(sites)
        self.derived_failures()
        links = self.links(dz)
        check_router_ports(self.found, hosts)
        LinkChecker(self.found, hosts).check(links)
        check_paths(self.found, sites, hosts, links)
        check_wifi(self.found, sites, hosts)
        access_points(self.found, self.typed, sites, hosts)
        self.check_placement(dz, sites, hosts, links)
        check_duplicates(self.found, hosts, links)
        check_overlaps(self.found, dz, sites, links)
        if self.found:
            return None
        services = self.first().vars.get("services") or {}
        return Inventory(
            root=self.view.root,
            dzongkhag=dz,
            sites=sites,
            hosts=hosts,
            links=[link for _n, link in links],
            services=services,
        )


def load_inventory(root: Path, password_file: Path | None = None) -> Inventory:
    """Load and validate an inventory folder; raise InventoryError listing every problem."""
    if not (root / "hosts.yml").is_file():
        raise InventoryError(
            [Problem(str(root), "(folder)", "no hosts.yml: not an inventory folder")]
        )
    builder = Builder(load(root, password_file))
    inventory = builder.build()
    if inventory is None:
        raise InventoryError(builder.problems)
    return inventory
