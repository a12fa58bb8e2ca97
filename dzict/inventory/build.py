"""Turn what Ansible resolved into the typed inventory, collecting every problem found.

Nothing here contacts a device: an invalid inventory stops every task before it starts.

The order matters: unknown keys and typing first, then the plan's numbers (which explain any
address Ansible could not derive), then links, Wi-Fi and addresses. A part found faulty is left
out of the later checks (``Findings``), so that each mistake is one line.
"""

from __future__ import annotations

import types
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from dzict.exceptions import InventoryError, Problem
from dzict.inventory import addressing, variables
from dzict.inventory.check_addresses import (
    check_duplicates,
    check_host_placement,
    check_lab_range,
    check_link_placement,
    check_overlaps,
    host_fit,
    link_fit,
    site_fit,
    slot_fit,
)
from dzict.inventory.check_links import (
    LinkChecker,
    Numbered,
    check_hq,
    check_paths,
    check_router_ports,
)
from dzict.inventory.check_wifi import access_points, check_wifi
from dzict.inventory.findings import Findings
from dzict.inventory.loader import AnsibleView, HostView, TemplateFailure, load
from dzict.inventory.model import (
    ROLE_GROUPS,
    SITE_PREFIX,
    Dzongkhag,
    Host,
    Inventory,
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
PLAN_FILTER = "dzict_"  # the address plan's filters (dzict.ansible_plugins.filter)
M = TypeVar("M", bound=BaseModel)


def _loc(base: str, loc: Iterable[int | str]) -> str:
    text = base
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dictionary key
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _unwrap(annotation: Any) -> Any:
    """``X | None`` to ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at ``loc`` inside ``model`` (for suggestions)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


class Builder:
    """Builds an Inventory from an AnsibleView, gathering problems instead of stopping early."""

    def __init__(self, view: AnsibleView) -> None:
        self.view = view
        self.found = Findings(view, problems=list(view.problems))
        self.failed: dict[str, set[str]] = defaultdict(set)
        for failure in view.failures:
            self.failed[failure.host].add(failure.key)
        self.site_of: dict[str, str] = {}

    @property
    def problems(self) -> list[Problem]:
        """Every problem found so far, one line each."""
        return self.found.all()

    def problem(
        self, key: str, message: str, host: str | None = None, group: str | None = None
    ) -> None:
        """Record a problem in the file that sets ``key`` for that host or group."""
        self.found.add(key, message, host=host, group=group)

    def skipped(self, host: str | None = None, group: str | None = None) -> set[str]:
        """Keys whose absence is already explained: not templated, or misspelt (suggested)."""
        chain = self.found.chain(host, group)
        owner = chain[0][1] if chain and chain[0][0] == "host" else ""
        suggested = {k for scope in chain for k in self.found.suggested.get(scope, set())}
        return self.failed.get(owner, set()) | suggested

    def typed(
        self,
        model: type[M],
        data: Any,
        keys: dict[str, str] | None = None,
        *,
        host: str | None = None,
        group: str | None = None,
        prefix: str = "",
    ) -> M | None:
        """Validate ``data`` as ``model``; report each error under the key it came from.

        An unknown key is reported with the nearest known one; an error of that known key (it
        is missing, or a rule needs it) is then left out: it is the same mistake.
        """
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
        hinted: set[tuple[int | str, ...]] = set()
        hints: dict[tuple[int | str, ...], str | None] = {}
        for error in errors:
            loc = tuple(error["loc"])
            if error["type"] == "extra_forbidden" and loc:
                hint = variables.suggest(str(loc[-1]), _fields_at(model, loc[:-1]))
                hints[loc] = hint
                if hint:
                    hinted.add((*loc[:-1], hint))
        skip = self.skipped(host, group)
        for error in errors:
            loc = tuple(error["loc"])
            if loc not in hints and any(loc[: len(h)] == h for h in hinted):
                continue
            names = keys or {}
            field = str(loc[0]) if loc else ""
            top = names.get(field, field)
            if error["type"] == "missing" and len(loc) == 1 and top in skip:
                continue
            key = _loc(prefix, loc) if prefix else _loc(top, loc[1:])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "required key is missing"
            if loc in hints:
                message = variables.unknown_message(str(loc[-1]), hints[loc])
            self.found.add(key, message, host=host, group=group)
        return None

    # -- unknown keys and what Ansible could not template --------------------------------------

    def unknown_keys(self) -> None:
        """Every top-level variable is known (``dzict.inventory.variables``)."""
        known = variables.known_variables()
        index = self.view.index
        for (scope, name, key), file in sorted(index.keys.items()):
            if variables.is_known(key):
                continue
            hint = variables.suggest(key, known)
            self.found.at(
                file,
                self.found.label((scope, name), file, key),
                variables.unknown_message(key, hint),
            )
            if hint in variables.MODEL:
                self.found.suggested[(scope, name)].add(hint)
                self.mark_misspelt(scope, name)

    def mark_misspelt(self, scope: str, name: str) -> None:
        """A misspelt model key leaves its hosts (or the whole plan) out of later checks."""
        if scope == "host":
            self.found.faulty_hosts.add(name)
        elif name == "all":
            self.found.plan_faulty = True
        else:
            self.found.faulty_hosts |= set(self.view.groups.get(name, []))
            if name.startswith(SITE_PREFIX):
                self.found.faulty_sites.add(name.removeprefix(SITE_PREFIX))

    def plain_failures(self) -> None:
        """Values Ansible could not template that the address plan does not explain."""
        for failure in self.view.failures:
            if not self.is_derived(failure) or (failure.undefined or "").startswith("vault_"):
                self.found.add(failure.key, failure.message, host=failure.host)

    def is_derived(self, failure: TemplateFailure) -> bool:
        """True for an address the plan's filters derive (directly or through a reference)."""
        chain = self.view.chain(failure.host)
        return self.view.index.derived(failure.key, chain, PLAN_FILTER)

    def derived_failures(self) -> None:
        """Addresses the plan could not derive, when no problem found so far explains them."""
        for failure in self.view.failures:
            if not self.is_derived(failure) or (failure.undefined or "").startswith("vault_"):
                continue
            if not self.found.host_ok(failure.host, self.site_of.get(failure.host)):
                continue
            missing = failure.undefined
            if missing and missing in SITE_KEYS.values():
                group = SITE_PREFIX + self.site_of[failure.host]
                self.found.add(missing, "required key is missing", group=group)
            elif missing:
                self.found.add(missing, "required key is missing", host=failure.host)
            else:
                self.found.add(
                    failure.key,
                    f"{failure.message} ({{about}})",
                    host=failure.host,
                    about=("host", failure.host),
                )

    # -- the pieces -------------------------------------------------------------------------

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

    # -- the checks ---------------------------------------------------------------------------

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
