"""NAPALM's result shapes for each method the FRR driver implements (napalm.base.models).

Checked with napalm.base.test.helpers.test_model, as NAPALM's own getter tests do: the same keys
as the model's TypedDict, each value of the model's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from napalm.base import models
from napalm.base.test import helpers


def _all(model: Any, items: Any) -> bool:
    return all(helpers.test_model(model, item) for item in items)


def _lldp_detail(result: dict[str, Any]) -> bool:
    return _all(models.LLDPNeighborDetailDict, [n for nbrs in result.values() for n in nbrs])


def _interfaces_ip(result: dict[str, Any]) -> bool:
    return all(
        set(families) <= {"ipv4", "ipv6"} and _all(models.InterfacesIPDictEntry, addresses.values())
        for families in result.values()
        for addresses in families.values()
    )


def _ping(result: dict[str, Any]) -> bool:
    if "error" in result:
        return set(result) == {"error"} and isinstance(result["error"], str)
    return helpers.test_model(models.PingDict, result["success"]) and _all(
        models.PingResultDictEntry, result["success"]["results"]
    )


def _traceroute(result: dict[str, Any]) -> bool:
    if "error" in result:
        return set(result) == {"error"} and isinstance(result["error"], str)
    return _all(
        models.TracerouteDict,
        [p for hop in result["success"].values() for p in hop["probes"].values()],
    )


def _route_to(result: dict[str, Any]) -> bool:
    return _all(models.RouteDict, [r for routes in result.values() for r in routes])


def _bgp_neighbors(result: dict[str, Any]) -> bool:
    if result and "global" not in result:
        return False
    return all(
        isinstance(vrf["router_id"], str)
        and _all(models.PeerDict, vrf["peers"].values())
        and _all(
            models.AFDict,
            [af for p in vrf["peers"].values() for af in p["address_family"].values()],
        )
        for vrf in result.values()
    )


def _bgp_neighbors_detail(result: dict[str, Any]) -> bool:
    # JSON keys are text: the remote AS numbers come back as digits.
    return all(
        all(remote_as.isdigit() for remote_as in by_as)
        and _all(models.PeerDetailsDict, [p for peers in by_as.values() for p in peers])
        for by_as in result.values()
    )


def _bgp_config(result: dict[str, Any]) -> bool:
    return _all(models.BGPConfigGroupDict, result.values()) and _all(
        models.BGPConfigNeighborDict, [n for g in result.values() for n in g["neighbors"].values()]
    )


def _snmp(result: dict[str, Any]) -> bool:
    return helpers.test_model(models.SNMPDict, result) and _all(
        models.SNMPCommunityDict, result["community"].values()
    )


def _users(result: dict[str, Any]) -> bool:
    return _all(models.UsersDict, result.values()) and all(
        0 <= u["level"] <= 15 for u in result.values()
    )


def _network_instances(result: dict[str, Any]) -> bool:
    return all(
        helpers.test_model(models.NetworkInstanceDict, ni)
        and helpers.test_model(models.NetworkInstanceStateDict, ni["state"])
        and helpers.test_model(models.NetworkInstanceInterfacesDict, ni["interfaces"])
        for ni in result.values()
    )


# What each method's result must look like (NAPALM's models).
SHAPES: dict[str, Callable[[Any], bool]] = {
    "is_alive": lambda r: helpers.test_model(models.AliveDict, r),
    "get_facts": lambda r: helpers.test_model(models.FactsDict, r),
    "get_interfaces": lambda r: _all(models.InterfaceDict, r.values()),
    "get_interfaces_ip": _interfaces_ip,
    "get_lldp_neighbors": lambda r: _all(
        models.LLDPNeighborDict, [n for nbrs in r.values() for n in nbrs]
    ),
    "get_lldp_neighbors_detail": _lldp_detail,
    "get_config": lambda r: helpers.test_model(models.ConfigDict, r),
    "ping": _ping,
    "cli": lambda r: isinstance(r, dict),
    "compare_config": lambda r: isinstance(r, str),
    "load_replace_candidate": lambda r: r is None,
    "load_merge_candidate": lambda r: r is None,
    "get_arp_table": lambda r: _all(models.ARPTableDict, r),
    "get_ipv6_neighbors_table": lambda r: _all(models.IPV6NeighborDict, r),
    "get_interfaces_counters": lambda r: _all(models.InterfaceCounterDict, r.values()),
    "get_network_instances": _network_instances,
    "get_route_to": _route_to,
    "get_bgp_neighbors": _bgp_neighbors,
    "get_bgp_neighbors_detail": _bgp_neighbors_detail,
    "get_bgp_config": _bgp_config,
    "get_ntp_servers": lambda r: all(
        helpers.test_model(models.NTPServerDict, s, allow_subset=True) for s in r.values()
    ),
    "get_ntp_peers": lambda r: all(
        helpers.test_model(models.NTPPeerDict, p, allow_subset=True) for p in r.values()
    ),
    "get_snmp_information": _snmp,
    "get_users": _users,
    "traceroute": _traceroute,
}
