"""Filters that place the address plan's values into Ansible variables.

The computing is done in ``dzict.inventory.addressing``; these only adapt its results to
strings, so Ansible and Nornir (which resolves variables through Ansible) see the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dzict.inventory import addressing


def mgmt_address(plan: Mapping[str, Any], site_id: int, host_id: int) -> str:
    """Management address (no prefix length) of a host."""
    return str(addressing.management_address(plan, int(site_id), int(host_id)).ip)


def lan_address(
    plan: Mapping[str, Any],
    site_id: int,
    host_id: int,
    vlan_id: int | None,
    vlans: Sequence[Mapping[str, Any]],
) -> str | None:
    """LAN address with prefix length, or None for a host on no LAN VLAN."""
    if vlan_id is None:
        return None
    return str(addressing.lan_address(plan, int(site_id), int(host_id), int(vlan_id), vlans))


def lan_gateway(
    plan: Mapping[str, Any], site_id: int, vlan_id: int | None, vlans: Sequence[Mapping[str, Any]]
) -> str | None:
    """The office router's address in the host's VLAN, or None."""
    if vlan_id is None:
        return None
    return str(addressing.gateway(plan, int(site_id), int(vlan_id), vlans))


def loopback(plan: Mapping[str, Any], site_id: int, router_index: int = 0) -> str:
    """Router loopback with prefix length."""
    return str(addressing.loopback(plan, int(site_id), int(router_index)))


class FilterModule:
    """The address plan filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "dzict_mgmt_address": mgmt_address,
            "dzict_lan_address": lan_address,
            "dzict_lan_gateway": lan_gateway,
            "dzict_loopback": loopback,
        }
