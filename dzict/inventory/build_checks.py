"""The builder's checks of sites, VLANs, host numbers and address placement."""

from __future__ import annotations

from dzict.inventory.build_base import BuilderBase
from dzict.inventory.check_addresses import (
    check_host_placement,
    check_lab_range,
    check_link_placement,
    host_fit,
)
from dzict.inventory.check_links import Numbered
from dzict.inventory.loader import HostView
from dzict.inventory.model import Dzongkhag, Host, Site


class Checks(BuilderBase):
    """Checks across the typed pieces: each problem recorded once, under its key."""

    def check_sites(self, sites: dict[str, Site]) -> None:
        """Each site has a router, a unique id, unique VLANs, SSIDs on its own VLANs."""
        ids: dict[int, str] = {}
        for site in sites.values():
            if site.id in ids:
                self.problem(
                    "site_id", f"site id {site.id} is used by {ids[site.id]} too", group=site.group
                )
                self.found.faulty_sites |= {site.key, ids[site.id]}
            ids.setdefault(site.id, site.key)
            routers = [
                v
                for v in self.view.hosts.values()
                if "routers" in v.groups and site.group in v.groups
            ]
            if not routers:
                self.problem("site_name", f"site {site.key} has no router", group=site.group)
            self.check_vlans(site)

    def check_vlans(self, site: Site) -> None:
        """VLAN ids and slots unique at a site; each SSID on a VLAN of the site."""
        for attr in ("id", "slot"):
            seen: set[int] = set()
            for n, vlan in enumerate(site.vlans):
                value = getattr(vlan, attr)
                if value in seen:
                    self.problem(
                        f"vlans[{n}].{attr}", f"VLAN {attr} {value} used twice", group=site.group
                    )
                    self.found.faulty_sites.add(site.key)
                seen.add(value)
        for n, ssid in enumerate(site.ssids):
            if site.vlan(ssid.vlan) is None:
                self.found.add(
                    f"ssids[{n}].vlan",
                    f"SSID {ssid.name!r} uses VLAN {ssid.vlan}, which is not defined at {{about}}",
                    group=site.group,
                    about=("site", site.key),
                )

    def check_host_numbers(self, sites: dict[str, Site]) -> None:
        """Host ids unique per site and inside the blocks they index; LAN VLANs defined."""
        per_site: dict[tuple[str, int], str] = {}
        for name, view in self.view.hosts.items():
            site = sites.get(self.site_of.get(name, ""))
            host_id = view.vars.get("host_id")
            if site is None or not isinstance(host_id, int) or isinstance(host_id, bool):
                continue
            if not self.found.host_ok(name, site.key):
                continue
            other = per_site.setdefault((site.key, host_id), name)
            if other != name:
                self.problem(
                    "host_id",
                    f"host_id {host_id} is also used by {other} at site {site.key}",
                    host=name,
                )
                self.found.faulty_hosts |= {name, other}
                continue
            self.check_host_fit(view, site, host_id)

    def check_host_fit(self, view: HostView, site: Site, host_id: int) -> None:
        """The host's number has an address in its management block and its VLAN's subnet."""
        index = self.view.index
        block = site.management_block
        why = None
        if block is not None and not index.explicit("mgmt_address", view.chain):
            why = host_fit(block, host_id, f"the management block {block} of site {site.key}")
        lan_vlan = view.vars.get("lan_vlan")
        vlan = site.vlan(lan_vlan) if isinstance(lan_vlan, int) else None
        if why is None and isinstance(lan_vlan, int) and vlan is None:
            self.found.add(
                "lan_vlan",
                f"VLAN {lan_vlan} is not defined at {{about}}",
                host=view.name,
                about=("site", site.key),
            )
            self.found.faulty_hosts.add(view.name)
            return
        subnet = vlan.subnet if vlan is not None else None
        if why is None and subnet is not None and not index.explicit("lan_address", view.chain):
            where = f"the subnet {subnet} of VLAN {lan_vlan} at site {site.key}"
            why = host_fit(subnet, host_id, where)
        if why is not None:
            self.problem("host_id", why, host=view.name)
            self.found.faulty_hosts.add(view.name)

    def check_placement(
        self, dz: Dzongkhag, sites: dict[str, Site], hosts: dict[str, Host], links: Numbered
    ) -> None:
        """Every address written in the inventory lies in the block or VLAN it belongs to."""
        for host in hosts.values():
            site = sites.get(host.site)
            if site is not None and self.found.host_ok(host.name, host.site):
                check_host_placement(self.found, site, host, dz.addressing, lab=dz.lab)
        for n, link in links:
            if n not in self.found.faulty_links:
                check_link_placement(self.found, n, link)
        if dz.lab:
            check_lab_range(self.found)
