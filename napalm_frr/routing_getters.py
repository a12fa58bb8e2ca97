"""Getters of the routing table (zebra) and of BGP (bgpd and the running configuration)."""

from __future__ import annotations

import ipaddress
import json
import shlex
from typing import Any

from napalm.base import models

from napalm_frr import bgp, linux, routing
from napalm_frr.base import DriverBase
from napalm_frr.commands import BGP_NEIGHBORS, BGP_SUMMARY, IP_LINK_DETAILS, SHOW_RUNNING


class RoutingGetters(DriverBase):
    """get_route_to and the BGP getters."""

    def _route_commands(self, destination: str, longer: bool, vrfs: list[str]) -> list[str]:
        if destination:
            network = ipaddress.ip_network(destination, strict=False)
            families = ["ip" if network.version == 4 else "ipv6"]
            target = f" {network if longer else destination}"
            target += " longer-prefixes" if longer else ""
        else:
            families, target = ["ip", "ipv6"], ""
        return [
            f"vtysh -c {shlex.quote(f'show {family} route vrf {vrf}{target} json')}"
            for vrf in vrfs
            for family in families
        ]

    def _bgp_attributes(
        self, zebra: list[dict[str, Any]]
    ) -> dict[tuple[str, str], routing.BgpRouteAttributes]:
        """bgpd's path attributes of every BGP route among `zebra`'s, by (vrf, prefix)."""
        wanted = sorted({(r["vrfName"], r["prefix"]) for r in zebra if r["protocol"] == "bgp"})
        if not wanted:
            return {}
        commands = [
            "vtysh -c "
            + shlex.quote(
                f"show bgp vrf {vrf} {'ipv6' if ':' in prefix else 'ipv4'} unicast {prefix} json"
            )
            for vrf, prefix in wanted
        ]
        summary, *paths = self._run_many([BGP_SUMMARY, *commands])
        local_as = routing.local_as_numbers(summary)
        return {
            (vrf, prefix): routing.BgpRouteAttributes(local_as.get(vrf, 0), json.loads(text))
            for (vrf, prefix), text in zip(wanted, paths, strict=True)
        }

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[models.RouteDict]]:
        """Routes to `destination` (longest match; more specific ones too with `longer`) in
        every VRF, from zebra; every route when `destination` is empty. One entry per next hop;
        BGP routes carry bgpd's path attributes."""
        vrfs = sorted(set(linux.vrf_members(self._run(IP_LINK_DETAILS)).values()))
        commands = self._route_commands(destination, longer, vrfs)
        zebra = [
            route
            for output in self._run_many(commands)
            for route in routing.zebra_routes(output, protocol)
        ]
        return routing.routes(zebra, self._bgp_attributes(zebra))

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """BGP peers per VRF ("global": the default one) from bgpd; {} without BGP."""
        summary, neighbors = self._run_many([BGP_SUMMARY, BGP_NEIGHBORS])
        return bgp.bgp_neighbors(summary, neighbors)

    def get_bgp_neighbors_detail(
        self, neighbor_address: str = ""
    ) -> dict[str, dict[int, list[models.PeerDetailsDict]]]:
        """Every BGP peer (or one) in detail, by VRF and remote AS; {} without BGP."""
        running, neighbors = self._run_many([SHOW_RUNNING, BGP_NEIGHBORS])
        commands = bgp.prefix_count_commands(neighbors)
        counts = self._run_many([f"vtysh -c {shlex.quote(c)}" for c in commands.values()])
        return bgp.bgp_neighbors_detail(
            running, neighbors, dict(zip(commands, counts, strict=True)), neighbor_address
        )

    def get_bgp_config(
        self, group: str = "", neighbor: str = ""
    ) -> dict[str, models.BGPConfigGroupDict]:
        """The BGP configuration of the default VRF from the running configuration, by peer
        group ("_": global settings and neighbours in no group); {} without BGP."""
        return bgp.bgp_config(self._run(SHOW_RUNNING), group, neighbor)
