"""What the access points are told: rendered hostapd and OpenWrt files read back as data.

Each security mode, the radio settings and the VLAN bridges are compared with the structured
values the platform needs; the text layout is free, the settings are not.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from dzict.ap.intent import ApIntent, ap_intent
from dzict.ap.render import files, uci_quote
from dzict.exceptions import TemplateError
from dzict.inventory.model import (
    AccessPoint,
    Addressing,
    Dzongkhag,
    Host,
    Inventory,
    Radio,
    Site,
    Ssid,
    Vlan,
)
from support import apconf

RADIUS = {"radius_servers": ["198.19.96.20", "198.19.96.21"], "radius_secret": "r4dius-s3cret"}
SSIDS = [
    Ssid(name="Staff-WPA2", vlan=20, security="wpa2-personal", passphrase="staff-pass-2026"),
    Ssid(
        name="Staff-WPA3",
        vlan=20,
        security="wpa3-personal",
        passphrase="it's-sae-2026",
        bands=["5"],
    ),
    Ssid.model_validate({"name": "Corp", "vlan": 40, "security": "wpa2-enterprise", **RADIUS}),
    Ssid.model_validate(
        {"name": "Corp3", "vlan": 40, "security": "wpa3-enterprise", "hidden": True, **RADIUS}
    ),
    Ssid(name="Guest-ཝའི", vlan=30, security="open", bands=["2.4"]),
]


def _inventory(platform: str) -> Inventory:
    site = Site(
        key="guma",
        id=1,
        name="Guma Gewog Centre",
        kind="gewog",
        agency="Guma Gewog",
        vlans=[
            Vlan(id=10, name="mgmt", slot=0),
            Vlan(id=20, name="staff", slot=1),
            Vlan(id=30, name="guest", slot=2, isolated=True),
            Vlan(id=40, name="corp", slot=3),
        ],
        ssids=SSIDS,
        wifi_radios={"2.4": Radio(channel=11, width=40), "5": Radio(channel=100, width=80)},
    )
    common = {"site": "guma", "groups": [], "lan_interface": "lan0"}
    router = Host(
        name="guma-rtr",
        role="router",
        platform="frr",
        host_id=1,
        mgmt_address="198.19.96.65",
        **common,
    )
    radios = {"2.4": Radio(channel=11, width=40, tx_power=17), "5": Radio(channel=100, width=80)}
    ap = Host(
        name="guma-ap",
        role="ap",
        platform=platform,
        host_id=2,
        mgmt_address="198.19.96.66",
        lan_vlan=10,
        ap=AccessPoint(
            name="guma-ap-hall", location="Hall, first floor", country="BT", radios=radios
        ),
        **common,
    )
    return Inventory(
        root=Path("inv"),
        dzongkhag=Dzongkhag(
            name="Test",
            code="TST",
            addressing=Addressing(
                loopback="198.19.100.0/24",
                wan="198.19.101.0/24",
                management="198.19.96.0/22",
                lan="198.19.112.0/20",
            ),
        ),
        sites={"guma": site},
        hosts={"guma-rtr": router, "guma-ap": ap},
        links=[],
    )


@pytest.fixture(scope="module")
def hostapd_intent() -> ApIntent:
    inv = _inventory("hostapd")
    return ap_intent(inv, inv.hosts["guma-ap"])


@pytest.fixture(scope="module")
def hostapd_files(hostapd_intent: ApIntent) -> dict[str, Any]:
    return dict(files(hostapd_intent))


def test_the_24ghz_radio_settings(hostapd_files: dict[str, Any]) -> None:
    radio = apconf.hostapd(hostapd_files["/etc/hostapd/wlan0.conf"].text)[0]
    assert {k: radio[k] for k in ("interface", "driver", "country_code", "ieee80211d")} == {
        "interface": "wlan0",
        "driver": "nl80211",
        "country_code": "BT",
        "ieee80211d": "1",
    }
    # channel 11 at 40 MHz takes the channel below as its secondary (11 + 4 is not in BT)
    assert (radio["hw_mode"], radio["channel"], radio["ht_capab"]) == ("g", "11", "[HT40-]")
    assert "ieee80211ac" not in radio
    assert "ieee80211h" not in radio


def test_the_5ghz_radio_settings(hostapd_files: dict[str, Any]) -> None:
    radio = apconf.hostapd(hostapd_files["/etc/hostapd/wlan1.conf"].text)[0]
    # 80 MHz on 100: the block 100-112, centre channel 106; DFS band, so 802.11h
    assert {
        k: radio[k]
        for k in (
            "hw_mode",
            "channel",
            "ht_capab",
            "ieee80211ac",
            "vht_oper_chwidth",
            "vht_oper_centr_freq_seg0_idx",
            "ieee80211h",
        )
    } == {
        "hw_mode": "a",
        "channel": "100",
        "ht_capab": "[HT40+]",
        "ieee80211ac": "1",
        "vht_oper_chwidth": "1",
        "vht_oper_centr_freq_seg0_idx": "106",
        "ieee80211h": "1",
    }


BSS_KEYS = {"interface", "driver", "ctrl_interface", "ctrl_interface_group", "country_code",
            "ieee80211d", "ieee80211h", "hw_mode", "channel", "ieee80211n", "ht_capab",
            "ieee80211ac", "vht_oper_chwidth", "vht_oper_centr_freq_seg0_idx",
            "wmm_enabled"}  # fmt: skip
EXPECTED_24 = [
    {
        "ssid": "Staff-WPA2",
        "bridge": "br-vlan20",
        "auth_algs": "1",
        "wpa": "2",
        "wpa_key_mgmt": "WPA-PSK",
        "rsn_pairwise": "CCMP",
        "ieee80211w": "1",
        "wpa_passphrase": "staff-pass-2026",
    },
    {
        "bss": "wlan0_1",
        "ssid": "Corp",
        "bridge": "br-vlan40",
        "auth_algs": "1",
        "wpa": "2",
        "wpa_key_mgmt": "WPA-EAP",
        "rsn_pairwise": "CCMP",
        "ieee80211w": "1",
        "ieee8021x": "1",
        "nas_identifier": "guma-ap-hall",
        "auth_server_addr": ["198.19.96.20", "198.19.96.21"],
        "auth_server_port": ["1812", "1812"],
        "auth_server_shared_secret": ["r4dius-s3cret", "r4dius-s3cret"],
    },
    {
        "bss": "wlan0_2",
        "ssid": "Corp3",
        "bridge": "br-vlan40",
        "auth_algs": "1",
        "ignore_broadcast_ssid": "1",
        "wpa": "2",
        "wpa_key_mgmt": "WPA-EAP-SHA256",
        "rsn_pairwise": "CCMP",
        "ieee80211w": "2",
        "ieee8021x": "1",
        "nas_identifier": "guma-ap-hall",
        "auth_server_addr": ["198.19.96.20", "198.19.96.21"],
        "auth_server_port": ["1812", "1812"],
        "auth_server_shared_secret": ["r4dius-s3cret", "r4dius-s3cret"],
    },
    {
        "bss": "wlan0_3",
        "ssid": "Guest-ཝའི",
        "utf8_ssid": "1",
        "bridge": "br-vlan30",
        "auth_algs": "1",
        "ap_isolate": "1",
    },
]


def test_each_security_mode_on_24ghz(hostapd_files: dict[str, Any]) -> None:
    sections = apconf.hostapd(hostapd_files["/etc/hostapd/wlan0.conf"].text)
    found = [{k: v for k, v in s.items() if k not in BSS_KEYS} for s in sections]
    assert found == EXPECTED_24


def test_wpa3_personal_uses_sae_with_protected_management_frames(
    hostapd_files: dict[str, Any],
) -> None:
    sections = apconf.hostapd(hostapd_files["/etc/hostapd/wlan1.conf"].text)
    assert [s["ssid"] for s in sections] == ["Staff-WPA2", "Staff-WPA3", "Corp", "Corp3"]
    sae = sections[1]
    assert {k: sae[k] for k in ("bss", "wpa_key_mgmt", "ieee80211w", "sae_password")} == {
        "bss": "wlan1_1",
        "wpa_key_mgmt": "SAE",
        "ieee80211w": "2",
        "sae_password": "it's-sae-2026",
    }
    assert "wpa_passphrase" not in sae


def test_vlan_bridges_script_and_file_modes(hostapd_files: dict[str, Any]) -> None:
    script = hostapd_files["/usr/local/sbin/dzict-wifi-vlans"]
    assert script.mode == 0o755
    commands = [line for line in script.text.splitlines() if line.startswith("ip ")]
    assert (
        "ip link show lan0.30 >/dev/null 2>&1 || ip link add link lan0 name lan0.30 type vlan id 30"
        in commands
    )
    assert [c for c in commands if " master " in c] == [
        "ip link set lan0.20 master br-vlan20",
        "ip link set lan0.30 master br-vlan30",
        "ip link set lan0.40 master br-vlan40",
    ]
    assert hostapd_files["/etc/hostapd/wlan0.conf"].mode == 0o600
    assert hostapd_files["/etc/hostapd/wlan0.conf"].secret


def test_transmit_power_and_lldp_description(hostapd_files: dict[str, Any]) -> None:
    power = hostapd_files["/etc/systemd/system/hostapd@wlan0.service.d/dzict-txpower.conf"].text
    assert "ExecStartPost=/usr/sbin/iw dev wlan0 set txpower fixed 1700" in power.splitlines()
    auto = hostapd_files["/etc/systemd/system/hostapd@wlan1.service.d/dzict-txpower.conf"].text
    assert "ExecStartPost=/usr/sbin/iw dev wlan1 set txpower auto" in auto.splitlines()
    lldp = hostapd_files["/etc/lldpd.d/dzict-ap.conf"].text
    assert 'configure system description "guma-ap-hall, Hall, first floor"' in lldp.splitlines()


def _uci(intent: ApIntent, path: str) -> list[dict[str, Any]]:
    text = files(intent)[path].text
    return [dataclasses.asdict(s) for s in apconf.uci(text)]


def test_openwrt_wireless_sections() -> None:
    inv = _inventory("openwrt")
    sections = _uci(ap_intent(inv, inv.hosts["guma-ap"]), "/etc/dzict/wireless.uci")
    devices = [s for s in sections if s["type"] == "wifi-device"]
    assert devices == [
        {
            "type": "wifi-device",
            "name": "radio0",
            "options": {"band": "2g", "channel": "11", "htmode": "HT40", "country": "BT",
                        "txpower": "17", "disabled": "0"},
            "lists": {},
        },
        {
            "type": "wifi-device",
            "name": "radio1",
            "options": {"band": "5g", "channel": "100", "htmode": "VHT80", "country": "BT",
                        "disabled": "0"},
            "lists": {},
        },
    ]  # fmt: skip
    ifaces = {s["name"]: s["options"] for s in sections if s["type"] == "wifi-iface"}
    assert sorted(ifaces) == ["ssid0_2g", "ssid0_5g", "ssid1_5g", "ssid2_2g", "ssid2_5g",
                              "ssid3_2g", "ssid3_5g", "ssid4_2g"]  # fmt: skip
    assert ifaces["ssid0_2g"] == {"device": "radio0", "mode": "ap", "network": "vlan20",
                                  "ssid": "Staff-WPA2", "encryption": "psk2+ccmp",
                                  "key": "staff-pass-2026", "ieee80211w": "1"}  # fmt: skip
    assert ifaces["ssid1_5g"]["encryption"] == "sae"
    assert ifaces["ssid1_5g"]["key"] == "it's-sae-2026"  # the quote survives UCI quoting
    assert {k: ifaces["ssid3_5g"][k] for k in ("encryption", "hidden", "auth_server", "auth_port",
                                               "auth_secret", "nasid", "ieee80211w")} == {
        "encryption": "wpa3", "hidden": "1", "auth_server": "198.19.96.20", "auth_port": "1812",
        "auth_secret": "r4dius-s3cret", "nasid": "guma-ap-hall", "ieee80211w": "2",
    }  # fmt: skip
    assert ifaces["ssid4_2g"] == {"device": "radio0", "mode": "ap", "network": "vlan30",
                                  "ssid": "Guest-ཝའི", "encryption": "none",
                                  "isolate": "1"}  # fmt: skip


def test_openwrt_network_sections() -> None:
    inv = _inventory("openwrt")
    sections = _uci(ap_intent(inv, inv.hosts["guma-ap"]), "/etc/dzict/network.uci")
    assert sections[:2] == [
        {"type": "device", "name": "dev_vlan20",
         "options": {"type": "bridge", "name": "br-vlan20"}, "lists": {"ports": ["lan0.20"]}},
        {"type": "interface", "name": "vlan20",
         "options": {"device": "br-vlan20", "proto": "none"}, "lists": {}},
    ]  # fmt: skip
    assert [s["name"] for s in sections] == ["dev_vlan20", "vlan20", "dev_vlan30", "vlan30",
                                             "dev_vlan40", "vlan40"]  # fmt: skip


def test_uci_quote_round_trips() -> None:
    for value in ["plain", "it's", "a'b'c", "  spaced  ", "$HOME", "back\\slash"]:
        [section] = apconf.uci(f"config x 'y'\n\toption v {uci_quote(value)}\n")
        assert section.options["v"] == value


def test_a_template_naming_an_unknown_value_stops_rendering(
    hostapd_intent: ApIntent, tmp_path: Path
) -> None:
    broken = tmp_path / "hostapd"
    broken.mkdir()
    (broken / "hostapd.conf.j2").write_text("channel={{ radio.chanel }}\n")
    with pytest.raises(TemplateError, match="chanel"):
        files(hostapd_intent, templates=tmp_path)


def test_the_nornir_render_task_returns_the_files(hostapd_intent: ApIntent) -> None:
    from nornir.core import Nornir
    from nornir.core.inventory import Defaults, Groups, Hosts
    from nornir.core.inventory import Host as NornirHost
    from nornir.core.inventory import Inventory as NornirInventory
    from nornir.plugins.runners import SerialRunner

    from nornir_tasks.ap_render import ap_render

    hosts = Hosts({"guma-ap": NornirHost(name="guma-ap", platform="hostapd")})
    nr = Nornir(inventory=NornirInventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
                runner=SerialRunner())  # fmt: skip
    result = nr.run(task=ap_render, intents={"guma-ap": hostapd_intent})
    rendered = result["guma-ap"][0].result
    assert not result.failed
    assert rendered == files(hostapd_intent)
