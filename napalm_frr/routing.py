"""Turn FRR's routes (zebra's `show ip route ... json`) into NAPALM's get_route_to shape.

Pure functions of the text, like parsers.py; BGP routes carry bgpd's path attributes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from napalm.base import models

__all__ = ["BgpRouteAttributes", "frr_uptime", "local_as_numbers", "routes", "zebra_routes"]

_UPTIME_PARTS = re.compile(r"(\d+)([wdhms])")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def frr_uptime(text: str) -> int:
    """Seconds from FRR's uptime: "00:04:12", "1d02h03m" or "01w2d03h"."""
    if ":" in text:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    return sum(int(n) * _SECONDS[unit] for n, unit in _UPTIME_PARTS.findall(text))


# -- routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgpRouteAttributes:
    """What bgpd knows of one prefix (`show bgp ... PREFIX json`) and the local AS."""

    local_as: int
    bgp_json: dict[str, Any] = field(default_factory=dict)

    def for_next_hop(self, next_hop: str) -> dict[str, Any]:
        """NAPALM's BGP protocol_attributes of the path through `next_hop` (best path else)."""
        paths = self.bgp_json.get("paths", [])
        chosen = next(
            (p for p in paths if any(n.get("ip") == next_hop for n in p.get("nexthops", []))),
            next((p for p in paths if p.get("bestpath", {}).get("overall")), None),
        )
        if chosen is None:
            return {}
        peer = chosen.get("peer", {})
        as_path = chosen.get("aspath", {}).get("string", "")
        first = as_path.split()[0] if as_path.split() else ""
        return {
            "local_as": self.local_as,
            "remote_as": int(first) if first.isdigit() else self.local_as,
            "peer_id": peer.get("routerId", ""),
            "as_path": as_path,
            "communities": chosen.get("community", {}).get("string", "").split(),
            "local_preference": int(chosen.get("locPrf", 100)),
            "preference2": -1,
            "metric": int(chosen.get("metric", 0)),
            "metric2": -1,
        }


def local_as_numbers(summary_json: str) -> dict[str, int]:
    """The local AS of each VRF's BGP instance, from `show bgp vrf all summary json`."""
    found = {}
    for vrf, families in json.loads(summary_json or "{}").items():
        for family in families.values():
            if isinstance(family, dict) and "as" in family:
                found[vrf] = int(family["as"])
    return found


def _route_entries(
    route: dict[str, Any], bgp: dict[tuple[str, str], BgpRouteAttributes]
) -> list[models.RouteDict]:
    """One NAPALM route per next hop of one zebra route."""
    active = bool(route.get("selected") and route.get("installed"))
    reason = "" if active else "not installed" if route.get("selected") else "not selected"
    entries: list[models.RouteDict] = []
    for hop in route.get("nexthops", []):
        next_hop = hop.get("ip", "")
        key = (route.get("vrfName", "default"), route["prefix"])
        if route["protocol"] == "bgp" and key in bgp:
            attributes = bgp[key].for_next_hop(next_hop)
        else:
            attributes = {"metric": int(route.get("metric", 0))}
        entries.append(
            {
                "protocol": route["protocol"],
                "current_active": active,
                "last_active": False,
                "age": frr_uptime(route.get("uptime", "0:0:0")),
                "next_hop": next_hop,
                "outgoing_interface": hop.get("interfaceName", ""),
                "selected_next_hop": active and bool(hop.get("fib")),
                "preference": int(route.get("distance", 0)),
                "inactive_reason": reason,
                "routing_table": route.get("vrfName", "default"),
                "protocol_attributes": attributes,
            }
        )
    return entries


def zebra_routes(route_json: str, protocol: str = "") -> list[dict[str, Any]]:
    """The routes of one `show ip|ipv6 route ... json`, of one protocol when given."""
    found = []
    for prefix_routes in json.loads(route_json or "{}").values():
        found += [r for r in prefix_routes if not protocol or r["protocol"] == protocol.lower()]
    return found


def routes(
    zebra: list[dict[str, Any]], bgp: dict[tuple[str, str], BgpRouteAttributes]
) -> dict[str, list[models.RouteDict]]:
    """get_route_to: routes by prefix, one entry per next hop, BGP attributes for BGP routes."""
    result: dict[str, list[models.RouteDict]] = {}
    for route in zebra:
        result.setdefault(route["prefix"], []).extend(_route_entries(route, bgp))
    return result
