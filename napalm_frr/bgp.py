"""Turn bgpd's state and the BGP configuration into NAPALM's BGP getter shapes.

State comes from `show bgp vrf all neighbors json` (and `... summary json` for the router id),
configuration from the running configuration's `router bgp` blocks (what FRR shows is what
bgpd runs). Pure functions of the text, like parsers.py.
"""

from __future__ import annotations

import json
from typing import Any

from napalm.base import models

from napalm_frr.bgp_running import (
    BgpInstance,
    PeerConfig,
    _as_number,
    _policies,
    _prefix_limit,
    bgp_instances,
)

__all__ = [
    "BgpInstance",
    "bgp_config",
    "bgp_instances",
    "bgp_neighbors",
    "bgp_neighbors_detail",
    "prefix_count_commands",
]

GLOBAL_VRF = "global"  # NAPALM's name for the default VRF in BGP results
DEFAULT_GROUP = "_"  # NAPALM's group of the neighbours that are in no peer group
_FAMILIES = {"ipv4Unicast": "ipv4", "ipv6Unicast": "ipv6"}


def _vrf_key(name: str) -> str:
    return GLOBAL_VRF if name == "default" else name


def _neighbor_config(instance: BgpInstance, peer: PeerConfig) -> models.BGPConfigNeighborDict:
    families = instance.families(peer)
    inbound, outbound = _policies(families)
    remote_as = instance.effective(peer, "remote_as")
    return {
        "description": peer.description,
        "import_policy": inbound,
        "export_policy": outbound,
        "local_address": instance.effective(peer, "update_source"),
        "authentication_key": instance.effective(peer, "password"),
        "nhs": any(f.next_hop_self for f in families.values()),
        "route_reflector_client": any(f.route_reflector_client for f in families.values()),
        "local_as": instance.effective(peer, "local_as") or instance.asn,
        "remote_as": _as_number(remote_as, instance.asn),
        "prefix_limit": _prefix_limit(families),
    }


def _group_config(
    instance: BgpInstance, group: PeerConfig, members: list[PeerConfig]
) -> models.BGPConfigGroupDict:
    inbound, outbound = _policies(group.families)
    return {
        "type": instance.peer_type(group),
        "description": group.description,
        "apply_groups": [],
        "multihop_ttl": group.multihop_ttl,
        "multipath": instance.maximum_paths > 1,
        "local_address": group.update_source,
        "local_as": group.local_as or instance.asn,
        "remote_as": _as_number(group.remote_as, instance.asn),
        "import_policy": inbound,
        "export_policy": outbound,
        "remove_private_as": any(f.remove_private_as for f in group.families.values()),
        "prefix_limit": _prefix_limit(group.families),
        "neighbors": {m.name: _neighbor_config(instance, m) for m in members},
    }


def bgp_config(
    running_config: str, group: str = "", neighbor: str = ""
) -> dict[str, models.BGPConfigGroupDict]:
    """get_bgp_config of the default VRF: one entry per peer group and "_" for the rest.

    "_" holds the global settings (local AS, multipath) and the neighbours in no peer group.
    With `group`, only that group; with `neighbor`, only that neighbour (in its group).
    """
    instance = bgp_instances(running_config).get("default")
    if instance is None:
        return {}
    peers = [p for p in instance.peers.values() if not p.is_group]
    groups = [p for p in instance.peers.values() if p.is_group]
    result = {
        g.name: _group_config(instance, g, [p for p in peers if p.group == g.name]) for g in groups
    }
    result[DEFAULT_GROUP] = _group_config(
        instance, PeerConfig(DEFAULT_GROUP), [p for p in peers if p.group not in result]
    )
    if group:
        result = {name: value for name, value in result.items() if name == group}
    if neighbor:
        for value in result.values():
            value["neighbors"] = {k: v for k, v in value["neighbors"].items() if k == neighbor}
        result = {name: value for name, value in result.items() if value["neighbors"]}
    return result


# -- state ----------------------------------------------------------------------------------


def _peers(neighbors_json: str) -> dict[str, dict[str, dict[str, Any]]]:
    """`show bgp vrf all neighbors json` as {vrf: {peer: data}}."""
    return {
        vrf: {peer: data for peer, data in body.items() if isinstance(data, dict)}
        for vrf, body in json.loads(neighbors_json or "{}").items()
    }


def _router_ids(summary_json: str) -> dict[str, str]:
    ids = {}
    for vrf, families in json.loads(summary_json or "{}").items():
        for family in families.values():
            if isinstance(family, dict) and "routerId" in family:
                ids[vrf] = family["routerId"]
    return ids


def _counters(peer: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The accepted and sent prefix counts per family (ipv4, ipv6)."""
    return {
        _FAMILIES[name]: {
            "accepted": int(info.get("acceptedPrefixCounter", 0)),
            "sent": int(info.get("sentPrefixCounter", 0)),
        }
        for name, info in peer.get("addressFamilyInfo", {}).items()
        if name in _FAMILIES
    }


def _state(peer: dict[str, Any]) -> models.BGPStateNeighborDict:
    """One peer's state. FRR counts received prefixes after the inbound policy, so received
    and accepted are the same number."""
    return {
        "local_as": int(peer.get("localAs", 0)),
        "remote_as": int(peer.get("remoteAs", 0)),
        "remote_id": peer.get("remoteRouterId", ""),
        "is_up": peer.get("bgpState") == "Established",
        "is_enabled": not peer.get("adminShutDown", False),
        "description": peer.get("nbrDesc", ""),
        "uptime": int(peer.get("bgpTimerUpMsec", 0)) // 1000,
        "address_family": {
            family: {
                "received_prefixes": count["accepted"],
                "accepted_prefixes": count["accepted"],
                "sent_prefixes": count["sent"],
            }
            for family, count in _counters(peer).items()
        },
    }


def bgp_neighbors(
    summary_json: str, neighbors_json: str
) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
    """get_bgp_neighbors: per VRF ("global" for the default one) the router id and each peer."""
    router_ids = _router_ids(summary_json)
    result: dict[str, models.BGPStateNeighborsPerVRFDict] = {}
    for vrf, peers in _peers(neighbors_json).items():
        router_id = router_ids.get(vrf) or next(
            (p.get("localRouterId", "") for p in peers.values()), ""
        )
        result[_vrf_key(vrf)] = {
            "router_id": router_id,
            "peers": {address: _state(peer) for address, peer in peers.items()},
        }
    return result


def prefix_count_commands(neighbors_json: str) -> dict[tuple[str, str], str]:
    """The vtysh command giving each established peer's prefix counts, by (vrf, peer)."""
    commands = {}
    for vrf, peers in _peers(neighbors_json).items():
        for address, peer in peers.items():
            if peer.get("bgpState") == "Established":
                for family in _counters(peer):
                    commands[(vrf, f"{address} {family}")] = (
                        f"show bgp vrf {vrf} {family} unicast neighbors {address} "
                        "prefix-counts json"
                    )
    return commands


def _walk_count(
    prefix_counts: dict[tuple[str, str], str], vrf: str, address: str, counter: str
) -> int:
    """One of bgpd's RIB walk counters of a peer's prefixes, summed over its families."""
    total = 0
    for (count_vrf, key), text in prefix_counts.items():
        if count_vrf == vrf and key.split()[0] == address:
            walk = json.loads(text or "{}").get("ribTableWalkCounters", {})
            total += int(walk.get(counter, 0))
    return total


def _milliseconds(peer: dict[str, Any], key: str) -> int:
    return int(peer.get(key, 0)) // 1000


def _detail(
    vrf: str,
    address: str,
    peer: dict[str, Any],
    instance: BgpInstance,
    prefix_counts: dict[tuple[str, str], str],
) -> models.PeerDetailsDict:
    stats = peer.get("messageStats", {})
    config = instance.peers.get(address, PeerConfig(address))
    families = instance.families(config)
    inbound, outbound = _policies(families)
    counts = _counters(peer).values()
    four_byte = str(peer.get("neighborCapabilities", {}).get("4byteAs", "advertised"))
    local_as = instance.effective(config, "local_as")
    return {
        "up": peer.get("bgpState") == "Established",
        "local_as": int(peer.get("localAs", 0)),
        "remote_as": int(peer.get("remoteAs", 0)),
        "router_id": peer.get("remoteRouterId", ""),
        "local_address": peer.get("hostLocal", ""),
        "routing_table": vrf,
        "local_address_configured": bool(instance.effective(config, "update_source")),
        "local_port": int(peer.get("portLocal", 0)),
        "remote_address": peer.get("hostForeign", address),
        "remote_port": int(peer.get("portForeign", 0)),
        "multihop": bool(instance.effective(config, "multihop_ttl")),
        "multipath": instance.maximum_paths > 1,
        "remove_private_as": any(f.remove_private_as for f in families.values()),
        "import_policy": inbound,
        "export_policy": outbound,
        "input_messages": int(stats.get("totalRecv", 0)),
        "output_messages": int(stats.get("totalSent", 0)),
        "input_updates": int(stats.get("updatesRecv", 0)),
        "output_updates": int(stats.get("updatesSent", 0)),
        "messages_queued_out": int(stats.get("depthOutq", 0)),
        "connection_state": peer.get("bgpState", ""),
        "previous_connection_state": "",
        "last_event": peer.get("lastResetDueTo", ""),
        "suppress_4byte_as": "advertised" not in four_byte.lower(),
        "local_as_prepend": bool(local_as) and config.local_as_prepend,
        "holdtime": _milliseconds(peer, "bgpTimerHoldTimeMsecs"),
        "configured_holdtime": _milliseconds(peer, "bgpTimerConfiguredHoldTimeMsecs"),
        "keepalive": _milliseconds(peer, "bgpTimerKeepAliveIntervalMsecs"),
        "configured_keepalive": _milliseconds(peer, "bgpTimerConfiguredKeepAliveIntervalMsecs"),
        "active_prefix_count": _walk_count(prefix_counts, vrf, address, "PfxCt Best Selected"),
        "received_prefix_count": sum(c["accepted"] for c in counts),
        "accepted_prefix_count": sum(c["accepted"] for c in counts),
        "suppressed_prefix_count": _walk_count(prefix_counts, vrf, address, "Damped"),
        "advertised_prefix_count": sum(c["sent"] for c in counts),
        "flap_count": int(peer.get("connectionsDropped", 0)),
    }


def bgp_neighbors_detail(
    running_config: str,
    neighbors_json: str,
    prefix_counts: dict[tuple[str, str], str],
    neighbor_address: str = "",
) -> dict[str, dict[int, list[models.PeerDetailsDict]]]:
    """get_bgp_neighbors_detail: {vrf: {remote AS: [peer details]}}, one peer if asked.

    The active prefix count is bgpd's "best selected" count of the peer's prefixes, the
    suppressed count its "damped" one (`... prefix-counts json`); policies,
    multipath and the configured local address come from the configuration. FRR keeps no
    previous connection state (""); its last reset reason stands for the last event.
    """
    instances = bgp_instances(running_config)
    result: dict[str, dict[int, list[models.PeerDetailsDict]]] = {}
    for vrf, peers in _peers(neighbors_json).items():
        instance = instances.get(vrf, BgpInstance(0, vrf))
        for address, peer in peers.items():
            if neighbor_address and address != neighbor_address:
                continue
            detail = _detail(vrf, address, peer, instance, prefix_counts)
            by_as = result.setdefault(_vrf_key(vrf), {})
            by_as.setdefault(detail["remote_as"], []).append(detail)
    return result
