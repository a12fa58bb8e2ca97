"""The address plan: every derived address comes from here, computed with ``ipaddress``.

Blocks are indexed by stable numbers written in the inventory (``site_id``, ``host_id``,
the VLAN ``slot`` and the WAN link ``id``), never by position in a list, so adding a site or a
link never renumbers the ones already there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from dzict.exceptions import AddressPlanError


def _block(supernet: IPv4Network, prefix: int, index: int, what: str) -> IPv4Network:
    """Return the ``index``-th sub-block of ``supernet`` of length ``prefix``."""
    if prefix < supernet.prefixlen:
        raise AddressPlanError(f"{what}: /{prefix} is larger than the supernet {supernet}")
    count = 2 ** (prefix - supernet.prefixlen)
    if not 0 <= index < count:
        raise AddressPlanError(
            f"{what}: index {index} is outside {supernet} split into /{prefix} (0..{count - 1})"
        )
    return IPv4Network((int(supernet.network_address) + index * 2 ** (32 - prefix), prefix))


def _host(network: IPv4Network, host_id: int, what: str) -> IPv4Interface:
    """Return address number ``host_id`` of ``network`` with the network's prefix length."""
    if not 0 < host_id < network.num_addresses - 1:
        raise AddressPlanError(f"{what}: host number {host_id} does not fit in {network}")
    return IPv4Interface((int(network.network_address) + host_id, network.prefixlen))


def site_lan_block(addressing: Mapping[str, Any], site_id: int) -> IPv4Network:
    """The LAN block of a site: all its VLAN subnets are carved from it."""
    return _block(
        IPv4Network(addressing["lan"]), int(addressing["lan_site_prefix"]), site_id, "lan"
    )


def vlan_subnet(addressing: Mapping[str, Any], site_id: int, slot: int) -> IPv4Network:
    """The subnet of VLAN ``slot`` at a site."""
    return _block(site_lan_block(addressing, site_id), int(addressing["vlan_prefix"]), slot, "vlan")


def management_block(addressing: Mapping[str, Any], site_id: int) -> IPv4Network:
    """The management block of a site."""
    return _block(
        IPv4Network(addressing["management"]),
        int(addressing["management_site_prefix"]),
        site_id,
        "management",
    )


def management_address(addressing: Mapping[str, Any], site_id: int, host_id: int) -> IPv4Interface:
    """Management address of a host: its site's management block plus ``host_id``."""
    return _host(management_block(addressing, site_id), host_id, "management")


def loopback(addressing: Mapping[str, Any], site_id: int, router_index: int = 0) -> IPv4Interface:
    """Router loopback: one /32 per router, indexed by site (and router within the site)."""
    net = IPv4Network(addressing["loopback"])
    per_site = int(addressing.get("loopbacks_per_site", 4))
    index = site_id * per_site + router_index + 1
    if index >= net.num_addresses:
        raise AddressPlanError(f"loopback: site {site_id} does not fit in {net}")
    return IPv4Interface((int(net.network_address) + index, 32))


def wan_subnet(addressing: Mapping[str, Any], link_id: int) -> IPv4Network:
    """Point-to-point subnet of WAN link ``link_id``."""
    return _block(IPv4Network(addressing["wan"]), int(addressing["wan_prefix"]), link_id, "wan")


def wan_ends(subnet: IPv4Network) -> tuple[IPv4Interface, IPv4Interface]:
    """Addresses of the A and B ends of a point-to-point subnet (/31 or larger)."""
    hosts = list(subnet.hosts()) if subnet.prefixlen < 31 else list(subnet)
    return IPv4Interface((hosts[0], subnet.prefixlen)), IPv4Interface((hosts[1], subnet.prefixlen))


def find_vlan(vlans: Sequence[Mapping[str, Any]], vlan_id: int) -> Mapping[str, Any]:
    """The VLAN with id ``vlan_id`` in a site's VLAN list."""
    for vlan in vlans:
        if int(vlan["id"]) == int(vlan_id):
            return vlan
    raise AddressPlanError(f"VLAN {vlan_id} is not defined at this site")


def lan_address(
    addressing: Mapping[str, Any],
    site_id: int,
    host_id: int,
    vlan_id: int,
    vlans: Sequence[Mapping[str, Any]],
) -> IPv4Interface:
    """LAN address of a host in VLAN ``vlan_id`` of its site."""
    slot = int(find_vlan(vlans, vlan_id)["slot"])
    return _host(vlan_subnet(addressing, site_id, slot), host_id, "lan")


def gateway(
    addressing: Mapping[str, Any], site_id: int, vlan_id: int, vlans: Sequence[Mapping[str, Any]]
) -> IPv4Address:
    """The router's address in a VLAN: always the first host of the subnet."""
    return lan_address(addressing, site_id, 1, vlan_id, vlans).ip
