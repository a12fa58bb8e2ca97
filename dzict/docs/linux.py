"""NAPALM-shaped getters for Linux hosts (PCs, servers, hostapd access points) over SSH.

There is no NAPALM driver for a plain Linux host here, so discovery runs a few read-only
commands through netmiko's ``linux`` device type and parses them into NAPALM's getter shapes:
``ip -j addr`` (interfaces and addresses), ``/proc/uptime``, ``/etc/os-release``, DMI or the
container's machine id (facts), and ``lldpcli -f json0 show neighbors details`` when lldpd runs.
The parsers are pure functions, tested on recorded output.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Protocol

SEP = "=====dzict-docs====="
COMMANDS: dict[str, str] = {
    "hostname": "hostname",
    "os_release": "cat /etc/os-release",
    "uptime": "cat /proc/uptime",
    "vendor": "cat /sys/class/dmi/id/sys_vendor",
    "model": "cat /sys/class/dmi/id/product_name",
    "serial": "cat /sys/class/dmi/id/product_serial",
    "container": "test -e /run/.containerenv && echo podman",
    "machine_id": "cat /etc/machine-id",
    "ip": "ip -j addr show",
    "lldp": "command -v lldpcli >/dev/null && lldpcli -f json0 show neighbors details"
    " || echo NO-LLDPCLI",
}


class Shell(Protocol):
    """What the collector needs of a connection: run one command, return its output."""

    def send_command(self, command_string: str, **kwargs: Any) -> Any:
        """Run a command and return its output."""


def script() -> str:
    """One shell line that runs every command, each output after a separator line."""
    parts = [f"echo {SEP}{key}; {{ {cmd}; }} 2>/dev/null" for key, cmd in COMMANDS.items()]
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
    so a podman container reports vendor "Podman", model "container" and its machine id."""
    hostname = out.get("hostname", "")
    in_container = out.get("container", "") == "podman"
    uptime = out.get("uptime", "").split()
    return {
        "hostname": hostname.split(".")[0],
        "fqdn": hostname,
        "vendor": "Podman" if in_container else out.get("vendor", ""),
        "model": "container" if in_container else out.get("model", ""),
        "serial_number": out.get("machine_id", "") if in_container else out.get("serial", ""),
        "os_version": os_version(out.get("os_release", "")),
        "uptime": float(uptime[0]) if uptime else -1.0,
        "interface_list": interfaces,
    }


def interfaces(ip_json: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """NAPALM ``get_interfaces`` and ``get_interfaces_ip`` from ``ip -j addr show``."""
    links = json.loads(ip_json or "[]")
    ifaces: dict[str, Any] = {}
    addresses: dict[str, Any] = {}
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
        families: dict[str, dict[str, Any]] = {}
        for info in link.get("addr_info", []):
            family = {"inet": "ipv4", "inet6": "ipv6"}.get(info.get("family", ""))
            if family is None:
                continue
            families.setdefault(family, {})[info["local"]] = {"prefix_length": info["prefixlen"]}
        if families:
            addresses[name] = families
    return ifaces, addresses


def _values(items: list[dict[str, Any]] | None) -> list[str]:
    return [str(item.get("value", "")) for item in items or []]


def _first(items: list[dict[str, Any]] | None) -> str:
    values = _values(items)
    return values[0] if values else ""


def lldp_neighbors(text: str) -> dict[str, list[dict[str, Any]]] | None:
    """NAPALM ``get_lldp_neighbors_detail`` from ``lldpcli -f json0 show neighbors details``;
    None when lldpcli is not installed (the host cannot tell its neighbours)."""
    if not text or text.strip() == "NO-LLDPCLI":
        return None
    data = json.loads(text)
    result: dict[str, list[dict[str, Any]]] = {}
    for lldp in data.get("lldp", []):
        for iface in lldp.get("interface", []):
            chassis = (iface.get("chassis") or [{}])[0]
            port = (iface.get("port") or [{}])[0]
            caps = chassis.get("capability", [])
            result.setdefault(str(iface["name"]), []).append(
                {
                    "parent_interface": "",
                    "remote_port": _first(port.get("id")),
                    "remote_port_description": _first(port.get("descr")),
                    "remote_chassis_id": _first(chassis.get("id")),
                    "remote_system_name": _first(chassis.get("name")),
                    "remote_system_description": _first(chassis.get("descr")),
                    "remote_system_capab": sorted(str(c["type"]).lower() for c in caps),
                    "remote_system_enable_capab": sorted(
                        str(c["type"]).lower() for c in caps if c.get("enabled")
                    ),
                }
            )
    return result


def collect(shell: Shell) -> dict[str, Any]:
    """Run the commands on one host and return the four getters' data."""
    out = split(str(shell.send_command(script(), read_timeout=30)))
    ifaces, addresses = interfaces(out.get("ip", ""))
    return {
        "facts": facts(out, sorted(ifaces)),
        "interfaces": ifaces,
        "interfaces_ip": addresses,
        "lldp_neighbors_detail": lldp_neighbors(out.get("lldp", "")),
    }
