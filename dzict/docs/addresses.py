"""A device's addresses: those the inventory intends, those discovery found, and the two side
by side per interface as the pages list them."""

from __future__ import annotations

from ipaddress import IPv4Interface

from dzict.docs.discovery import DeviceRecord
from dzict.docs.topology import Address, Device, InterfaceRow
from dzict.inventory.model import Host, Site, WanLink


def discovered_addresses(record: DeviceRecord | None) -> dict[str, list[IPv4Interface]]:
    """IPv4 addresses per interface from ``get_interfaces_ip``, sorted."""
    if record is None or not record.reached:
        return {}
    result: dict[str, list[IPv4Interface]] = {}
    for name, families in sorted(record.interfaces_ip.items()):
        ipv4 = (families or {}).get("ipv4", {})
        result[name] = sorted(
            IPv4Interface(f"{ip}/{data['prefix_length']}") for ip, data in ipv4.items()
        )
    return result


def intended_addresses(host: Host, site: Site | None, links: list[WanLink]) -> list[Address]:
    """Every address the inventory gives a host, with the interface when it is known."""
    out: list[Address] = []
    mgmt = (
        IPv4Interface(f"{host.mgmt_address}/{site.management_block.prefixlen}")
        if (site is not None and site.management_block is not None)
        else IPv4Interface(host.mgmt_address)
    )
    out.append(Address("", mgmt, "management"))
    if host.loopback is not None:
        out.append(Address("lo", host.loopback, "loopback"))
    if host.role == "router" and site is not None:
        for vlan in site.vlans:
            if vlan.subnet is not None:
                gateway = IPv4Interface((vlan.subnet.network_address + 1, vlan.subnet.prefixlen))
                out.append(Address(host.lan_interface or "", gateway, f"gateway of VLAN {vlan.id}"))
    if host.lan_address is not None:
        out.append(Address(host.lan_interface or "", host.lan_address, f"LAN VLAN {host.lan_vlan}"))
    for link in links:
        for end, other in ((link.a, link.b), (link.b, link.a)):
            if end.host == host.name and end.address is not None:
                out.append(Address(end.interface, end.address, f"{link.name} to {other.host}"))
    return out


def interface_rows(
    device: Device,
    intended: list[Address],
    seen: dict[str, list[IPv4Interface]] | None = None,
) -> list[InterfaceRow]:
    """Intended and discovered interfaces side by side; an intended address not seen anywhere
    on the device is noted. Addresses match by IP: the management prefix of a site's block
    need not be the prefix of the network the host sits on. ``seen`` is the device's
    ``discovered_addresses`` when the caller has already parsed them."""
    record = device.record if device.state == "ok" else None
    if record is None:
        seen = {}
    elif seen is None:
        seen = discovered_addresses(record)
    raw = record.interfaces if record is not None else {}
    names = sorted({a.interface for a in intended if a.interface} | set(seen) | set(raw))
    rows = {name: InterfaceRow(name=name) for name in names}
    for name, row in rows.items():
        info = raw.get(name) or {}
        row.discovered = seen.get(name, [])
        row.is_up = info.get("is_up") if info else None
        row.mac = str(info.get("mac_address", "") or "")
        row.description = str(info.get("description", "") or "")
    everywhere = {addr.ip: name for name, addrs in seen.items() for addr in addrs}
    extra: list[InterfaceRow] = []
    for address in intended:
        where = everywhere.get(address.address.ip)
        if where is not None:
            rows[where].intended.append(address)
        elif address.interface:
            rows[address.interface].intended.append(address)
        else:
            extra.append(InterfaceRow(name="", intended=[address]))
    result = [
        row
        for row in [*rows.values(), *extra]
        if row.intended or row.discovered or row.is_up is not None
    ]
    if record is not None:
        for row in result:
            missing = [a for a in row.intended if a.address.ip not in everywhere]
            if missing:
                row.note = "not configured: " + ", ".join(str(a.address) for a in missing)
    return result
