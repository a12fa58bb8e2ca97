"""Turn what the router's Linux host prints into NAPALM's getter shapes (napalm.base.models).

The kernel (neighbours, counters, VRFs) answers through iproute2's JSON; the host's own services
(chrony or systemd-timesyncd for NTP, Net-SNMP's snmpd, the user database) through their
configuration files; traceroute through its text. Pure functions of the text, like parsers.py.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from napalm.base import constants, models
from napalm.base.helpers import mac

__all__ = [
    "arp_table",
    "chrony_sources",
    "interfaces_counters",
    "ipv6_neighbors",
    "login_users",
    "network_instances",
    "snmp_information",
    "timesyncd_servers",
    "traceroute",
    "users",
    "vrf_members",
]

DEFAULT_INSTANCE = "default"
#: Groups whose members hold full control of the router: sudo, or vtysh's configuration access.
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin", "frrvty"})
ADMIN_LEVEL = 15
LOGIN_LEVEL = 1
_COMMUNITY_KEYWORDS = ("rocommunity", "rwcommunity", "rocommunity6", "rwcommunity6")
NTP_PORT = 123
NTP_VERSION = 4
_NO_PASSWORD = ("", "*", "!", "!*", "x")
_HOP = re.compile(r"^\s*(?P<hop>\d+)\s+(?P<probes>.*)$")
# One probe of a hop: "*", "ADDRESS RTT ms" or "RTT ms" (same address as before), maybe "!H".
_PROBE = re.compile(
    r"""\*
    | (?P<ip>[0-9a-fA-F.:]+) \s+ (?P<rtt>[\d.]+) \s+ ms (?:\s+ ![A-Za-z0-9]*)?
    | (?P<rtt_only>[\d.]+) \s+ ms (?:\s+ ![A-Za-z0-9]*)?""",
    re.VERBOSE,
)


def _links(ip_json_details: str) -> list[dict[str, Any]]:
    """`ip -json -details link show`, without the empty objects iproute2 prints for links a
    `type` filter left out."""
    return [link for link in json.loads(ip_json_details or "[]") if "ifname" in link]


def vrf_members(ip_json_details: str) -> dict[str, str]:
    """Every interface's network instance: the VRF device it is enslaved to, else "default".

    A VRF device itself belongs to its own instance.
    """
    links = _links(ip_json_details)
    vrfs = {link["ifname"] for link in links if link.get("linkinfo", {}).get("info_kind") == "vrf"}
    members = {}
    for link in links:
        name = link["ifname"]
        master = link.get("master", "")
        members[name] = name if name in vrfs else master if master in vrfs else DEFAULT_INSTANCE
    return members


def network_instances(ip_json_details: str) -> dict[str, models.NetworkInstanceDict]:
    """get_network_instances: the default instance and one L3VRF per kernel VRF device."""
    links = {link["ifname"]: link for link in _links(ip_json_details)}
    result: dict[str, models.NetworkInstanceDict] = {}
    for name, instance in sorted(vrf_members(ip_json_details).items()):
        if instance == name:  # the VRF device: the instance, not one of its interfaces
            continue
        entry = result.setdefault(
            instance,
            {
                "name": instance,
                "type": "DEFAULT_INSTANCE" if instance == DEFAULT_INSTANCE else "L3VRF",
                "state": {"route_distinguisher": ""},
                "interfaces": {"interface": {}},
            },
        )
        entry["interfaces"]["interface"][name] = {}
    for name, link in links.items():
        if link.get("linkinfo", {}).get("info_kind") == "vrf" and name not in result:
            result[name] = {
                "name": name,
                "type": "L3VRF",
                "state": {"route_distinguisher": ""},
                "interfaces": {"interface": {}},
            }
    return result


def _neighbors(ip_neigh_json: str, members: dict[str, str], vrf: str) -> list[dict[str, Any]]:
    """Resolved neighbour entries (with a link-layer address), of one VRF when `vrf` is set."""
    wanted = DEFAULT_INSTANCE if vrf in ("default", "global") else vrf
    return [
        entry
        for entry in json.loads(ip_neigh_json or "[]")
        if entry.get("lladdr")
        and (not wanted or members.get(entry.get("dev", ""), DEFAULT_INSTANCE) == wanted)
    ]


def _age(entry: dict[str, Any]) -> float:
    """Seconds since the kernel last confirmed the neighbour (`ip -statistics`); -1.0 if unknown."""
    confirmed = entry.get("confirmed")
    return float(confirmed) if confirmed is not None else -1.0


def arp_table(ip_neigh_json: str, ip_links_json: str, vrf: str = "") -> list[models.ARPTableDict]:
    """get_arp_table from `ip -4 -json -statistics neigh show` and the links (for VRFs)."""
    members = vrf_members(ip_links_json)
    return [
        {
            "interface": entry["dev"],
            "mac": mac(entry["lladdr"]),
            "ip": entry["dst"],
            "age": _age(entry),
        }
        for entry in _neighbors(ip_neigh_json, members, vrf)
    ]


def ipv6_neighbors(ip_neigh_json: str) -> list[models.IPV6NeighborDict]:
    """get_ipv6_neighbors_table from `ip -6 -json -statistics neigh show`; the kernel's state."""
    return [
        {
            "interface": entry["dev"],
            "mac": mac(entry["lladdr"]),
            "ip": entry["dst"],
            "age": _age(entry),
            "state": ",".join(entry.get("state", [])),
        }
        for entry in _neighbors(ip_neigh_json, {}, "")
    ]


def interfaces_counters(ip_stats_json: str) -> dict[str, models.InterfaceCounterDict]:
    """get_interfaces_counters from `ip -json -statistics -statistics link show`.

    Linux counts packets, multicast received, errors and drops; it does not count broadcast
    packets, nor multicast sent: those are -1 (as NAPALM's EOS driver gives for a counter the
    device lacks). Unicast received is packets minus multicast; unicast sent is all packets sent.
    """
    result: dict[str, models.InterfaceCounterDict] = {}
    for link in _links(ip_stats_json):
        rx = link.get("stats64", {}).get("rx", {})
        tx = link.get("stats64", {}).get("tx", {})
        result[link["ifname"]] = {
            "tx_errors": int(tx.get("errors", 0)),
            "rx_errors": int(rx.get("errors", 0)),
            "tx_discards": int(tx.get("dropped", 0)),
            "rx_discards": int(rx.get("dropped", 0)),
            "tx_octets": int(tx.get("bytes", 0)),
            "rx_octets": int(rx.get("bytes", 0)),
            "tx_unicast_packets": int(tx.get("packets", 0)),
            "rx_unicast_packets": int(rx.get("packets", 0)) - int(rx.get("multicast", 0)),
            "tx_multicast_packets": -1,
            "rx_multicast_packets": int(rx.get("multicast", 0)),
            "tx_broadcast_packets": -1,
            "rx_broadcast_packets": -1,
        }
    return result


# -- NTP ------------------------------------------------------------------------------------


def _directives(text: str) -> list[list[str]]:
    """The non-comment lines of a configuration file, split into words."""
    lines = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split("!", 1)[0].strip()
        if line:
            lines.append(line.split())
    return lines


def _option(words: list[str], name: str, default: int) -> int:
    return int(words[words.index(name) + 1]) if name in words[:-1] else default


def chrony_sources(chrony_conf: str, kind: str) -> dict[str, models.NTPServerDict]:
    """The `server`/`pool` (kind "server") or `peer` (kind "peer") lines of chrony's files."""
    wanted = ("server", "pool") if kind == "server" else ("peer",)
    result: dict[str, models.NTPServerDict] = {}
    for words in _directives(chrony_conf):
        if words[0] not in wanted or len(words) < 2:
            continue
        result[words[1]] = {
            "address": words[1],
            "port": _option(words, "port", NTP_PORT),
            "version": _option(words, "version", NTP_VERSION),
            "association_type": words[0].upper(),
            "iburst": "iburst" in words,
            "prefer": "prefer" in words,
            "network_instance": DEFAULT_INSTANCE,
            "key_id": _option(words, "key", -1),
        }
    return result


def timesyncd_servers(timesyncd_conf: str) -> dict[str, models.NTPServerDict]:
    """The NTP= servers of systemd-timesyncd's files (FallbackNTP= only when NTP= is empty).

    A later `NTP=` line replaces the earlier ones, as in systemd's drop-in files.
    """
    chosen: dict[str, list[str]] = {"NTP": [], "FallbackNTP": []}
    for raw in timesyncd_conf.splitlines():
        key, sep, value = raw.strip().partition("=")
        if sep and key.strip() in chosen and not raw.lstrip().startswith(("#", ";")):
            chosen[key.strip()] = value.split()
    servers = chosen["NTP"] or chosen["FallbackNTP"]
    return {
        server: {
            "address": server,
            "port": NTP_PORT,
            "association_type": "SERVER",
            "network_instance": DEFAULT_INSTANCE,
        }
        for server in servers
    }


# -- SNMP -----------------------------------------------------------------------------------


def snmp_information(snmpd_conf: str) -> models.SNMPDict:
    """get_snmp_information from snmpd.conf (and its snmpd.conf.d files), "" when absent.

    Communities come from `rocommunity`/`rwcommunity` (and their IPv6 forms): the source they
    are limited to is the `acl` ("N/A" when none). Net-SNMP has no chassis id: "".
    """
    info: models.SNMPDict = {"chassis_id": "", "community": {}, "contact": "", "location": ""}
    for raw in snmpd_conf.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        keyword = words[0].lower()
        if keyword == "syslocation":
            info["location"] = " ".join(words[1:])
        elif keyword == "syscontact":
            info["contact"] = " ".join(words[1:])
        elif keyword in _COMMUNITY_KEYWORDS and len(words) > 1:
            source = words[2] if len(words) > 2 and not words[2].startswith("-") else "N/A"
            info["community"][words[1]] = {"acl": source, "mode": keyword[:2]}
    return info


# -- users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginUser:
    """An account that can log in: a shell listed in /etc/shells."""

    name: str
    uid: int
    home: str


def login_users(passwd: str, shells: str) -> list[LoginUser]:
    """The accounts of `getent passwd` whose shell is a login shell (/etc/shells)."""
    valid = {line.strip() for line in shells.splitlines() if line.strip().startswith("/")}
    found = []
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) == 7 and fields[6] in valid:
            found.append(LoginUser(fields[0], int(fields[2]), fields[5]))
    return found


def authorized_keys_command(user: LoginUser) -> str:
    """The command that prints one user's authorized SSH keys."""
    return f"cat {shlex.quote(user.home.rstrip('/') + '/.ssh/authorized_keys')}"


def _admins(group_db: str) -> set[str]:
    admins: set[str] = set()
    for line in group_db.splitlines():
        fields = line.split(":")
        if len(fields) == 4 and fields[0] in ADMIN_GROUPS:
            admins.update(member for member in fields[3].split(",") if member)
    return admins


def _passwords(shadow: str) -> dict[str, str]:
    hashes = {}
    for line in shadow.splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[1] not in _NO_PASSWORD:
            hashes[fields[0]] = fields[1]
    return hashes


def users(
    accounts: list[LoginUser], group_db: str, shadow: str, keys: dict[str, str]
) -> dict[str, models.UsersDict]:
    """get_users: every login account with its level, password hash and SSH keys.

    Level 15 for root and for members of sudo, wheel, admin or frrvty (vtysh may configure FRR),
    1 for any other login account. The password is the hash in /etc/shadow ("" when the
    account has none, is locked, or shadow cannot be read).
    """
    admins = _admins(group_db)
    passwords = _passwords(shadow)
    return {
        user.name: {
            "level": ADMIN_LEVEL if user.uid == 0 or user.name in admins else LOGIN_LEVEL,
            "password": passwords.get(user.name, ""),
            "sshkeys": [
                line.strip()
                for line in keys.get(user.name, "").splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ],
        }
        for user in accounts
    }


# -- traceroute -----------------------------------------------------------------------------


def traceroute(output: str, timeout: int) -> dict[int, models.TracerouteResultDictEntry]:
    """The 'success' part of NAPALM's traceroute result from `traceroute -n`'s output.

    A probe without an answer ("*") has the address and name "*" and the timeout as its rtt
    (as NAPALM's EOS driver gives); a probe without an address repeats the previous one's.
    """
    hops: dict[int, models.TracerouteResultDictEntry] = {}
    for line in output.splitlines():
        match = _HOP.match(line)
        if match is None:
            continue
        probes: dict[int, models.TracerouteDict] = {}
        previous = constants.TRACEROUTE_NULL_IP_ADDRESS
        for index, probe in enumerate(_PROBE.finditer(match["probes"]), start=1):
            if probe.group(0) == "*":
                address, rtt = constants.TRACEROUTE_NULL_IP_ADDRESS, timeout * 1000.0
            else:
                address = probe["ip"] or previous
                rtt = float(probe["rtt"] or probe["rtt_only"])
                previous = address
            probes[index] = {"rtt": rtt, "ip_address": address, "host_name": address}
        hops[int(match["hop"])] = {"probes": probes}
    return hops
