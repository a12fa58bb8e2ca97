"""Every top-level variable an inventory may set, so that a misspelt one is an error.

The rule (docs/architecture.md, "Inventory conventions"): a top-level variable of the hosts file,
group_vars or host_vars must be

* a variable of the inventory model (``MODEL``) or one a job of this project reads (``JOBS``),
* an option a role documents in ``roles/*/meta/argument_specs.yml``,
* or prefixed ``ansible_`` (Ansible's own connection settings) or ``vault_`` (secrets).

Anything else is reported with the nearest known name (difflib). Inside the structures the model
owns (``dzongkhag``, ``wan_links``, ``vlans``, ``ssids``, ``site_contacts``, the radio settings)
the pydantic models themselves refuse unknown keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
ALLOWED_PREFIXES = ("ansible_", "vault_")
CLOSE_ENOUGH = 0.7

MODEL: dict[str, str] = {
    "dzongkhag": "name, code, lab flag and address plan of the Dzongkhag",
    "wan_links": "the WAN links: id, both ends, OSPF cost",
    "services": "Dzongkhag services (NTP, syslog, SNMP); on a server: the services it runs",
    "site_id": "stable number of a site (its address blocks)",
    "site_name": "name of a site",
    "site_kind": "hq, gewog, drungkhag, hospital, bhu, school, rnr, office",
    "site_agency": "the agency a site serves",
    "site_contacts": "the agency's contacts at a site",
    "vlans": "the VLANs of a site",
    "ssids": "the wireless networks of a site",
    "wifi_country": "regulatory country of a site's access points",
    "wifi_radios": "radio settings of a site's access points, per band",
    "platform": "frr, ios, hostapd, openwrt, debian, windows",
    "host_id": "stable number of a host within its site (its addresses)",
    "mgmt_address": "management address (derived; written out to override)",
    "lan_vlan": "the VLAN of a host's LAN address",
    "lan_address": "LAN address (derived; written out to override)",
    "lan_gateway": "LAN gateway (derived; written out to override)",
    "loopback": "router loopback (derived; written out to override)",
    "lan_interface": "the interface towards the office LAN",
    "interfaces": "a router's interfaces",
    "ap_name": "access point name (LLDP, RADIUS NAS-Identifier)",
    "ap_location": "where an access point hangs",
    "ap_radios": "an access point's changes to its site's radio settings",
    "ap_vlan_transport": "how SSID VLANs reach an access point's trunk",
    "asset": "the officers' record of a device: vendor, model, serial",
}

JOBS: dict[str, str] = {
    "ospf_area": "WAN: OSPF area of a site's LANs",
    "ospf_summarise": "WAN: announce a site's LAN block as one range",
    "ospf_hello_interval": "WAN: OSPF hello timer of the WAN links",
    "ospf_dead_interval": "WAN: OSPF dead timer of the WAN links",
    "internet_uplink": "WAN: HQ's link to the internet service provider",
    "router_users": "WAN: local users of routers that keep them in their configuration",
    "router_banner": "WAN: login banner",
    "router_archive_path": "WAN: where a router archives its configurations",
    "wan_canary": "WAN: the office changed first in a staged rollout",
    "backup_max_age_hours": "backups: age after which a backup is stale",
    "backup_via": "backups: the status entry whose backup covers a host",
    "backup_control_paths": "backups: what the control node backs up",
    "backup_control_retention": "backups: how long the control node keeps its backups",
    "patch_serial": "patching: rolling batches of a role group",
    "patch_pc_services": "patching: services checked on PCs after patching",
    "patch_backup_max_age_hours": "patching: backup age the patch run accepts",
    "health_url": "patching: a server's health page",
    "health_command": "patching: a server's health check command",
    "schedule_backup_time": "timers: when backups run",
    "schedule_patch_window": "timers: a role group's patch window",
    "service_desk": "service desk: working calendar (seasons, holidays) and TTO/TTR targets",
    "lab": "the lab: container prefix, address base, state folder",
    "ssh_known_hosts_file": "the known_hosts file of the control node's SSH logins",
}


@cache
def role_variables(roles_dir: Path = ROLES_DIR) -> frozenset[str]:
    """Option names documented by every role's ``meta/argument_specs.yml``."""
    names: set[str] = set()
    for spec_file in sorted(roles_dir.glob("*/meta/argument_specs.yml")):
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        for entry in (spec.get("argument_specs") or {}).values():
            names |= set((entry or {}).get("options") or {})
    return frozenset(names)


def known_variables() -> frozenset[str]:
    """Every top-level variable name that is not prefixed ``ansible_`` or ``vault_``."""
    return frozenset(MODEL) | frozenset(JOBS) | role_variables()


def is_known(name: str) -> bool:
    """True when an inventory may set this top-level variable."""
    return name.startswith(ALLOWED_PREFIXES) or name in known_variables()


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The known name closest to a misspelt one, if any is close enough."""
    found = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=CLOSE_ENOUGH)
    return found[0] if found else None


def unknown_message(name: str, suggestion: str | None) -> str:
    """The problem text for an unknown key."""
    if suggestion:
        return f"unknown key (did you mean {suggestion}?)"
    return "unknown key (not a variable of the inventory model, of a role, ansible_* or vault_*)"


def unknown_top_level(keys: Iterable[Any]) -> list[tuple[str, str | None]]:
    """The unknown names among ``keys``, each with its suggestion."""
    known = known_variables()
    return [(str(k), suggest(str(k), known)) for k in keys if not is_known(str(k))]
