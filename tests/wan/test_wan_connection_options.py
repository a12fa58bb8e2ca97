"""NAPALM connection options from the Nornir inventory, in each driver's own words."""

from __future__ import annotations

from pathlib import Path

from napalm import get_network_driver

from dzict.nornir_inventory import connection_options


def _files(tmp_path: Path) -> dict[str, str]:
    key, known = tmp_path / "id_ed25519", tmp_path / "known_hosts"
    key.write_text("key\n")
    known.write_text("198.18.64.1 ssh-ed25519 AAAA\n")
    return {"ansible_ssh_private_key_file": str(key), "ssh_known_hosts_file": str(known)}


def test_frr_driver_accepts_the_inventory_options(tmp_path: Path) -> None:
    data = {"platform": "frr", **_files(tmp_path)}
    options = connection_options(data)["napalm"]
    assert options.platform == "frr"
    args = options.extras["optional_args"]
    assert args == {
        "key_file": data["ansible_ssh_private_key_file"],
        "known_hosts_file": data["ssh_known_hosts_file"],
    }
    driver = get_network_driver("frr")
    device = driver("198.18.64.1", "root", "", optional_args=args)
    assert device.known_hosts_file == data["ssh_known_hosts_file"]


def test_ios_gets_netmiko_host_key_checking(tmp_path: Path) -> None:
    data = {"platform": "ios", **_files(tmp_path)}
    args = connection_options(data)["napalm"].extras["optional_args"]
    assert args["ssh_strict"] is True
    assert args["alt_host_keys"] is True
    assert args["alt_key_file"] == data["ssh_known_hosts_file"]
    assert args["key_file"] == data["ansible_ssh_private_key_file"]
