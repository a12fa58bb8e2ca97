"""The inventory's pieces, typed: the Dzongkhag settings, hosts, sites and WAN links."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dzict.inventory import addressing
from dzict.inventory.build_base import BuilderBase
from dzict.inventory.check_addresses import link_fit, site_fit, slot_fit
from dzict.inventory.check_links import Numbered
from dzict.inventory.loader import HostView
from dzict.inventory.model import ROLE_GROUPS, SITE_PREFIX, Dzongkhag, Host, Site, WanLink

SITE_KEYS = {
    "id": "site_id",
    "name": "site_name",
    "kind": "site_kind",
    "agency": "site_agency",
    "contacts": "site_contacts",
    "vlans": "vlans",
    "ssids": "ssids",
    "wifi_country": "wifi_country",
    "wifi_radios": "wifi_radios",
}
HOST_KEYS = (
    "platform",
    "host_id",
    "mgmt_address",
    "lan_vlan",
    "lan_address",
    "lan_gateway",
    "loopback",
    "lan_interface",
    "interfaces",
)


class Pieces(BuilderBase):
    """Types each piece of the inventory and places sites and links in the address plan."""

    def first(self) -> HostView:
        """The first host: Dzongkhag-wide values are read from it."""
        return next(iter(self.view.hosts.values()))

    def dzongkhag(self) -> Dzongkhag | None:
        """The Dzongkhag settings, from the ``all`` group."""
        first = self.first()
        raw = first.vars.get("dzongkhag")
        if not isinstance(raw, dict):
            if "dzongkhag" not in self.skipped(group="all"):
                self.problem("dzongkhag", "required key is missing", group="all")
            self.found.plan_faulty = True
            return None
        dz = self.typed(Dzongkhag, raw, group="all", prefix="dzongkhag")
        self.found.plan_faulty |= dz is None
        return dz

    def one_group(self, host: HostView, kinds: list[str], what: str) -> str | None:
        """The one group of a kind (role or site) a host must belong to."""
        if len(kinds) == 1:
            return kinds[0]
        if not kinds:
            message = f"host is in no {what} group"
        else:
            message = f"host name appears in several {what} groups ({', '.join(kinds)})"
        self.found.at(self.view.index.hosts_file(), host.name, message)
        self.found.faulty_hosts.add(host.name)
        return None

    def host(self, view: HostView) -> Host | None:
        """One host, typed."""
        role = self.one_group(view, [g for g in view.groups if g in ROLE_GROUPS], "role")
        site = self.one_group(view, [g for g in view.groups if g.startswith(SITE_PREFIX)], "site")
        if role is None or site is None:
            return None
        self.site_of[view.name] = site.removeprefix(SITE_PREFIX)
        data: dict[str, Any] = {k: view.vars[k] for k in HOST_KEYS if k in view.vars}
        data |= {
            "name": view.name,
            "site": site.removeprefix(SITE_PREFIX),
            "role": ROLE_GROUPS[role],
            "groups": view.groups,
            "vars": view.vars,
        }
        before = len(self.found.problems)
        host = self.typed(Host, data, host=view.name)
        if host is None and len(self.found.problems) > before:
            self.found.faulty_hosts.add(view.name)
        return host

    def site(self, group: str, members: list[str], dz: Dzongkhag | None) -> Site | None:
        """One site, typed, from the variables its group gives its hosts."""
        self.found.representative[group] = members[0]
        vars_ = self.view.hosts[members[0]].vars
        data: dict[str, Any] = {f: vars_[k] for f, k in SITE_KEYS.items() if k in vars_}
        data["key"] = group.removeprefix(SITE_PREFIX)
        site = self.typed(Site, data, SITE_KEYS, group=group)
        if site is None:
            self.found.faulty_sites.add(group.removeprefix(SITE_PREFIX))
        elif dz is not None and not self.found.plan_faulty:
            self.place_site(site, dz)
        return site

    def place_site(self, site: Site, dz: Dzongkhag) -> None:
        """The site's blocks and VLAN subnets; a number that does not fit is reported once."""
        plan = dz.addressing
        why = site_fit(plan, site.id)
        if why is not None:
            self.problem("site_id", why, group=site.group)
            self.found.faulty_sites.add(site.key)
            return
        raw = plan.model_dump(mode="json")
        site.lan_block = addressing.site_lan_block(raw, site.id)
        site.management_block = addressing.management_block(raw, site.id)
        for n, vlan in enumerate(site.vlans):
            if vlan.subnet is not None:
                continue
            why = slot_fit(plan, vlan.slot)
            if why is None:
                vlan.subnet = addressing.vlan_subnet(raw, site.id, vlan.slot)
            else:
                self.problem(f"vlans[{n}].slot", why, group=site.group)
                self.found.faulty_sites.add(site.key)

    def sites(self, hosts: dict[str, Host], dz: Dzongkhag | None) -> dict[str, Site]:
        """Every site group with its members, routers first (the site's values come from one)."""
        members: dict[str, list[str]] = defaultdict(list)
        for name, view in self.view.hosts.items():
            for group in view.groups:
                if group.startswith(SITE_PREFIX):
                    members[group].append(name)
        sites: dict[str, Site] = {}
        for group in sorted(members):
            ordered = sorted(
                members[group],
                key=lambda n: (hosts[n].role != "router") if n in hosts else True,
            )
            site = self.site(group, ordered, dz)
            if site is not None:
                sites[site.key] = site
        return sites

    def links(self, dz: Dzongkhag) -> Numbered:
        """The WAN links, typed, with their subnets and end addresses."""
        raw = self.first().vars.get("wan_links") or []
        if not isinstance(raw, list):
            self.problem("wan_links", "must be a list of links", group="all")
            return []
        links: Numbered = []
        plan = dz.addressing.model_dump(mode="json")
        for n, item in enumerate(raw):
            link = self.typed(WanLink, item, group="all", prefix=f"wan_links[{n}]")
            if link is None:
                self.found.faulty_links.add(n)
                continue
            why = link_fit(dz.addressing, link.id) if link.subnet is None else None
            if link.subnet is not None and link.subnet.prefixlen > 31:
                why = f"link subnet {link.subnet} has no room for two ends"
            if why is not None:
                key = "id" if link.subnet is None else "subnet"
                self.problem(f"wan_links[{n}].{key}", why, group="all")
                self.found.faulty_links.add(n)
                continue
            link.subnet = link.subnet or addressing.wan_subnet(plan, link.id)
            ends = addressing.wan_ends(link.subnet)
            for end, address in zip((link.a, link.b), ends, strict=True):
                end.address = end.address or address
            links.append((n, link))
        return links
