"""Getters of the router's facts, interfaces, LLDP neighbours and kernel tables."""

from __future__ import annotations

from napalm.base import models

from napalm_frr import linux, parsers
from napalm_frr.base import DriverBase
from napalm_frr.commands import (
    DEVICE_CLOCK,
    DOMAINNAME,
    IP_ADDRESSES,
    IP_LINK_DETAILS,
    IP_LINK_STATS,
    IP_LINKS,
    IP_NEIGH4,
    IP_NEIGH6,
    LLDP_NEIGHBORS,
    MACHINE,
    MACHINE_ID,
    PID1_AGE,
    SHOW_INTERFACE_JSON,
    SHOW_VERSION,
)


class DeviceGetters(DriverBase):
    """get_facts, interfaces, LLDP, ARP/IPv6 neighbours, counters and network instances."""

    def get_facts(self) -> models.FactsDict:
        """Hostname, FRR version, uptime, interfaces (see parsers.parse_facts)."""
        # One vtysh call only: each one costs a vtysh start (the slow part of a getter).
        results = self._device().run_many(
            [SHOW_VERSION, IP_LINKS, PID1_AGE, MACHINE, MACHINE_ID, DOMAINNAME]
        )
        version, links, age, machine = (
            self._checked(c, r).stdout
            for c, r in zip([SHOW_VERSION, IP_LINKS, PID1_AGE, MACHINE], results[:4], strict=True)
        )
        # /etc/machine-id and the domain name are optional on a router.
        machine_id = results[4].stdout if results[4].exit_status == 0 else ""
        domain = results[5].stdout if results[5].exit_status == 0 else ""
        return parsers.parse_facts(
            show_version=version,
            ip_links_json=links,
            pid1_seconds=age,
            machine=machine,
            machine_id=machine_id,
            domainname=domain,
        )

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Every interface zebra knows, from `show interface json`."""
        interfaces, now = self._run_many([SHOW_INTERFACE_JSON, DEVICE_CLOCK])
        return parsers.parse_interfaces(interfaces, now)

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """Every address the kernel has, per interface and family."""
        return parsers.parse_interfaces_ip(self._run(IP_ADDRESSES))

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        """LLDP neighbours per local port (lldpd)."""
        return {
            port: [{"hostname": n["remote_system_name"], "port": n["remote_port"]} for n in nbrs]
            for port, nbrs in self.get_lldp_neighbors_detail().items()
        }

    def get_lldp_neighbors_detail(self, interface: str = "") -> models.LLDPNeighborsDetailDict:
        """LLDP neighbours in detail, from `lldpcli -f json`; only `interface` if given."""
        neighbors = parsers.lldp_neighbors(self._run(LLDP_NEIGHBORS))
        if interface:
            return {interface: neighbors[interface]} if interface in neighbors else {}
        return neighbors

    def get_arp_table(self, vrf: str = "") -> list[models.ARPTableDict]:
        """IPv4 neighbours the kernel resolved, of one VRF if given ("default" for the main one)."""
        neighbors, links = self._run_many([IP_NEIGH4, IP_LINK_DETAILS])
        return linux.arp_table(neighbors, links, vrf)

    def get_ipv6_neighbors_table(self) -> list[models.IPV6NeighborDict]:
        """IPv6 neighbours the kernel resolved, with the kernel's state (REACHABLE, STALE...)."""
        return linux.ipv6_neighbors(self._run(IP_NEIGH6))

    def get_interfaces_counters(self) -> dict[str, models.InterfaceCounterDict]:
        """The kernel's counters of every interface (-1 where Linux does not count)."""
        return linux.interfaces_counters(self._run(IP_LINK_STATS))

    def get_network_instances(self, name: str = "") -> dict[str, models.NetworkInstanceDict]:
        """The default instance and every kernel VRF with its interfaces; only `name` if given."""
        instances = linux.network_instances(self._run(IP_LINK_DETAILS))
        if name:
            return {name: instances[name]} if name in instances else {}
        return instances
