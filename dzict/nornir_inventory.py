"""A Nornir inventory plugin standing on Ansible's own inventory and variable managers.

Nornir sees exactly the hosts, groups and variables that Ansible sees (group_vars, host_vars,
vault values, the address plan's filters), because the values come from the same loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.configuration import Config, LoggingConfig
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.plugins.inventory import InventoryPluginRegister
from nornir.plugins.runners import ThreadedRunner

from dzict.exceptions import InventoryError
from dzict.inventory.build import Builder
from dzict.inventory.loader import load
from dzict.inventory.model import Inventory as Model

PLUGIN_NAME = "DzictAnsibleInventory"
NAPALM_DRIVERS = {"frr": "frr", "ios": "ios", "openwrt": "openwrt"}
NETMIKO_TYPES = {
    "frr": "linux",
    "hostapd": "linux",
    "debian": "linux",
    "ios": "cisco_ios",
    "openwrt": "linux",
}


def napalm_optional_args(
    platform: str, key_file: str | None, known_hosts: str | None, netmiko: dict[str, Any]
) -> dict[str, Any]:
    """NAPALM ``optional_args`` in each driver's own words: the FRR driver takes ``key_file``
    and ``known_hosts_file`` (and refuses unknown keys); netmiko-based drivers (IOS) take
    netmiko's arguments, host key checking included."""
    if platform == "frr":
        args = {"key_file": key_file, "known_hosts_file": known_hosts}
        return {k: v for k, v in args.items() if v}
    return dict(netmiko)


def connection_options(data: dict[str, Any]) -> dict[str, ConnectionOptions]:
    """Connection settings for napalm, netmiko and paramiko, with host key checking on."""
    key_file = data.get("ansible_ssh_private_key_file")
    known_hosts = data.get("ssh_known_hosts_file")
    platform = str(data.get("platform", ""))
    netmiko: dict[str, Any] = {"ssh_strict": True, "system_host_keys": False}
    if key_file:
        netmiko |= {"use_keys": True, "key_file": key_file, "allow_agent": False}
    if known_hosts:
        netmiko |= {"alt_host_keys": True, "alt_key_file": known_hosts}
    napalm_args = napalm_optional_args(platform, key_file, known_hosts, netmiko)
    options = {
        "netmiko": ConnectionOptions(platform=NETMIKO_TYPES.get(platform), extras=netmiko),
        "paramiko": ConnectionOptions(extras={"key_file": key_file, "known_hosts": known_hosts}),
    }
    if platform in NAPALM_DRIVERS:
        options["napalm"] = ConnectionOptions(
            platform=NAPALM_DRIVERS[platform], extras={"optional_args": napalm_args}
        )
    return options


class DzictAnsibleInventory:
    """Nornir inventory plugin: ``inventory_dir`` is an Ansible inventory folder."""

    def __init__(self, inventory_dir: str, vault_password_file: str | None = None) -> None:
        self.inventory_dir = Path(inventory_dir)
        self.vault_password_file = Path(vault_password_file) if vault_password_file else None

    def load(self) -> Inventory:
        """Load the hosts and groups; an invalid inventory raises InventoryError."""
        view = load(self.inventory_dir, self.vault_password_file)
        builder = Builder(view)
        model = builder.build()
        if model is None:
            raise InventoryError(builder.problems)
        return nornir_hosts(model)


def nornir_hosts(model: Model) -> Inventory:
    """Nornir's inventory from the typed one: the same hosts, groups and variables."""
    names = sorted({g for host in model.hosts.values() for g in host.groups})
    groups = Groups({name: Group(name=name) for name in names})
    defaults = Defaults()
    hosts = Hosts()
    for name, host in model.hosts.items():
        data = dict(host.vars)
        hosts[name] = Host(
            name=name,
            hostname=str(host.mgmt_address),
            username=data.get("ansible_user"),
            port=int(data.get("ansible_port", 22)),
            platform=str(data.get("platform")),
            groups=ParentGroups(groups[g] for g in host.groups),
            data=data,
            connection_options=connection_options(data),
            defaults=defaults,
        )
    return Inventory(hosts=hosts, groups=groups, defaults=defaults)


def nornir_of(model: Model, num_workers: int = 20) -> Nornir:
    """A Nornir object on an inventory already loaded and validated (nothing is read again)."""
    ConnectionPluginRegister.auto_register()  # napalm, netmiko... as InitNornir would
    return Nornir(
        inventory=nornir_hosts(model),
        runner=ThreadedRunner(num_workers=num_workers),
        config=Config(logging=LoggingConfig(enabled=False)),
    )


InventoryPluginRegister.register(PLUGIN_NAME, DzictAnsibleInventory)


def init_nornir(inventory_dir: Path, num_workers: int = 20, **options: Any) -> Nornir:
    """A Nornir object on the Ansible inventory at ``inventory_dir`` (threaded runner)."""
    return InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": num_workers}},
        inventory={
            "plugin": PLUGIN_NAME,
            "options": {"inventory_dir": str(inventory_dir), **options},
        },
        logging={"enabled": False},
    )
