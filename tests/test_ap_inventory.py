"""Bad Wi-Fi input is rejected by the inventory check, naming the file and the key.

Each case edits one value of a freshly generated lab inventory and expects exactly the problem
an officer would need to fix it. Nothing here contacts an access point.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dzict.exceptions import InventoryError
from dzict.inventory import load_inventory
from dzict.inventory.generate import LabSpec, generate

AP = "dza-guma-ap"
Edit = Callable[[Path], None]


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """A two-office lab inventory, generated fresh for each case."""
    return generate(tmp_path / "inv", LabSpec(sites=2, prefix="dza", base="198.19.96.0/19"))


def _edit(relative: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    def apply(root: Path) -> None:
        path = root / relative
        data = yaml.safe_load(path.read_text()) if path.exists() else {}
        change(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return apply


def _site_ssids(*ssids: dict[str, Any]) -> Edit:
    return _edit("group_vars/site_guma.yml", lambda d: d.update(ssids=list(ssids)))


def _ap(**values: Any) -> Edit:
    def change(data: dict[str, Any]) -> None:
        data["all"]["children"]["access_points"]["hosts"][AP].update(values)

    return _edit("hosts.yml", change)


def _radios(band: str, **values: Any) -> Edit:
    return _edit("group_vars/all/network.yml", lambda d: d["wifi_radios"][band].update(values))


STAFF = {"name": "Staff", "vlan": 20, "security": "wpa2-personal", "passphrase": "long-enough"}
CASES: dict[str, tuple[Edit, str, str, str]] = {
    "passphrase too short": (
        _site_ssids(STAFF | {"passphrase": "short"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].passphrase",
        "passphrase is 5 characters; WPA needs 8 to 63",
    ),
    "passphrase too long": (
        _site_ssids(STAFF | {"passphrase": "x" * 64}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].passphrase",
        "64 characters",
    ),
    "passphrase not ASCII": (
        _site_ssids(STAFF | {"passphrase": "ཇོང་ཁ་wifi-2026"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].passphrase",
        "printable ASCII",
    ),
    "personal without passphrase": (
        _site_ssids({"name": "Staff", "vlan": 20, "security": "wpa3-personal"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].passphrase",
        "wpa3-personal needs a passphrase",
    ),
    "SSID over 32 bytes": (
        # 32 characters, but the Tibetan letter takes 3 bytes in UTF-8: 34 bytes
        _site_ssids(STAFF | {"name": "Dzongkhag Administration Staff ཝ"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].name",
        "bytes long; it must be 1 to 32 bytes",
    ),
    "SSID with a newline": (
        _site_ssids(STAFF | {"name": "Staff\nwpa=0"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].name",
        "control character",
    ),
    "VLAN outside 1-4094": (
        _site_ssids(STAFF | {"vlan": 5000}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].vlan",
        "less than or equal to 4094",
    ),
    "VLAN not defined at the office": (
        _site_ssids(STAFF | {"vlan": 99}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].vlan",
        "VLAN 99, which is not defined at site guma",
    ),
    "SSID on the AP management VLAN": (
        _site_ssids(STAFF | {"vlan": 10}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].vlan",
        f"the management VLAN of access point {AP}",
    ),
    "open SSID on a VLAN that is not isolated": (
        _site_ssids({"name": "Free", "vlan": 20, "security": "open"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].vlan",
        "must be on an isolated guest VLAN",
    ),
    "enterprise without RADIUS": (
        _site_ssids({"name": "Staff", "vlan": 20, "security": "wpa2-enterprise"}),
        "inv/group_vars/site_guma.yml",
        "ssids[0].radius_servers",
        "needs at least one RADIUS server",
    ),
    "SSID on a band without a radio": (
        _edit("group_vars/all/network.yml", lambda d: d["wifi_radios"].pop("5")),
        "inv/group_vars/all/network.yml",
        "ssids[0].bands",
        "band 5 GHz, which has no radio settings",
    ),
    "5 GHz channel not allowed in BT": (
        _radios("5", channel=149),
        "inv/group_vars/all/network.yml",
        "wifi_radios.5.channel",
        "channel 149 (80 MHz, 5735-5815 MHz) is not allowed on the 5 GHz band in BT",
    ),
    "2.4 GHz channel 14 not allowed in BT": (
        _ap(ap_radios={"2.4": {"channel": 14}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.2.4.channel",
        "not allowed on the 2.4 GHz band in BT; allowed: 1-13",
    ),
    "not a channel of the band": (
        _ap(ap_radios={"5": {"channel": 6}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.5.channel",
        "channel 6 is not a 5 GHz channel",
    ),
    "80 MHz block leaving the BT range": (
        _ap(ap_radios={"5": {"channel": 132}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.5.channel",
        "allowed: 36-64, 100-128",
    ),
    "80 MHz on 2.4 GHz": (
        _radios("2.4", width=80),
        "inv/group_vars/all/network.yml",
        "wifi_radios.2.4.width",
        "channel width 80 MHz is not used on the 2.4 GHz band",
    ),
    "transmit power above the BT limit": (
        _ap(ap_radios={"5": {"tx_power": 23}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.5.tx_power",
        "23 dBm is above the 20 dBm allowed on channel 36 in BT",
    ),
    "override in host_vars": (
        _edit(f"host_vars/{AP}.yml", lambda d: d.update(ap_radios={"5": {"channel": 165}})),
        f"inv/host_vars/{AP}.yml",
        "ap_radios.5.channel",
        "channel 165",
    ),
    "unknown radio setting": (
        _ap(ap_radios={"5": {"chanel": 40}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.5.chanel",
        "unknown key (did you mean channel?)",
    ),
    "unknown band": (
        _ap(ap_radios={"6": {"channel": 37}}),
        "inv/hosts.yml",
        f"{AP}.ap_radios.6",
        "'2.4' or '5'",
    ),
    "country without a channel table": (
        _edit("group_vars/all/network.yml", lambda d: d.update(wifi_country="NP")),
        "inv/group_vars/all/network.yml",
        "wifi_country",
        "no channel table for country NP (known: BT)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_wifi_input_names_file_and_key(inventory: Path, case: str) -> None:
    edit, file, key, message = CASES[case]
    edit(inventory)
    with pytest.raises(InventoryError) as caught:
        load_inventory(inventory)
    found = [(p.file, p.key) for p in caught.value.problems]
    matching = [p for p in caught.value.problems if (p.file, p.key) == (file, key)]
    assert matching, f"expected a problem at {file}: {key}, got {found}"
    assert any(message in p.message for p in matching), [p.message for p in matching]


def test_the_lab_inventory_is_valid_and_gives_each_ap_its_radios(inventory: Path) -> None:
    inv = load_inventory(inventory)
    guma = inv.hosts[AP].ap
    assert guma is not None
    assert guma.country == "BT"
    assert {band: (r.channel, r.width, r.tx_power) for band, r in guma.radios.items()} == {
        "2.4": (6, 20, 17),
        "5": (52, 80, 20),
    }
    assert guma.location == "Guma Gewog Centre, main office"
    site = inv.sites["guma"]
    assert [(s.name, s.vlan, s.security) for s in site.ssids] == [
        ("LAB-Staff", 20, "wpa2-personal"),
        ("LAB-Guest", 30, "wpa2-personal"),
    ]
    guest = site.vlan(30)
    assert guest is not None
    assert guest.isolated


def test_a_site_can_set_its_own_radios(inventory: Path) -> None:
    _edit(
        "group_vars/site_kabisa.yml",
        lambda d: d.update(wifi_radios={"2.4": {"channel": 1}, "5": {"channel": 100, "width": 40}}),
    )(inventory)
    ap = load_inventory(inventory).hosts["dza-kabisa-ap"].ap
    assert ap is not None
    # the AP's own overrides (11 and 36) still win over its site's defaults
    assert {b: (r.channel, r.width) for b, r in ap.radios.items()} == {
        "2.4": (11, 20),
        "5": (36, 40),
    }


def test_ap_tasks_stop_on_bad_input_before_contacting_anything(inventory: Path) -> None:
    import subprocess
    import sys

    CASES["5 GHz channel not allowed in BT"][0](inventory)
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "ap.plan", "-i", str(inventory)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    assert "network.yml: wifi_radios.5.channel: channel 149" in done.stderr
    assert "nothing was contacted" in done.stderr
