"""Synthetic Dzongkhags and the discovery a healthy network of them would return.

Used by the benchmark (hundreds to thousands of devices) and by tests that need a large or an
odd inventory. Real recorded discovery of the lab lives in ``tests/docs/data``.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from typing import Any

from dzict.docs.discovery import DeviceRecord, Discovery
from dzict.inventory import addressing
from dzict.inventory.model import (
    Addressing,
    Contact,
    Dzongkhag,
    Host,
    Inventory,
    LinkEnd,
    Site,
    Ssid,
    Vlan,
    WanLink,
)

PLAN = {
    "loopback": "10.255.0.0/22",
    "wan": "10.254.0.0/20",
    "wan_prefix": 30,
    "management": "10.253.0.0/16",
    "management_site_prefix": 24,
    "lan": "10.0.0.0/11",
    "lan_site_prefix": 20,
    "vlan_prefix": 24,
}
VLANS = [
    {"id": 10, "name": "mgmt", "slot": 0},
    {"id": 20, "name": "staff", "slot": 1},
    {"id": 30, "name": "guest", "slot": 2, "isolated": True},
    {"id": 40, "name": "servers", "slot": 3},
]
SERVERS = (
    ("app", "server", 20),
    ("files", "server", 21),
    ("backup", "backup", 22),
    ("mirror", "mirror", 23),
)


def _host(site: Site, name: str, role: str, platform: str, host_id: int, **extra: Any) -> Host:
    plan = PLAN
    mgmt = addressing.management_address(plan, site.id, host_id).ip
    vlan = extra.pop("lan_vlan", None)
    lan = addressing.lan_address(plan, site.id, host_id, vlan, VLANS) if vlan else None
    return Host(
        name=name,
        site=site.key,
        role=role,
        platform=platform,
        host_id=host_id,
        groups=[site.group],
        mgmt_address=mgmt,
        lan_vlan=vlan,
        lan_address=lan,
        lan_gateway=addressing.gateway(plan, site.id, vlan, VLANS) if vlan else None,
        **extra,
    )


def synthetic_inventory(code: str, offices: int, pcs: int = 3) -> Inventory:
    """A Dzongkhag with HQ (router, 4 servers, ``pcs`` PCs) and ``offices`` offices, each with a
    router, an access point and ``pcs`` PCs; a star from HQ plus a link between office pairs."""
    prefix = code.lower()
    dz = Dzongkhag(
        name=f"{code.title()} (synthetic)", code=code, addressing=Addressing.model_validate(PLAN)
    )
    sites: dict[str, Site] = {}
    hosts: dict[str, Host] = {}
    links: list[WanLink] = []
    for n in range(offices + 1):
        key = "hq" if n == 0 else f"o{n:03d}"
        site = Site(
            key=key,
            id=n,
            name="Dzongkhag Administration (HQ)" if n == 0 else f"Office {n}",
            kind="hq" if n == 0 else "gewog",
            agency=f"Agency {n}",
            contacts=[Contact(name=f"Focal person {n}", phone=f"+975-2-{n:06d}")],
            vlans=[Vlan.model_validate(v) for v in VLANS],
            ssids=[
                Ssid(
                    name=f"{code}-Staff",
                    vlan=20,
                    security="wpa2-personal",
                    passphrase="not-a-real-secret",
                )
            ],
            lan_block=addressing.site_lan_block(PLAN, n),
            management_block=addressing.management_block(PLAN, n),
        )
        for vlan in site.vlans:
            vlan.subnet = addressing.vlan_subnet(PLAN, n, vlan.slot)
        sites[key] = site
        rtr = f"{prefix}-{key}-rtr"
        wan_ifs = [f"wan{i + 1}" for i in range(offices)] if n == 0 else ["wan1", "wan2"]
        hosts[rtr] = _host(
            site,
            rtr,
            "router",
            "frr",
            1,
            lan_interface="lan0",
            loopback=addressing.loopback(PLAN, n),
            interfaces=[*wan_ifs, "lan0"],
        )
        if n == 0:
            for name, role, host_id in SERVERS:
                hosts[f"{prefix}-hq-{name}"] = _host(
                    site, f"{prefix}-hq-{name}", role, "debian", host_id, lan_vlan=40
                )
        else:
            hosts[f"{prefix}-{key}-ap"] = _host(
                site, f"{prefix}-{key}-ap", "ap", "hostapd", 2, lan_vlan=10
            )
            subnet = addressing.wan_subnet(PLAN, n)
            a, b = addressing.wan_ends(subnet)
            links.append(
                WanLink(
                    id=n,
                    a=LinkEnd(host=f"{prefix}-hq-rtr", interface=f"wan{n}", address=a),
                    b=LinkEnd(host=rtr, interface="wan1", address=b),
                    subnet=subnet,
                    description=f"HQ to Office {n}",
                )
            )
        for p in range(pcs):
            name = f"{prefix}-{key}-pc{p + 1}"
            hosts[name] = _host(site, name, "pc", "debian", 10 + p, lan_vlan=20)
    for n in range(1, offices, 2):
        link_id = offices + 1 + n
        subnet = addressing.wan_subnet(PLAN, link_id)
        a, b = addressing.wan_ends(subnet)
        links.append(
            WanLink(
                id=link_id,
                cost=100,
                subnet=subnet,
                description="backup path",
                a=LinkEnd(host=f"{prefix}-o{n:03d}-rtr", interface="wan2", address=a),
                b=LinkEnd(host=f"{prefix}-o{n + 1:03d}-rtr", interface="wan2", address=b),
            )
        )
    return Inventory(
        root=Path(f"/synthetic/{prefix}"),
        dzongkhag=dz,
        sites=sites,
        hosts=dict(sorted(hosts.items())),
        links=links,
    )


def _mac(host: Host, index: int) -> str:
    value = int(host.mgmt_address) * 16 + index
    return ":".join(f"{b:02x}" for b in (0x02, *value.to_bytes(5, "big")))


def _neighbour(name: str, port: str, role: str) -> dict[str, Any]:
    capab = (
        ["bridge", "router"]
        if role == "router"
        else (["bridge", "wlan-access-point"] if role == "ap" else ["station"])
    )
    return {
        "parent_interface": "",
        "remote_chassis_id": name,
        "remote_port": port,
        "remote_port_description": port,
        "remote_system_name": name,
        "remote_system_description": "Debian GNU/Linux 12 (bookworm)",
        "remote_system_capab": capab,
        "remote_system_enable_capab": capab,
    }


def _mgmt_neighbours(inventory: Inventory, lldp: dict[str, dict[str, Any]]) -> None:
    """Every host sees every other one on the shared management network (``eth0``)."""
    for name in inventory.hosts:
        lldp[name]["eth0"] = [
            _neighbour(other.name, "eth0", other.role)
            for other in inventory.hosts.values()
            if other.name != name
        ]


def healthy_discovery(
    inventory: Inventory, when: str = "2026-01-15T06:00:00Z", mgmt_lldp: bool = False
) -> Discovery:
    """What discovery of ``inventory`` returns when everything is up, cabled and configured
    as intended, with lldpd on every Linux host (NAPALM shapes). With ``mgmt_lldp`` every
    host also sees every other one on its management interface ``eth0``, as in the lab."""
    records: dict[str, DeviceRecord] = {}
    addrs: dict[str, dict[str, list[IPv4Interface]]] = {h: {} for h in inventory.hosts}
    lldp: dict[str, dict[str, list[dict[str, Any]]]] = {h: {} for h in inventory.hosts}
    for link in inventory.links:
        for end, far in ((link.a, link.b), (link.b, link.a)):
            if end.address is not None:
                addrs[end.host].setdefault(end.interface, []).append(end.address)
            role = inventory.hosts[far.host].role
            lldp[end.host].setdefault(end.interface, []).append(
                _neighbour(far.host, far.interface, role)
            )
    for site in inventory.sites.values():
        members = inventory.site_hosts(site.key)
        for host in members:
            site_prefix = site.management_block.prefixlen if site.management_block else 24
            addrs[host.name]["eth0"] = [
                IPv4Interface((IPv4Address(host.mgmt_address), site_prefix))
            ]
            lan_if = host.lan_interface or "eth1"
            if host.role == "router":
                addrs[host.name][lan_if] = [
                    IPv4Interface((v.subnet.network_address + 1, v.subnet.prefixlen))
                    for v in site.vlans
                    if v.subnet is not None
                ]
                if host.loopback is not None:
                    addrs[host.name]["lo"] = [host.loopback]
            elif host.lan_address is not None:
                addrs[host.name][lan_if] = [host.lan_address]
            for other in members:
                if other.name != host.name:
                    lldp[host.name].setdefault(lan_if, []).append(
                        _neighbour(other.name, other.lan_interface or "eth1", other.role)
                    )
    if mgmt_lldp:
        _mgmt_neighbours(inventory, lldp)
    for name, host in inventory.hosts.items():
        ifaces = sorted(set(addrs[name]) | set(host.interfaces))
        records[name] = DeviceRecord(
            name=name,
            status="ok",
            method="synthetic",
            collected_at=when,
            last_seen=when,
            facts={
                "hostname": name,
                "fqdn": name,
                "vendor": "Synthetic",
                "model": {"router": "FRR router", "ap": "hostapd AP"}.get(host.role, "PC"),
                "serial_number": f"SN{int(host.mgmt_address):010d}",
                "os_version": "Debian 12",
                "uptime": 86400.0 * 3,
                "interface_list": ifaces,
            },
            interfaces={
                i: {
                    "is_up": True,
                    "is_enabled": True,
                    "description": "",
                    "last_flapped": -1.0,
                    "speed": 1000.0,
                    "mtu": 1500,
                    "mac_address": _mac(host, n),
                }
                for n, i in enumerate(ifaces)
            },
            interfaces_ip={
                i: {"ipv4": {str(a.ip): {"prefix_length": a.network.prefixlen} for a in v}}
                for i, v in sorted(addrs[name].items())
            },
            lldp_neighbors_detail=dict(sorted(lldp[name].items())),
        )
    return Discovery(
        dzongkhag=inventory.dzongkhag.code, started=when, finished=when, devices=records
    )
