"""NAPALM-shaped getters for Linux hosts (PCs, servers, hostapd access points) over SSH.

There is no NAPALM driver for a plain Linux host here, so discovery runs a few read-only
commands through netmiko's ``linux`` device type and parses them into NAPALM's getter shapes:
``ip -j addr`` (interfaces and addresses), ``/proc/uptime``, ``/etc/os-release``, DMI or the
container's machine id (facts), and ``lldpcli -f json show neighbors details`` when lldpd runs.
Addresses and LLDP neighbours are read by the FRR driver's own parsers (an FRR router is a
Linux host too), so a router and a PC describe a neighbour the same way.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Protocol

from dzict.napalm_frr import parsers

SEP = "=====dzict-docs====="
COMMANDS: dict[str, str] = {
    "hostname": "hostname",
    "os_release": "cat /etc/os-release",
    "uptime": "cat /proc/uptime",
    "vendor": "cat /sys/class/dmi/id/sys_vendor",
    "model": "cat /sys/class/dmi/id/product_name",
    "serial": "cat /sys/class/dmi/id/product_serial",
    "container": "test -e /run/.containerenv && echo podman",
    "ip": "ip -j addr show",
    "lldp": "command -v lldpcli >/dev/null && lldpcli -f json show neighbors details"
    " || echo NO-LLDPCLI",
}


class Shell(Protocol):
    """What the collector needs of a connection: run one command, return its output."""

    def send_command(self, command_string: str, **kwargs: Any) -> Any:
        """Run a command and return its output."""


def script() -> str:
    """One shell line that runs every command, each output after a separator line. The
    separator is split in two in the command itself, so the shell's echo of the command
    line can never be taken for output."""
    half = len(SEP) // 2
    parts = [
        f'echo {SEP[:half]}""{SEP[half:]}{key}; {{ {cmd}; }} 2>/dev/null'
        for key, cmd in COMMANDS.items()
    ]
    return "sh -c " + shlex.quote("; ".join(parts) + "; true")


def split(output: str) -> dict[str, str]:
    """The outputs of ``script()``, by command key."""
    result: dict[str, str] = {}
    for chunk in output.split(SEP)[1:]:
        key, _, text = chunk.partition("\n")
        result[key.strip()] = text.strip()
    return result


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
    if not text or text.strip() == "NO-LLDPCLI":
        return None
    return dict(parsers.lldp_neighbors(text))


def collect(shell: Shell) -> dict[str, Any]:
    """Run the commands on one host and return the four getters' data."""
    out = split(str(shell.send_command(script(), read_timeout=30, cmd_verify=False)))
    ifaces = interfaces(out.get("ip", ""))
    addresses = parsers.parse_interfaces_ip(out.get("ip", "") or "[]")
    return {
        "facts": facts(out, sorted(ifaces)),
        "interfaces": ifaces,
        "interfaces_ip": addresses,
        "lldp_neighbors_detail": lldp_neighbors(out.get("lldp", "")),
    }
