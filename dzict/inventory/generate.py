"""Write a lab inventory: HQ and N offices, every address inside one block of 198.18.0.0/15.

The built-in lab (``inventory/lab``) and every bigger or side-by-side lab come from here, in the
same format as a real Dzongkhag's inventory.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml

from dzict.inventory.model import LAB_RANGE

OFFICES = [
    ("guma", "Guma Gewog Centre", "gewog"),
    ("kabisa", "Kabisa Gewog Centre", "gewog"),
    ("talo", "Talo Gewog Centre", "gewog"),
    ("toewang", "Toewang Gewog Centre", "gewog"),
    ("hospital", "District Hospital", "hospital"),
    ("barp", "Barp Gewog Centre", "gewog"),
    ("chhubu", "Chhubu Gewog Centre", "gewog"),
    ("dzomi", "Dzomi Gewog Centre", "gewog"),
    ("goenshari", "Goenshari Gewog Centre", "gewog"),
    ("lingmukha", "Lingmukha Gewog Centre", "gewog"),
    ("shengana", "Shengana Gewog Centre", "gewog"),
    ("toepisa", "Toepisa Gewog Centre", "gewog"),
    ("school", "Central School", "school"),
    ("bhu", "Basic Health Unit", "bhu"),
    ("rnr", "RNR Extension Centre", "rnr"),
]
MAX_OFFICES = len(OFFICES)
LAB_PREFIX = 19
LAB_VAULT_PASSWORD = "dzict-lab-only-vault-password"
LAB_TICKET_LOG_KEY = "dzict-lab-only-ticket-log-key-2026"
"""Signs the lab's ticket log (see docs/ticket-log.md); a real Dzongkhag uses a random key."""
ADDRESS_VARS = {
    "ansible_host": "{{ mgmt_address }}",
    "mgmt_address": "{{ dzongkhag.addressing | dzict_mgmt_address(site_id, host_id) }}",
    "lan_address": (
        "{{ dzongkhag.addressing | dzict_lan_address(site_id, host_id, lan_vlan, vlans) }}"
    ),
    "lan_gateway": "{{ dzongkhag.addressing | dzict_lan_gateway(site_id, lan_vlan, vlans) }}",
}
VLANS = [
    {"id": 10, "name": "mgmt", "slot": 0},
    {"id": 20, "name": "staff", "slot": 1},
    {"id": 30, "name": "guest", "slot": 2, "isolated": True},
]
SERVER_VLAN = {"id": 40, "name": "servers", "slot": 3}
WIFI_RADIOS = {
    "2.4": {"channel": 6, "width": 20, "tx_power": 17},
    "5": {"channel": 36, "width": 80, "tx_power": 20},
}
#: Patching per group: batches, patch window (systemd calendar) and the software every host has.
BASELINE = [{"name": "dzict-agent"}, {"name": "dzict-baseline"}]
PATCHING: dict[str, dict[str, Any]] = {
    "pcs": {
        "patch_serial": [1, "25%", "100%"],
        "schedule_patch_window": "Wed *-*-* 13:00",
        "software_baseline_packages": BASELINE,
    },
    "servers": {
        "patch_serial": [1, "25%", "100%"],
        "schedule_patch_window": "Sat *-*-* 22:00",
        "software_baseline_packages": BASELINE,
    },
}
SCHEDULE = {"schedule_backup_time": "*-*-* 02:00"}
_WEEK = ("mon", "tue", "wed", "thu", "fri")
#: The service desk's working calendar and targets (``dzict.desk.calendar``): office hours by
#: season with the lunch hour, the public holidays with a fixed date, TTO/TTR in working hours.
SERVICE_DESK = {
    "service_desk": {
        "timezone": "Asia/Thimphu",
        "seasons": [
            {
                "name": "summer",
                "from": "02-16",
                "until": "11-15",
                "hours": dict.fromkeys(_WEEK, "09:00-13:00,14:00-17:00"),
            },
            {
                "name": "winter",
                "from": "11-16",
                "until": "02-15",
                "hours": dict.fromkeys(_WEEK, "09:00-13:00,14:00-16:00"),
            },
        ],
        "holidays": [
            {"date": "2026-01-02", "name": "Winter solstice (Nyilo)"},
            {"date": "2026-02-21", "name": "Birth anniversary of His Majesty the King"},
            {"date": "2026-02-22", "name": "Birth anniversary of His Majesty the King"},
            {"date": "2026-02-23", "name": "Birth anniversary of His Majesty the King"},
            {"date": "2026-05-02", "name": "Birth anniversary of the Third Druk Gyalpo"},
            {"date": "2026-11-01", "name": "Coronation of His Majesty the King"},
            {"date": "2026-11-11", "name": "Birth anniversary of the Fourth Druk Gyalpo"},
            {"date": "2026-12-17", "name": "National Day"},
        ],
        "targets": {
            "default": {"tto": 4, "ttr": 16},
            "wan": {"tto": 1, "ttr": 8},
            "lan": {"tto": 2, "ttr": 8},
            "wifi": {"tto": 2, "ttr": 8},
            "account": {"tto": 4, "ttr": 8},
            "os-patch": {"tto": 8, "ttr": 40},
            "backup": {"tto": 2, "ttr": 16},
        },
    }
}
#: Backups: every server's configuration and office files; the app server's databases too.
BACKUP_POLICY = {"backup_max_age_hours": 26}
BACKUP_SERVERS = {
    "backup_client_paths": ["/etc", "/srv/files"],
    "backup_client_excludes": ["*.tmp", "*~", ".cache"],
}
BACKUP_APP = {"backup_client_databases": ["postgresql", "mariadb"]}


@dataclass(frozen=True)
class LabSpec:
    """What to generate."""

    sites: int = 3
    prefix: str = "dzlab"
    base: str = "198.18.0.0/19"
    code: str = "LAB"
    name: str = "Lab Dzongkhag"


class _Dumper(yaml.SafeDumper):
    """Indents lists the way yamllint likes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(path: Path, data: Any, header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)
    path.write_text(f"---\n{header}{text}", encoding="utf-8")


def plan(base: IPv4Network) -> dict[str, Any]:
    """The address plan of a lab in the first /19 of ``base`` (inside 198.18.0.0/15).

    Half of the /19 holds the LANs (a /24 per site, a /26 per VLAN), the other half the
    management blocks (a /26 per site), the loopbacks and the WAN links.
    """
    if not base.subnet_of(LAB_RANGE):
        raise ValueError(f"lab base {base} is outside {LAB_RANGE}")
    if base.prefixlen > LAB_PREFIX:
        raise ValueError(f"lab base {base} is smaller than a /{LAB_PREFIX}")
    block = next(base.subnets(new_prefix=LAB_PREFIX))
    low, high = block.subnets(new_prefix=LAB_PREFIX + 1)
    small = list(low.subnets(new_prefix=24))
    return {
        "management": str(IPv4Network((small[0].network_address, 22))),
        "management_site_prefix": 26,
        "loopback": str(small[4]),
        "wan": str(small[5]),
        "wan_prefix": 30,
        "lan": str(high),
        "lan_site_prefix": high.prefixlen + 4,
        "vlan_prefix": high.prefixlen + 6,
    }


def _offices(count: int) -> list[tuple[str, str, str]]:
    if not 1 <= count <= MAX_OFFICES:
        raise ValueError(f"a lab has 1 to {MAX_OFFICES} offices, not {count}")
    return OFFICES[:count]


def _hosts(spec: LabSpec) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """hosts.yml and the WAN links."""
    p = spec.prefix
    offices = _offices(spec.sites)
    hq_router = f"{p}-hq-rtr"
    routers: dict[str, Any] = {
        hq_router: {
            "host_id": 1,
            "interfaces": [f"wan{n + 1}" for n in range(len(offices))] + ["lan0"],
        }
    }
    aps: dict[str, Any] = {}
    pcs: dict[str, Any] = {f"{p}-hq-pc": {"host_id": 10}}
    sites: dict[str, list[str]] = {
        "hq": [
            hq_router,
            f"{p}-hq-pc",
            f"{p}-hq-app",
            f"{p}-hq-files",
            f"{p}-hq-backup",
            f"{p}-hq-mirror",
        ]
    }
    links: list[dict[str, Any]] = []
    for n, (key, _name, _kind) in enumerate(offices, start=1):
        router = f"{p}-{key}-rtr"
        ifaces = ["wan1", "wan2", "lan0"] if n <= 2 and len(offices) >= 2 else ["wan1", "lan0"]
        routers[router] = {"host_id": 1, "interfaces": ifaces}
        aps[f"{p}-{key}-ap"] = {
            "host_id": 2,
            "ap_location": f"{_name}, main office",
            # neighbouring offices keep apart on 2.4 GHz: 1, 6, 11, 1, ...
            "ap_radios": {
                "2.4": {"channel": (1, 6, 11)[n % 3]},
                "5": {"channel": 36 + 16 * (n % 2)},
            },
        }
        pcs[f"{p}-{key}-pc"] = {"host_id": 10}
        sites[key] = [router, f"{p}-{key}-ap", f"{p}-{key}-pc"]
        links.append(
            {
                "id": n,
                "a": {"host": hq_router, "interface": f"wan{n}"},
                "b": {"host": router, "interface": "wan1"},
                "cost": 10,
                "description": f"HQ to {_name}",
            }
        )
    if len(offices) >= 2:
        first, second = (f"{p}-{offices[i][0]}-rtr" for i in (0, 1))
        links.append(
            {
                "id": len(offices) + 1,
                "a": {"host": first, "interface": "wan2"},
                "b": {"host": second, "interface": "wan2"},
                "cost": 100,
                "description": "backup path between the first two offices",
            }
        )
    hosts = {
        "all": {
            "children": {
                "routers": {"hosts": routers},
                "access_points": {"hosts": aps},
                "pcs": {"hosts": pcs},
                "servers": {
                    "hosts": {
                        f"{p}-hq-app": {
                            "host_id": 20,
                            "services": ["postgresql", "mariadb"],
                            "health_command": ["pg_isready", "-q"],
                            **BACKUP_APP,
                        },
                        f"{p}-hq-files": {
                            "host_id": 21,
                            "services": [],
                            "health_command": ["test", "-d", "/srv/files"],
                        },
                    },
                },
                "backup_hosts": {"hosts": {f"{p}-hq-backup": {"host_id": 22}}},
                "mirrors": {"hosts": {f"{p}-hq-mirror": {"host_id": 23}}},
                **{
                    f"site_{key}": {"hosts": dict.fromkeys(members)}
                    for key, members in sites.items()
                },
            }
        }
    }
    return hosts, links


def generate(out: Path, spec: LabSpec) -> Path:
    """Write a lab inventory for ``spec`` into ``out`` and return it."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    base = IPv4Network(spec.base)
    hosts, links = _hosts(spec)
    head = "# Generated by `invoke lab.generate`; edit the generator, not this file.\n"
    _dump(out / "hosts.yml", hosts, head)
    _dump(
        out / "group_vars" / "all" / "dzongkhag.yml",
        {
            "dzongkhag": {
                "name": spec.name,
                "code": spec.code,
                "lab": True,
                "addressing": plan(base),
            },
            "wan_links": links,
            "services": {"ntp_servers": [], "syslog_servers": [], "snmp_location": spec.name},
        },
        head,
    )
    _dump(out / "group_vars" / "all" / "addressing.yml", ADDRESS_VARS, head)
    _dump(out / "group_vars" / "all" / "schedule.yml", SCHEDULE, head)
    _dump(out / "group_vars" / "all" / "service_desk.yml", SERVICE_DESK, head)
    _dump(out / "group_vars" / "all" / "backup.yml", BACKUP_POLICY, head)
    _dump(
        out / "group_vars" / "all" / "network.yml",
        {
            "vlans": VLANS,
            "ssids": [
                {
                    "name": f"{spec.code}-Staff",
                    "vlan": 20,
                    "security": "wpa2-personal",
                    "passphrase": "{{ vault_staff_passphrase }}",
                },
                {
                    "name": f"{spec.code}-Guest",
                    "vlan": 30,
                    "security": "wpa2-personal",
                    "passphrase": "{{ vault_guest_passphrase }}",
                    "bands": ["2.4"],
                },
            ],
            "wifi_country": "BT",
            "wifi_radios": WIFI_RADIOS,
        },
        head,
    )
    _dump(
        out / "group_vars" / "all" / "lab.yml",
        {
            "lab": {
                "prefix": spec.prefix,
                "base": str(base),
                "state_dir": "{{ inventory_dir }}/.lab-state",
            },
            "ansible_user": "root",
            "ansible_ssh_private_key_file": "{{ lab.state_dir }}/id_ed25519",
            "ansible_ssh_common_args": (
                "-o UserKnownHostsFile={{ lab.state_dir }}/known_hosts -o StrictHostKeyChecking=yes"
            ),
            # The same known_hosts for Nornir (netmiko, NAPALM, paramiko), written by `lab up`.
            "ssh_known_hosts_file": "{{ lab.state_dir }}/known_hosts",
        },
        head,
    )
    vault = yaml.safe_dump(
        {
            "vault_staff_passphrase": "lab-staff-wifi-2026",
            "vault_guest_passphrase": "lab-guest-wifi-2026",
            "vault_restic_password": "lab-restic-repository-2026",
            "vault_snmp_community": "lab-snmp-ro",
            "vault_ticket_log_key": LAB_TICKET_LOG_KEY,
        },
        sort_keys=True,
    )
    secret = VaultSecret(LAB_VAULT_PASSWORD.encode())
    encrypted = VaultLib([("default", secret)]).encrypt(vault, secret)
    (out / "group_vars" / "all" / "vault.yml").write_bytes(encrypted)
    (out / "vault-password").write_text(LAB_VAULT_PASSWORD + "\n", encoding="utf-8")
    for role, data in {
        "routers": {
            "platform": "frr",
            "lan_vlan": None,
            "lan_interface": "lan0",
            "loopback": "{{ dzongkhag.addressing | dzict_loopback(site_id) }}",
        },
        "access_points": {
            "platform": "hostapd",
            "lan_vlan": 10,
            "lan_interface": "lan0",
            # the lab machine's kernel has no 802.1Q VLAN devices: SSID VLANs ride VXLAN
            "ap_vlan_transport": "interface",
        },
        "pcs": {"platform": "debian", "lan_vlan": 20, **PATCHING["pcs"]},
        "servers": {
            "platform": "debian",
            "lan_vlan": 40,
            **PATCHING["servers"],
            **BACKUP_SERVERS,
        },
        "backup_hosts": {"platform": "debian", "lan_vlan": 40},
        "mirrors": {"platform": "debian", "lan_vlan": 40},
    }.items():
        _dump(out / "group_vars" / f"{role}.yml", data, head)
    _dump(
        out / "group_vars" / "site_hq.yml",
        {
            "site_id": 0,
            "site_name": f"{spec.name} Administration (HQ)",
            "site_kind": "hq",
            "site_agency": f"{spec.name} Administration",
            "site_contacts": [
                {
                    "name": "ICT Officer",
                    "title": "Dzongkhag ICT Officer",
                    "phone": "+975-2-000000",
                    "email": "ict@lab.invalid",
                }
            ],
            "vlans": [*VLANS, SERVER_VLAN],
        },
        head,
    )
    for n, (key, name, kind) in enumerate(_offices(spec.sites), start=1):
        _dump(
            out / "group_vars" / f"site_{key}.yml",
            {
                "site_id": n,
                "site_name": name,
                "site_kind": kind,
                "site_agency": name,
                "site_contacts": [
                    {
                        "name": f"{name} focal person",
                        "title": "Administrative Officer",
                        "phone": f"+975-2-{n:06d}",
                        "email": f"{key}@lab.invalid",
                    }
                ],
            },
            head,
        )
    return out
