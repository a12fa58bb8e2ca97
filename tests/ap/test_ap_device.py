"""Reading an access point's live state from output recorded on a lab access point.

``recorded/`` holds what ``ip -j -d link show`` and ``lldpcli -f json`` printed on the lab's
``dza-guma-ap`` after ``ap.apply`` (Debian 12, iproute2 6.1, lldpd 1.0.16).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dzict.ap import device
from dzict.ap.intent import ApIntent, intents
from dzict.inventory import load_inventory
from dzict.inventory.generate import LabSpec, generate

RECORDED = Path(__file__).with_name("recorded")


@pytest.fixture(scope="module")
def intent(tmp_path_factory: pytest.TempPathFactory) -> ApIntent:
    root = generate(
        tmp_path_factory.mktemp("ap") / "inv", LabSpec(sites=1, prefix="dza", base="198.19.96.0/19")
    )
    # the output was recorded when the lab carried SSID VLANs over VXLAN: keep that transport
    group_vars = root / "group_vars" / "access_points.yml"
    text = group_vars.read_text()
    group_vars.write_text(text.replace("ap_vlan_transport: interface", "ap_vlan_transport: vxlan"))
    return intents(load_inventory(root))["dza-guma-ap"]


def _links() -> dict[str, dict[str, object]]:
    return device.parse_links((RECORDED / "ip_link_converged.json").read_text())


def test_a_vxlan_transport_carries_each_ssid_vlan_to_the_router(intent: ApIntent) -> None:
    assert [(b.bridge, b.port, b.kind, b.local, b.remote) for b in intent.bridges] == [
        ("br-vlan20", "vx20", "vxlan", "198.19.113.2", "198.19.113.1"),
        ("br-vlan30", "vx30", "vxlan", "198.19.113.2", "198.19.113.1"),
    ]


def test_converged_bridges_have_no_problems(intent: ApIntent) -> None:
    assert device.bridge_problems(intent, _links()) == []


def test_a_missing_bridge_and_a_stale_one_are_named(intent: ApIntent) -> None:
    live = _links()
    del live["br-vlan30"]
    live["br-vlan99"] = {"ifname": "br-vlan99", "linkinfo": {"info_kind": "bridge"}}
    live["vx20"]["master"] = "br-other"
    assert device.bridge_problems(intent, live) == [
        "vx20 is not a port of br-vlan20",
        "bridge br-vlan30 is missing",
        "bridge br-vlan99 is no longer wanted",
    ]


def test_lldp_neighbour_on_the_trunk_is_the_office_router(intent: ApIntent) -> None:
    seen = device.parse_lldp((RECORDED / "lldpcli_neighbors.json").read_text())
    assert seen["lan0"]["name"] == intent.router == "dza-guma-rtr"


def test_lldp_description_carries_name_and_location(intent: ApIntent) -> None:
    mine = device.parse_lldp((RECORDED / "lldpcli_chassis.json").read_text(), "local-chassis")
    assert mine[""]["descr"] == intent.lldp_description


def test_diffs_show_secrets_as_digests() -> None:
    before = {
        "/etc/hostapd/wlan0.conf": device.Stored("ssid=A\nwpa_passphrase=old-secret-1\n", 0o600)
    }
    after = {
        "/etc/hostapd/wlan0.conf": device.Stored("ssid=A\nwpa_passphrase=new-secret-2\n", 0o600)
    }
    text = device.diff(dict(before), after)
    assert "old-secret-1" not in text
    assert "new-secret-2" not in text
    assert "-wpa_passphrase=<secret sha256:" in text
    assert "+wpa_passphrase=<secret sha256:" in text
    assert device.differs(dict(before), after)


def test_mode_changes_show_in_the_diff() -> None:
    path = "/usr/local/sbin/dzict-wifi-vlans"
    text = device.diff({path: device.Stored("x\n", 0o644)}, {path: device.Stored("x\n", 0o755)})
    assert text == f"mode {path}: 644 -> 755\n"


def test_recorded_json_is_what_lldpcli_writes() -> None:
    data = json.loads((RECORDED / "lldpcli_neighbors.json").read_text())
    assert "lldp" in data


def test_each_vlan_transport_renders_its_own_port(intent: ApIntent) -> None:
    import dataclasses

    from dzict.ap.render import VLAN_SCRIPT, files

    for kind, port, create in (
        ("vxlan", "vx20", "ip link add vx20 type vxlan id 20 local 198.19.113.2 remote"
                          " 198.19.113.1 dstport 4789 dev lan0"),
        ("vlan", "lan0.20", "ip link add link lan0 name lan0.20 type vlan id 20"),
        ("interface", "lan0.20", None),
    ):  # fmt: skip
        bridges = tuple(dataclasses.replace(b, kind=kind, port=port) for b in intent.bridges[:1])
        script = files(dataclasses.replace(intent, bridges=bridges))[VLAN_SCRIPT].text
        assert f"ip link set {port} master br-vlan20" in script
        assert ("ip link add" in script.replace("ip link add br-vlan20", "")) == bool(create)
        if create:
            assert create in script
