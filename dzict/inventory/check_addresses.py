"""Address checks: the stable numbers fit the plan, every address sits in its block, none twice.

The plan's numbers (``site_id``, VLAN ``slot``, ``host_id``, link ``id``) are checked before
anything is derived from them, so that a number too large is reported once, at the number,
instead of once per address Ansible failed to derive from it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from ipaddress import (
    AddressValueError,
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    NetmaskValueError,
)
from typing import Any
from urllib.parse import urlsplit

from dzict.inventory.check_links import Numbered
from dzict.inventory.findings import Findings
from dzict.inventory.model import LAB_RANGE, Addressing, Dzongkhag, Host, Site, Vlan, WanLink
from dzict.inventory.sources import is_template

# -- the numbers of the plan --------------------------------------------------------------------


def site_fit(plan: Addressing, site_id: int) -> str | None:
    """Why a site id has no blocks in the plan, or None when it fits."""
    for what, net, prefix in (
        ("LAN", plan.lan, plan.lan_site_prefix),
        ("management", plan.management, plan.management_site_prefix),
    ):
        count = 2 ** (prefix - net.prefixlen)
        if site_id >= count:
            return (
                f"site id {site_id} does not fit the address plan: the {what} supernet {net}"
                f" holds {count} site blocks of /{prefix} (site ids 0-{count - 1})"
            )
    last = (plan.loopback.num_addresses - 2) // plan.loopbacks_per_site
    if site_id > last:
        return (
            f"site id {site_id} does not fit the address plan: the loopback supernet"
            f" {plan.loopback} has loopbacks for site ids 0-{last}"
        )
    return None


def slot_fit(plan: Addressing, slot: int) -> str | None:
    """Why a VLAN slot has no subnet in a site's LAN block, or None when it fits."""
    count = 2 ** (plan.vlan_prefix - plan.lan_site_prefix)
    if slot < count:
        return None
    return (
        f"slot {slot} does not fit: a /{plan.lan_site_prefix} site block holds {count}"
        f" VLAN subnets of /{plan.vlan_prefix} (slots 0-{count - 1})"
    )


def link_fit(plan: Addressing, link_id: int) -> str | None:
    """Why a link id has no subnet in the WAN supernet, or None when it fits."""
    count = 2 ** (plan.wan_prefix - plan.wan.prefixlen)
    if link_id < count:
        return None
    return (
        f"link id {link_id} does not fit the WAN supernet {plan.wan} cut in /{plan.wan_prefix}"
        f" links (link ids 0-{count - 1})"
    )


def host_fit(block: IPv4Network, host_id: int, what: str) -> str | None:
    """Why a host number has no address in a block, or None when it fits."""
    if 0 < host_id < block.num_addresses - 1:
        return None
    return f"host_id {host_id} does not fit {what} (host ids 1-{block.num_addresses - 2})"


# -- every address in its block -----------------------------------------------------------------


def _inside(address: IPv4Interface, subnet: IPv4Network) -> bool:
    """An interface address of ``subnet``: same network, not its network or broadcast address."""
    if address.network != subnet:
        return False
    return subnet.prefixlen >= 31 or address.ip not in (
        subnet.network_address,
        subnet.broadcast_address,
    )


def check_host_placement(
    found: Findings, site: Site, host: Host, plan: Addressing, lab: bool = False
) -> None:
    """Management, LAN, gateway and loopback addresses of a host sit where the plan puts them.

    In a lab, an address outside the lab range is already reported as such and left alone here.
    """
    block = site.management_block
    outside = lab and host.mgmt_address not in LAB_RANGE
    if block is not None and not outside and not _inside_block(host.mgmt_address, block):
        found.add(
            "mgmt_address",
            f"{host.mgmt_address} is outside the management block {block} of site {site.key}",
            host=host.name,
        )
    if lab:
        host = _in_lab_range(host)
    vlan = site.vlan(host.lan_vlan) if host.lan_vlan is not None else None
    if vlan is not None and vlan.subnet is not None:
        _check_lan(found, site, host, vlan, vlan.subnet)
    if host.loopback is not None and (
        host.loopback.network.prefixlen != 32 or host.loopback.ip not in plan.loopback
    ):
        found.add(
            "loopback",
            f"{host.loopback} is not a /32 of the loopback supernet {plan.loopback}",
            host=host.name,
        )


def _inside_block(address: IPv4Address, block: IPv4Network) -> bool:
    return address in block and address not in (block.network_address, block.broadcast_address)


def _in_lab_range(host: Host) -> Host:
    """The host without its LAN and loopback addresses outside the lab range (reported so)."""
    update: dict[str, Any] = {}
    for key in ("lan_address", "lan_gateway", "loopback"):
        value = getattr(host, key)
        ip = value.ip if isinstance(value, IPv4Interface) else value
        if ip is not None and ip not in LAB_RANGE:
            update[key] = None
    return host.model_copy(update=update) if update else host


def _check_lan(found: Findings, site: Site, host: Host, vlan: Vlan, subnet: IPv4Network) -> None:
    where = f"the subnet {subnet} of VLAN {vlan.id} ({vlan.name}) at site {site.key}"
    router = IPv4Interface((int(subnet.network_address) + 1, subnet.prefixlen))
    if host.lan_address is not None and not _inside(host.lan_address, subnet):
        found.add("lan_address", f"{host.lan_address} is not an address of {where}", host=host.name)
    elif host.lan_address == router and host.role != "router":
        found.add(
            "lan_address",
            f"{host.lan_address} is the router's address in VLAN {vlan.id} at site {site.key}"
            " (a router holds .1 of every VLAN)",
            host=host.name,
        )
    if host.lan_gateway is not None and host.lan_gateway != router.ip:
        found.add(
            "lan_gateway",
            f"{host.lan_gateway} is not the router of site {site.key} in VLAN {vlan.id}"
            f" ({router.ip})",
            host=host.name,
        )


def check_link_placement(found: Findings, n: int, link: WanLink) -> None:
    """Both ends of a link are distinct addresses of the link's subnet."""
    if link.subnet is None:
        return
    for side, end in (("a", link.a), ("b", link.b)):
        if end.address is not None and not _inside(end.address, link.subnet):
            found.add(
                f"wan_links[{n}].{side}.address",
                f"{end.address} is not an address of the link subnet {link.subnet}",
            )
    if link.a.address is not None and link.a.address == link.b.address:
        found.add(f"wan_links[{n}].b.address", f"both ends of link {link.id} have {link.a.address}")


# -- a lab stays in its range ---------------------------------------------------------------------


def _address_in(text: str) -> IPv4Interface | None:
    """The IPv4 address or subnet a written string holds (also a URL's host), if any."""
    candidate = (urlsplit(text).hostname or "") if "://" in text else text.strip()
    try:
        return IPv4Interface(candidate)
    except (AddressValueError, NetmaskValueError, ValueError):
        return None


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every written (non-template) string inside a value, with its key path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(item, f"{path}[{n}]")
    elif isinstance(value, str) and not is_template(value):
        yield path, value


def check_lab_range(found: Findings) -> None:
    """Every address written anywhere in a lab inventory lies in 198.18.0.0/15."""
    index = found.view.index
    for (scope, name, key), value in sorted(index.values.items(), key=lambda i: i[0]):
        if key.startswith("vault_"):
            continue  # a secret is never printed, whatever it looks like
        for path, text in _walk(value, key):
            address = _address_in(text)
            if address is not None and not address.network.subnet_of(LAB_RANGE):
                file = index.keys[(scope, name, key)]
                found.at(
                    file,
                    found.label((scope, name), file, path),
                    f"{text} is outside the lab range {LAB_RANGE}",
                )


# -- no address twice, no subnet overlapping another --------------------------------------------

Claim = tuple[str, str, str | None]
"""(owner as shown, key, host whose key it is)."""


def _claims(found: Findings, hosts: dict[str, Host], links: Numbered) -> dict[str, list[Claim]]:
    owners: dict[str, list[Claim]] = defaultdict(list)
    for host in hosts.values():
        if not found.host_ok(host.name, host.site):
            continue
        owners[str(host.mgmt_address)].append(
            (f"{host.name} (management)", "mgmt_address", host.name)
        )
        if host.lan_address is not None:
            owners[str(host.lan_address.ip)].append(
                (f"{host.name} (LAN)", "lan_address", host.name)
            )
        if host.loopback is not None:
            owners[str(host.loopback.ip)].append((f"{host.name} (loopback)", "loopback", host.name))
    for n, link in links:
        if n in found.faulty_links:
            continue
        for side, end in (("a", link.a), ("b", link.b)):
            if end.address is not None:
                owner = f"{end.host} {end.interface}"
                owners[str(end.address.ip)].append((owner, f"wan_links[{n}].{side}", None))
    return owners


def check_duplicates(found: Findings, hosts: dict[str, Host], links: Numbered) -> None:
    """No address is given to two hosts or two interfaces.

    The problem is reported where an address was written by hand when one of the claimants has
    it so, since that is the value to fix.
    """
    index = found.view.index
    for address, claims in _claims(found, hosts, links).items():
        if len(claims) < 2:
            continue
        by_hand = [c for c in claims if c[2] and index.explicit(c[1], found.chain(c[2]))]
        owner, key, holder = (by_hand or claims)[-1]
        others = ", ".join(c[0] for c in claims if c[0] != owner)
        found.add(
            key,
            f"address {address} of {owner} is also used by {others}",
            host=holder,
            group=None if holder else "all",
        )


def check_overlaps(found: Findings, dz: Dzongkhag, sites: dict[str, Site], links: Numbered) -> None:
    """No two subnets of the plan overlap."""
    nets: list[tuple[IPv4Network, str, str | None]] = []
    for name in ("loopback", "wan", "management", "lan"):
        nets.append((getattr(dz.addressing, name), f"dzongkhag.addressing.{name}", None))
    for site in sites.values():
        if not found.site_ok(site.key):
            continue
        for n, vlan in enumerate(site.vlans):
            if vlan.subnet is not None and not vlan.subnet.subnet_of(dz.addressing.lan):
                nets.append((vlan.subnet, f"vlans[{n}].subnet", site.group))
    for n, link in links:
        if link.subnet is not None and not link.subnet.subnet_of(dz.addressing.wan):
            nets.append((link.subnet, f"wan_links[{n}].subnet", "all"))
    nets.sort(key=lambda item: (item[0].network_address, -item[0].prefixlen))
    for (net, key, _group), (other, other_key, other_group) in itertools.pairwise(nets):
        if net.overlaps(other):
            found.add(
                other_key, f"subnet {other} overlaps {net} ({key})", group=other_group or "all"
            )
