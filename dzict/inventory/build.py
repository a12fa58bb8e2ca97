"""Turn what Ansible resolved into the typed inventory, collecting every problem found.

Nothing here contacts a device: an invalid inventory stops every task before it starts.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dzict.exceptions import AddressPlanError, InventoryError, Problem
from dzict.inventory import addressing, regdomain
from dzict.inventory.loader import AnsibleView, HostView, load
from dzict.inventory.model import (
    LAB_RANGE,
    ROLE_GROUPS,
    SITE_PREFIX,
    AccessPoint,
    Dzongkhag,
    Host,
    Inventory,
    Radio,
    RadioOverride,
    Site,
    WanLink,
)

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
AP_KEYS = {"name": "ap_name", "location": "ap_location", "overrides": "ap_radios"}
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
M = TypeVar("M", bound=BaseModel)


def _loc(base: str, loc: Iterable[int | str]) -> str:
    text = base
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dictionary key
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


class Builder:
    """Builds an Inventory from an AnsibleView, gathering problems instead of stopping early."""

    def __init__(self, view: AnsibleView) -> None:
        self.view = view
        self.problems: list[Problem] = list(view.problems)

    def problem(
        self, key: str, message: str, host: str | None = None, group: str | None = None
    ) -> None:
        """Record a problem in the file that sets ``key`` for that host or group."""
        index = self.view.index
        groups = [group] if group else (self.view.hosts[host].groups if host else [])
        file = index.file_of(key, host, groups)
        if host and file == index.hosts_file() and not key.startswith(host):
            key = f"{host}.{key}"
        self.problems.append(Problem(file, key, message))

    def typed(
        self,
        model: type[M],
        data: dict[str, Any],
        keys: dict[str, str],
        host: str | None = None,
        group: str | None = None,
    ) -> M | None:
        """Validate ``data`` as ``model``; report each error under the key it came from."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = list(error["loc"])
                field = str(loc.pop(0)) if loc else ""
                key = _loc(keys.get(field, field), loc)
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] == "missing":
                    message = "required key is missing"
                self.problem(key, message, host=host, group=group)
            return None

    # -- the pieces -------------------------------------------------------------------------

    def dzongkhag(self) -> Dzongkhag | None:
        """The Dzongkhag settings, from the ``all`` group."""
        first = next(iter(self.view.hosts.values()), None)
        if first is None:
            self.problems.append(Problem(self.view.index.hosts_file(), "all", "no hosts"))
            return None
        raw = first.vars.get("dzongkhag")
        if not isinstance(raw, dict):
            self.problem("dzongkhag", "required key is missing", group="all")
            return None
        return self.typed(Dzongkhag, raw, {}, group="all")

    def one_group(self, host: HostView, kinds: list[str], what: str) -> str | None:
        """The one group of a kind (role or site) a host must belong to."""
        if len(kinds) == 1:
            return kinds[0]
        if not kinds:
            message = f"host is in no {what} group"
        else:
            message = f"host name appears in several {what} groups ({', '.join(kinds)})"
        self.problems.append(Problem(self.view.index.hosts_file(), host.name, message))
        return None

    def host(self, view: HostView) -> Host | None:
        """One host, typed."""
        role = self.one_group(view, [g for g in view.groups if g in ROLE_GROUPS], "role")
        site = self.one_group(view, [g for g in view.groups if g.startswith(SITE_PREFIX)], "site")
        if role is None or site is None:
            return None
        data: dict[str, Any] = {k: view.vars[k] for k in HOST_KEYS if k in view.vars}
        data |= {
            "name": view.name,
            "site": site.removeprefix(SITE_PREFIX),
            "role": ROLE_GROUPS[role],
            "groups": view.groups,
            "vars": view.vars,
        }
        return self.typed(Host, data, {}, host=view.name)

    def site(self, group: str, members: list[str], dz: Dzongkhag) -> Site | None:
        """One site, typed, from the variables its group gives its hosts."""
        if not members:
            return None
        vars_ = self.view.hosts[members[0]].vars
        data: dict[str, Any] = {f: vars_[k] for f, k in SITE_KEYS.items() if k in vars_}
        data["key"] = group.removeprefix(SITE_PREFIX)
        site = self.typed(Site, data, SITE_KEYS, group=group)
        if site is None:
            return None
        plan = dz.addressing.model_dump(mode="json")
        try:
            site.lan_block = addressing.site_lan_block(plan, site.id)
            site.management_block = addressing.management_block(plan, site.id)
            for vlan in site.vlans:
                if vlan.subnet is None:
                    vlan.subnet = addressing.vlan_subnet(plan, site.id, vlan.slot)
        except AddressPlanError as exc:
            self.problem("site_id", str(exc), group=group)
        return site

    def links(self, dz: Dzongkhag, hosts: dict[str, Host]) -> list[WanLink]:
        """The WAN links, typed, with their subnets and end addresses."""
        raw = next(iter(self.view.hosts.values())).vars.get("wan_links") or []
        links: list[WanLink] = []
        plan = dz.addressing.model_dump(mode="json")
        for number, item in enumerate(raw):
            link = self.typed(WanLink, item, {}, group="all")
            if link is None:
                continue
            try:
                if link.subnet is None:
                    link.subnet = addressing.wan_subnet(plan, link.id)
                ends = addressing.wan_ends(link.subnet)
            except (AddressPlanError, IndexError) as exc:
                self.problem(f"wan_links[{number}].id", str(exc), group="all")
                continue
            for end, address in zip((link.a, link.b), ends, strict=True):
                end.address = end.address or address
            links.append(link)
        return links

    def access_points(self, sites: dict[str, Site], hosts: dict[str, Host]) -> None:
        """Give each access point its radios: the site's ``wifi_radios`` and its ``ap_radios``."""
        for host in hosts.values():
            site = sites.get(host.site)
            if host.role != "ap" or site is None:
                continue
            data = {f: host.vars[k] for f, k in AP_KEYS.items() if host.vars.get(k) is not None}
            data.setdefault("name", host.name)
            data["country"] = site.wifi_country
            ap = self.typed(AccessPoint, data, AP_KEYS, host=host.name)
            if ap is None:
                continue
            for band, override in ap.overrides.items():
                base = site.wifi_radios.get(band)
                if base is None:
                    self.problem(
                        f"ap_radios.{band}",
                        f"site {site.key} has no {band} GHz radio in wifi_radios to adjust",
                        host=host.name,
                    )
                    continue
                merged = base.model_dump() | override.model_dump(exclude_none=True)
                radio = self.typed(Radio, merged, {}, host=host.name)
                if radio is not None:
                    self.check_radio(site, band, radio, override, host.name)
            ap.radios = {
                band: base.model_copy(update=ap.overrides[band].model_dump(exclude_none=True))
                if band in ap.overrides
                else base
                for band, base in site.wifi_radios.items()
            }
            host.ap = ap

    def check_radio(
        self,
        site: Site,
        band: str,
        radio: Radio,
        override: RadioOverride | None = None,
        host: str | None = None,
    ) -> None:
        """The channel, width and power of a radio are allowed in the site's country."""
        touched = override.model_fields_set if override else set()
        if override is not None and not touched & {"channel", "width", "tx_power"}:
            return  # nothing the site's own check has not already seen
        if not regdomain.known(site.wifi_country):
            return

        def report(field: str, message: str) -> None:
            if override is not None and field in touched:
                self.problem(f"ap_radios.{band}.{field}", message, host=host)
            else:
                self.problem(f"wifi_radios.{band}.{field}", message, group=site.group)

        message = regdomain.problem(site.wifi_country, band, radio.channel, radio.width)
        if message is not None:
            width_only = message.startswith("channel width") or (
                "width" in touched and "channel" not in touched
            )
            report("width" if width_only else "channel", message)
            return
        limit = regdomain.max_power_dbm(site.wifi_country, band, radio.channel, radio.width)
        if radio.tx_power is not None and radio.tx_power > limit:
            report(
                "tx_power",
                f"transmit power {radio.tx_power} dBm is above the {limit} dBm allowed on"
                f" channel {radio.channel} in {site.wifi_country} (source: {regdomain.SOURCE})",
            )

    def check_wifi(self, sites: dict[str, Site], hosts: dict[str, Host]) -> None:
        """Country known, radios allowed there, SSIDs unique, on radios the site has."""
        for site in sites.values():
            aps = [h for h in hosts.values() if h.role == "ap" and h.site == site.key]
            has_aps = bool(aps)
            if not regdomain.known(site.wifi_country):
                self.problem(
                    "wifi_country",
                    regdomain.problem(site.wifi_country, "2.4", 1) or "unknown country",
                    group=site.group,
                )
            for band, radio in site.wifi_radios.items():
                self.check_radio(site, band, radio)
            if has_aps and site.ssids and not site.wifi_radios:
                self.problem(
                    "wifi_radios",
                    f"site {site.key} has access points but no radio settings",
                    group=site.group,
                )
            names: set[str] = set()
            for n, ssid in enumerate(site.ssids):
                if ssid.name in names:
                    self.problem(
                        f"ssids[{n}].name", f"SSID {ssid.name!r} is defined twice", group=site.group
                    )
                names.add(ssid.name)
                vlan = site.vlan(ssid.vlan)
                if ssid.security == "open" and vlan is not None and not vlan.isolated:
                    self.problem(
                        f"ssids[{n}].vlan",
                        f"open SSID {ssid.name!r} must be on an isolated guest VLAN;"
                        f" VLAN {ssid.vlan} ({vlan.name}) is not isolated",
                        group=site.group,
                    )
                for ap in aps:
                    if ap.lan_vlan == ssid.vlan:
                        self.problem(
                            f"ssids[{n}].vlan",
                            f"SSID {ssid.name!r} is on VLAN {ssid.vlan}, the management VLAN"
                            f" of access point {ap.name}; Wi-Fi clients must not share it",
                            group=site.group,
                        )
                missing = [b for b in ssid.bands if b not in site.wifi_radios]
                if has_aps and site.wifi_radios and missing:
                    self.problem(
                        f"ssids[{n}].bands",
                        f"SSID {ssid.name!r} is on band {', '.join(missing)} GHz, which has no"
                        f" radio settings (wifi_radios) at site {site.key}",
                        group=site.group,
                    )

    # -- the checks ---------------------------------------------------------------------------

    def check_sites(self, sites: dict[str, Site], hosts: dict[str, Host]) -> None:
        """Each site has a router, a unique id, unique VLANs, SSIDs on its own VLANs."""
        ids: dict[int, str] = {}
        for site in sites.values():
            if site.id in ids:
                self.problem(
                    "site_id", f"site id {site.id} is used by {ids[site.id]} too", group=site.group
                )
            ids[site.id] = site.key
            routers = [
                v
                for v in self.view.hosts.values()
                if "routers" in v.groups and site.group in v.groups
            ]
            if not routers:
                self.problem("site_name", f"site {site.key} has no router", group=site.group)
            for attr in ("id", "slot"):
                seen: set[int] = set()
                for n, vlan in enumerate(site.vlans):
                    value = getattr(vlan, attr)
                    if value in seen:
                        self.problem(
                            f"vlans[{n}].{attr}",
                            f"VLAN {attr} {value} used twice",
                            group=site.group,
                        )
                    seen.add(value)
            for n, ssid in enumerate(site.ssids):
                if site.vlan(ssid.vlan) is None:
                    self.problem(
                        f"ssids[{n}].vlan",
                        f"SSID {ssid.name!r} uses VLAN {ssid.vlan},"
                        f" which is not defined at site {site.key}",
                        group=site.group,
                    )

    def check_hosts(self, sites: dict[str, Site], hosts: dict[str, Host]) -> None:
        """Host ids unique per site; LAN VLANs defined at the site."""
        per_site: dict[tuple[str, int], str] = {}
        for host in hosts.values():
            key = (host.site, host.host_id)
            if key in per_site:
                self.problem(
                    "host_id",
                    f"host_id {host.host_id} is also used by {per_site[key]} at site {host.site}",
                    host=host.name,
                )
            per_site[key] = host.name
            site = sites.get(host.site)
            if site and host.lan_vlan is not None and site.vlan(host.lan_vlan) is None:
                self.problem(
                    "lan_vlan",
                    f"VLAN {host.lan_vlan} is not defined at site {host.site}",
                    host=host.name,
                )

    def check_addresses(self, hosts: dict[str, Host], links: list[WanLink]) -> None:
        """No address is given to two hosts or two interfaces.

        The problem is reported where an address was written by hand (host_vars or the hosts
        file) when one of the claimants has it so, since that is the value to fix.
        """
        owners: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        for host in hosts.values():
            owners[str(host.mgmt_address)].append(
                (f"{host.name} (management)", "mgmt_address", host.name)
            )
            if host.lan_address is not None:
                owners[str(host.lan_address.ip)].append(
                    (f"{host.name} (LAN)", "lan_address", host.name)
                )
            if host.loopback is not None:
                owners[str(host.loopback.ip)].append(
                    (f"{host.name} (loopback)", "loopback", host.name)
                )
        for n, link in enumerate(links):
            for side, end in (("a", link.a), ("b", link.b)):
                if end.address is not None:
                    owner = f"{end.host} {end.interface}"
                    owners[str(end.address.ip)].append((owner, f"wan_links[{n}].{side}", None))
        for address, claims in owners.items():
            if len(claims) < 2:
                continue
            by_hand = [c for c in claims if c[2] and self._set_on_host(c[1], c[2])]
            owner, key, holder = (by_hand or claims)[-1]
            others = ", ".join(c[0] for c in claims if c[0] != owner)
            self.problem(
                key,
                f"address {address} of {owner} is also used by {others}",
                host=holder,
                group=None if holder else "all",
            )

    def _set_on_host(self, key: str, host: str) -> bool:
        """True when ``key`` is written for this host itself (host_vars or the hosts file)."""
        return ("host", host, key) in self.view.index.keys

    def check_links(self, hosts: dict[str, Host], links: list[WanLink]) -> None:
        """Both ends of every link are a known router interface, used once."""
        used: dict[tuple[str, str], int] = {}
        ids: set[int] = set()
        for n, link in enumerate(links):
            if link.id in ids:
                self.problem(f"wan_links[{n}].id", f"link id {link.id} is used twice", group="all")
            ids.add(link.id)
            for side, end in (("a", link.a), ("b", link.b)):
                key = f"wan_links[{n}].{side}"
                host = hosts.get(end.host)
                if host is None and end.host in self.view.hosts:
                    continue  # the host itself is invalid and already reported
                if host is None:
                    self.problem(
                        f"{key}.host", f"{end.host!r} is not a host of this inventory", group="all"
                    )
                elif host.role != "router":
                    self.problem(
                        f"{key}.host", f"{end.host!r} is a {host.role}, not a router", group="all"
                    )
                elif end.interface not in host.interfaces:
                    self.problem(
                        f"{key}.interface",
                        f"{end.host} has no interface {end.interface!r}"
                        f" (it has: {', '.join(host.interfaces)})",
                        group="all",
                    )
                elif (end.host, end.interface) in used:
                    self.problem(
                        f"{key}.interface",
                        f"{end.host} {end.interface} is already used by link"
                        f" {used[(end.host, end.interface)]}",
                        group="all",
                    )
                used[(end.host, end.interface)] = link.id

    def check_overlaps(self, dz: Dzongkhag, sites: dict[str, Site], links: list[WanLink]) -> None:
        """No two subnets of the plan overlap; a lab stays inside 198.18.0.0/15."""
        nets: list[tuple[IPv4Network, str, str | None]] = []
        for name in ("loopback", "wan", "management", "lan"):
            nets.append((getattr(dz.addressing, name), f"dzongkhag.addressing.{name}", None))
        for site in sites.values():
            for n, vlan in enumerate(site.vlans):
                if vlan.subnet is not None and not vlan.subnet.subnet_of(dz.addressing.lan):
                    nets.append((vlan.subnet, f"vlans[{n}].subnet", site.group))
        for n, link in enumerate(links):
            if link.subnet is not None and not link.subnet.subnet_of(dz.addressing.wan):
                nets.append((link.subnet, f"wan_links[{n}].subnet", "all"))
        nets.sort(key=lambda item: (item[0].network_address, -item[0].prefixlen))
        for (net, key, group), (other, other_key, _g) in itertools.pairwise(nets):
            if net.overlaps(other):
                self.problem(
                    other_key, f"subnet {other} overlaps {net} ({key})", group=group or "all"
                )
        if dz.lab:
            for net, key, group in nets:
                if not net.subnet_of(LAB_RANGE):
                    self.problem(
                        key, f"{net} is outside the lab range {LAB_RANGE}", group=group or "all"
                    )

    def build(self) -> Inventory | None:
        """The inventory, or None when any problem was found."""
        if self.problems:
            return None
        dz = self.dzongkhag()
        hosts = {name: h for name, v in self.view.hosts.items() if (h := self.host(v))}
        if dz is None:
            return None
        members: dict[str, list[str]] = defaultdict(list)
        for name, view in self.view.hosts.items():
            for group in view.groups:
                if group.startswith(SITE_PREFIX):
                    members[group].append(name)
        sites = {
            s.key: s
            for group in sorted(members)
            if (
                s := self.site(
                    group,
                    sorted(
                        members[group],
                        key=lambda n: (hosts[n].role != "router") if n in hosts else True,
                    ),
                    dz,
                )
            )
        }
        links = self.links(dz, hosts)
        self.check_sites(sites, hosts)
        self.check_wifi(sites, hosts)
        self.access_points(sites, hosts)
        self.check_hosts(sites, hosts)
        self.check_links(hosts, links)
        self.check_addresses(hosts, links)
        self.check_overlaps(dz, sites, links)
        if self.problems:
            return None
        services = next(iter(self.view.hosts.values())).vars.get("services") or {}
        return Inventory(
            root=self.view.root,
            dzongkhag=dz,
            sites=sites,
            hosts=hosts,
            links=links,
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
