"""Turn what an FRR router prints into NAPALM's getter shapes (napalm.base.models).

Pure functions of the text: the driver runs the commands, these read the output, and the
recorded-output tests feed them what a real router printed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from napalm.base import models

__all__ = [
    "FRR_SANITIZE_FILTERS",
    "lldp_neighbors",
    "parse_facts",
    "parse_interfaces",
    "parse_interfaces_ip",
    "parse_ping",
    "render_reload_diff",
    "syntax_errors",
]

# FRR's own secrets in its configuration (napalm.base.helpers.sanitize_config applies them).
FRR_SANITIZE_FILTERS = {
    r"^(\s*(?:enable )?password)(?: 8)? \S+$": r"\1 <removed>",
    r"^(\s*ip ospf message-digest-key \d+ md5) \S+$": r"\1 <removed>",
    r"^(\s*ip ospf authentication-key) \S+$": r"\1 <removed>",
    r"^(\s*ipv6 ospf6 authentication key-id \d+ hash-algo \S+ key) \S+$": r"\1 <removed>",
    r"^(\s*neighbor \S+ password) \S+$": r"\1 <removed>",
    r"^(\s*key-string) \S+$": r"\1 <removed>",
    r"^(\s*ip rip authentication string) \S+$": r"\1 <removed>",
    r"^(\s*isis password (?:clear|md5)) \S+$": r"\1 <removed>",
}

# lldpd's capability names -> NAPALM's (see NetworkDriver.get_lldp_neighbors_detail).
_LLDP_CAPABILITIES = {
    "Other": "other",
    "Repeater": "repeater",
    "Bridge": "bridge",
    "Wlan": "wlan-access-point",
    "Router": "router",
    "Tel": "telephone",
    "Docsis": "docsis-cable-device",
    "Station": "station",
}

_FRR_TIME = "%Y/%m/%d %H:%M:%S.%f"
_VERSION = re.compile(r"^FRRouting (?P<version>\S+) \((?P<hostname>[^)]*)\)", re.M)
_SYNTAX_ERROR = re.compile(r"^line \d+: .*$", re.M)
_PING_REPLY = re.compile(r"^\d+ bytes from (?P<ip>[^:\s]+).*time=(?P<rtt>[\d.]+) ms", re.M)
_PING_SUMMARY = re.compile(r"^(?P<sent>\d+) packets transmitted, (?P<received>\d+) received", re.M)
_PING_RTT = re.compile(r"= (?P<min>[\d.]+)/(?P<avg>[\d.]+)/(?P<max>[\d.]+)/(?P<mdev>[\d.]+) ms")


def parse_facts(
    *,
    show_version: str,
    ip_links_json: str,
    pid1_seconds: str,
    machine: str,
    machine_id: str,
    domainname: str,
) -> models.FactsDict:
    """get_facts from `show version`, `ip -json link show`, PID 1's age and a few files.

    The uptime is the age of PID 1: the system's uptime on a router, the container's in the lab
    (where /proc/uptime would give the host's). The serial number is /etc/machine-id, the one
    stable identifier every Linux router has.
    """
    match = _VERSION.search(show_version)
    if match is None:
        raise ValueError(f"not FRR's 'show version' output: {show_version[:80]!r}")
    hostname = match["hostname"]
    domain = domainname.strip()
    has_domain = domain not in ("", "(none)")
    return {
        "hostname": hostname,
        "fqdn": f"{hostname}.{domain}" if has_domain else hostname,
        "vendor": "FRRouting",
        "model": f"Linux {machine.strip()}",
        "os_version": match["version"],
        "serial_number": machine_id.strip(),
        "uptime": float(pid1_seconds.strip()),
        "interface_list": sorted(link["ifname"] for link in json.loads(ip_links_json)),
    }


def _frr_time(value: str) -> datetime:
    return datetime.strptime(value, _FRR_TIME)


def parse_interfaces(show_interface_json: str, now: str) -> dict[str, models.InterfaceDict]:
    """get_interfaces from `show interface json` and the router's clock (`date`, FRR's format).

    last_flapped is the seconds since the last link change zebra saw, -1.0 when it saw none.
    """
    device_now = _frr_time(now.strip())
    result: dict[str, models.InterfaceDict] = {}
    for name, data in json.loads(show_interface_json).items():
        changes = [_frr_time(data[key]) for key in ("lastLinkUp", "lastLinkDown") if key in data]
        last_flapped = (device_now - max(changes)).total_seconds() if changes else -1.0
        result[name] = {
            "is_enabled": data["administrativeStatus"] == "up",
            "is_up": data["operationalStatus"] == "up",
            "description": data.get("description", ""),
            "last_flapped": float(last_flapped),
            "mtu": int(data["mtu"]),
            "speed": float(data.get("speed", 0)),
            "mac_address": data.get("hardwareAddress", "").upper(),
        }
    return result


def parse_interfaces_ip(ip_json_address: str) -> dict[str, models.InterfacesIPDict]:
    """get_interfaces_ip from `ip -json address show` (the kernel's addresses, all families)."""
    result: dict[str, models.InterfacesIPDict] = {}
    for link in json.loads(ip_json_address):
        families: dict[str, dict[str, models.InterfacesIPDictEntry]] = {}
        for addr in link.get("addr_info", []):
            family = {"inet": "ipv4", "inet6": "ipv6"}.get(addr["family"])
            if family is None:
                continue
            ip = str(ipaddress.ip_address(addr["local"]))
            families.setdefault(family, {})[ip] = {"prefix_length": int(addr["prefixlen"])}
        if families:
            result[link["ifname"]] = families
    return result


def _as_list(value: Any) -> list[Any]:
    """lldpcli's JSON gives a lone item as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lldp_neighbor(port_name: str, data: dict[str, Any]) -> models.LLDPNeighborDetailDict:
    chassis_items = list(data.get("chassis", {}).items())
    system_name, chassis = chassis_items[0] if chassis_items else ("", {})
    if "id" in data.get("chassis", {}):
        # No system name: lldpcli puts the chassis fields directly under "chassis".
        system_name, chassis = "", data["chassis"]
    port = data.get("port", {})
    port_id = port.get("id", {})
    port_descr = port.get("descr", "")
    # A port id that is a MAC says little; lldpd puts the interface name in the description.
    if port_id.get("type") in ("ifname", "local") or not port_descr:
        remote_port = port_id.get("value", "")
    else:
        remote_port = port_descr
    capabilities = _as_list(chassis.get("capability"))
    return {
        "parent_interface": "",
        "remote_port": remote_port,
        "remote_port_description": port_descr,
        "remote_chassis_id": chassis.get("id", {}).get("value", ""),
        "remote_system_name": system_name,
        "remote_system_description": chassis.get("descr", ""),
        "remote_system_capab": sorted(
            _LLDP_CAPABILITIES.get(c["type"], "other") for c in capabilities
        ),
        "remote_system_enable_capab": sorted(
            _LLDP_CAPABILITIES.get(c["type"], "other") for c in capabilities if c.get("enabled")
        ),
    }


def lldp_neighbors(lldpcli_json: str) -> models.LLDPNeighborsDetailDict:
    """get_lldp_neighbors_detail from `lldpcli -f json show neighbors details`."""
    result: models.LLDPNeighborsDetailDict = {}
    for entry in _as_list(json.loads(lldpcli_json).get("lldp", {}).get("interface")):
        for local_port, data in entry.items():
            result.setdefault(local_port, []).append(_lldp_neighbor(local_port, data))
    return result


def parse_ping(output: str) -> models.PingDict:
    """The 'success' part of NAPALM's ping result from iputils ping's output."""
    summary = _PING_SUMMARY.search(output)
    if summary is None:
        raise ValueError(f"no ping statistics in: {output[-200:]!r}")
    sent, received = int(summary["sent"]), int(summary["received"])
    rtt = _PING_RTT.search(output)
    rtt_min, rtt_avg, rtt_max, rtt_mdev = (
        (float(rtt["min"]), float(rtt["avg"]), float(rtt["max"]), float(rtt["mdev"]))
        if rtt
        else (0.0, 0.0, 0.0, 0.0)
    )
    return {
        "probes_sent": sent,
        "packet_loss": sent - received,
        "rtt_min": rtt_min,
        "rtt_max": rtt_max,
        "rtt_avg": rtt_avg,
        "rtt_stddev": rtt_mdev,
        "results": [
            {"ip_address": m["ip"], "rtt": float(m["rtt"])} for m in _PING_REPLY.finditer(output)
        ],
    }


def syntax_errors(vtysh_check_output: str) -> list[str]:
    """The offending lines `vtysh -C -f FILE` reports, e.g. 'line 13: % Unknown command: ...'."""
    return [
        re.sub(r"\s+", " ", m.group(0)).strip() for m in _SYNTAX_ERROR.finditer(vtysh_check_output)
    ]


def _diff_entries(block: list[str]) -> list[list[str]]:
    """Split one section of `frr-reload.py --test` into its entries.

    Each entry starts at an unindented line: its context lines, then the line itself.
    """
    entries: list[list[str]] = []
    for line in block:
        if not line.strip():
            continue
        if not line.startswith(" ") or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    return entries


def _undo_negation(line: str) -> str:
    """frr-reload prints what it runs to delete a line; give back the line itself."""
    indent = line[: len(line) - len(line.lstrip())]
    text = line.lstrip()
    return indent + (text[3:] if text.startswith("no ") else f"no {text}")


@dataclass
class _DiffNode:
    """One configuration line in the diff tree: marked if it changes, with its sub-lines."""

    text: str
    sign: str = " "
    children: dict[str, _DiffNode] = field(default_factory=dict)

    def child(self, text: str) -> _DiffNode:
        return self.children.setdefault(text, _DiffNode(text))

    def render(self) -> list[str]:
        lines = [f"{self.sign}{self.text}"] if self.text else []
        for node in self.children.values():
            lines += node.render()
        return lines


def render_reload_diff(reload_test_output: str) -> str:
    """Turn `frr-reload.py --test` output into a config diff: '-' removed, '+' added lines.

    Changes are grouped under their context (an interface, a router block), shown once and
    unmarked unless the whole context itself is added or removed; removals come first.
    """
    sections: dict[str, list[str]] = {"-": [], "+": []}
    current: list[str] | None = None
    lines = reload_test_output.splitlines()
    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        if line == "Lines To Delete" and nxt.startswith("==="):
            current = sections["-"]
        elif line == "Lines To Add" and nxt.startswith("==="):
            current = sections["+"]
        elif line.startswith("===") or current is None:
            continue
        else:
            current.append(line)
    root = _DiffNode("")
    for sign, block in sections.items():
        for entry in _diff_entries(block):
            node = root
            for context in entry[:-1]:
                node = node.child(context)
            last = _undo_negation(entry[-1]) if sign == "-" else entry[-1]
            node.child(last).sign = sign
    return "\n".join(root.render())
