"""NAPALM-shaped getters for Linux hosts (PCs, servers, hostapd access points) over SSH.

There is no NAPALM driver for a plain Linux host here, so discovery runs a few read-only
commands over the project's SSH layer (``dzict.ssh``: one channel per command, each with its exit
status) and parses them into NAPALM's getter shapes:
``ip -j addr`` (interfaces and addresses), ``/proc/uptime``, ``/etc/os-release``, DMI or the
container's machine id (facts), and ``lldpcli -f json show neighbors details`` when lldpd runs.
Addresses and LLDP neighbours are read by the FRR driver's own parsers (an FRR router is a
Linux host too), so a router and a PC describe a neighbour the same way.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from napalm_frr import parsers
from napalm_frr.ssh import CommandResult

COMMANDS: dict[str, str] = {
    "hostname": "hostname",
    "os_release": "cat /etc/os-release",
    "uptime": "cat /proc/uptime",
    "vendor": "cat /sys/class/dmi/id/sys_vendor",
    "model": "cat /sys/class/dmi/id/product_name",
    "serial": "cat /sys/class/dmi/id/product_serial",
    "container": "test -e /run/.containerenv && echo podman",
    "ip": "ip -j addr show",
    "lldp": "lldpcli -f json show neighbors details",
}


class Shell(Protocol):
    """What the collector needs of a connection: commands side by side, each with its status."""

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        """Run the commands, each in its own channel; results in the same order."""
        ...


def outputs(shell: Shell) -> dict[str, str]:
    """Every command's standard output by key; "" for a command that failed (exit status not 0:
    no DMI in a container, no lldpcli on the host)."""
    results = shell.run_many(list(COMMANDS.values()))
    return {
        key: result.stdout.strip() if result.exit_status == 0 else ""
        for key, result in zip(COMMANDS, results, strict=True)
    }


def os_version(os_release: str) -> str:
    """``PRETTY_NAME`` of /etc/os-release."""
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key == "PRETTY_NAME":
            return value.strip().strip('"')
    return ""


def facts(out: dict[str, str], interfaces: list[str]) -> dict[str, Any]:
    """NAPALM ``get_facts``. In a container DMI describes the machine under it, not the host,
    and the machine id comes with the image, so a podman container reports vendor "Podman",
    model "container" and no serial number."""
    hostname = out.get("hostname", "")
    in_container = out.get("container", "") == "podman"
    uptime = out.get("uptime", "").split()
    return {
        "hostname": hostname.split(".")[0],
        "fqdn": hostname,
        "vendor": "Podman" if in_container else out.get("vendor", ""),
        "model": "container" if in_container else out.get("model", ""),
        "serial_number": "" if in_container else out.get("serial", ""),
        "os_version": os_version(out.get("os_release", "")),
        "uptime": float(uptime[0]) if uptime else -1.0,
        "interface_list": interfaces,
    }


def interfaces(ip_json: str) -> dict[str, Any]:
    """NAPALM ``get_interfaces`` from ``ip -j addr show``."""
    links = json.loads(ip_json or "[]")
    ifaces: dict[str, Any] = {}
    for link in links:
        name = str(link["ifname"])
        flags = link.get("flags", [])
        ifaces[name] = {
            "is_up": link.get("operstate") == "UP"
            or (link.get("operstate") == "UNKNOWN" and "LOWER_UP" in flags),
            "is_enabled": "UP" in flags,
            "description": str(link.get("ifalias", "")),
            "last_flapped": -1.0,
            "speed": -1.0,
            "mtu": int(link.get("mtu", 0)),
            "mac_address": str(link.get("address", "")) if name != "lo" else "",
        }
    return ifaces


def lldp_neighbors(text: str) -> dict[str, list[dict[str, Any]]] | None:
    """NAPALM ``get_lldp_neighbors_detail`` from ``lldpcli -f json show neighbors details``;
    None when lldpcli is not installed (the host cannot tell its neighbours)."""
    if not text.strip():
        return None
    return dict(parsers.lldp_neighbors(text))


def collect(shell: Shell) -> dict[str, Any]:
    """Run the commands on one host and return the four getters' data."""
    out = outputs(shell)
    ifaces = interfaces(out.get("ip", ""))
    addresses = parsers.parse_interfaces_ip(out.get("ip", "") or "[]")
    return {
        "facts": facts(out, sorted(ifaces)),
        "interfaces": ifaces,
        "interfaces_ip": addresses,
        "lldp_neighbors_detail": lldp_neighbors(out.get("lldp", "")),
    }
