"""Cisco IOS configuration: golden files, and a real IOS parser checks the structure.

Regenerate the golden files after an intended template change with
``DZICT_UPDATE_GOLDEN=1 pytest tests/wan/test_wan_render_ios.py`` and review the git diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ciscoconfparse2 import CiscoConfParse
from hier_config import Platform, WorkflowRemediation, get_hconfig

from dzict.inventory import Inventory
from dzict.wan.intent import RouterIntent, router_intent, routers
from dzict.wan.render import render

GOLDEN = Path(__file__).parent / "golden" / "ios"
LAB_ROUTERS = ["dzlab-guma-rtr", "dzlab-hq-rtr", "dzlab-kabisa-rtr", "dzlab-talo-rtr"]
PUNAKHA_IOS = ["pnk-hosp-rtr01", "pnk-hq-rtr01"]
#: The lab's FRR routers rendered as if they were IOS, and Punakha's real IOS routers.
CASES = [("lab", name) for name in LAB_ROUTERS] + [("punakha", name) for name in PUNAKHA_IOS]


@pytest.fixture
def inventories(lab_inventory: Inventory, punakha_inventory: Inventory) -> dict[str, Inventory]:
    return {"lab": lab_inventory, "punakha": punakha_inventory}


def _ios(inventory: Inventory, name: str) -> tuple[RouterIntent, str]:
    intent = router_intent(inventory, name, platform="ios")
    return intent, render(intent)


def test_punakha_ios_routers_are_all_covered(punakha_inventory: Inventory) -> None:
    ios = [h.name for h in punakha_inventory.by_role("router") if h.platform == "ios"]
    assert sorted(ios) == PUNAKHA_IOS


def test_golden_list_covers_every_lab_router(lab_inventory: Inventory) -> None:
    assert routers(lab_inventory) == LAB_ROUTERS


@pytest.mark.parametrize(("where", "name"), CASES)
def test_ios_matches_golden_file(inventories: dict[str, Inventory], where: str, name: str) -> None:
    _intent, text = _ios(inventories[where], name)
    golden = GOLDEN / f"{name}.cfg"
    if os.environ.get("DZICT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


@pytest.mark.parametrize(("where", "name"), CASES)
def test_ios_structure_parsed_by_ciscoconfparse(
    inventories: dict[str, Inventory], where: str, name: str
) -> None:
    intent, text = _ios(inventories[where], name)
    parse = CiscoConfParse(text.splitlines(), syntax="ios")
    interfaces = {o.text.removeprefix("interface "): o for o in parse.find_objects(r"^interface ")}
    routed = (intent.loopback, *intent.interfaces)
    assert set(interfaces) == {i.name for i in routed} | {intent.lan_port}
    for iface in routed:
        children = [c.text.strip() for c in interfaces[iface.name].children]
        assert f"ip address {iface.address.ip} {iface.address.netmask}" in children
        if iface.area is None:
            assert not [c for c in children if c.startswith("ip ospf")]
        else:
            assert f"ip ospf 1 area {iface.area.number}" in children
        if iface.vlan is not None:
            assert iface.name.endswith(f".{iface.vlan}")
            assert f"encapsulation dot1Q {iface.vlan}" in children
    (ospf,) = parse.find_objects(r"^router ospf 1$")
    ospf_lines = [c.text.strip() for c in ospf.children]
    passive = {
        m.group(1) for line in ospf_lines if (m := re.match(r"passive-interface (\S+)", line))
    }
    assert passive == set(intent.ospf.passive)
    assert passive <= set(interfaces)
    always = "default-information originate always" in ospf_lines
    assert always is intent.ospf.default_originate_always
    plain = "default-information originate" in ospf_lines
    assert plain is (intent.ospf.default_originate and not always)
    routes = [o.text for o in parse.find_objects(r"^ip route ")]
    assert routes == [
        f"ip route {r.prefix.network} {r.prefix.netmask} {r.next_hop} name {r.name}"
        for r in intent.static_routes
    ]
    users = [o.text for o in parse.find_objects(r"^username ")]
    assert users == [
        f"username {u.name} privilege {u.privilege} secret {u.secret_type} {u.secret}"
        for u in intent.users
    ]
    for server in intent.ntp_servers:
        assert parse.find_objects(rf"^ntp server {re.escape(server)}$")
    for server in intent.syslog_servers:
        assert parse.find_objects(rf"^logging host {re.escape(server)}$")
    for rng in intent.ospf.ranges:
        assert (
            f"area {rng.area.number} range {rng.prefix.network} {rng.prefix.netmask}" in ospf_lines
        )
    (archive,) = parse.find_objects(r"^archive$")
    assert f"path {intent.archive_path}" in [c.text.strip() for c in archive.children]
    assert parse.find_objects(r"^banner motd \^C.+\^C$")
    assert parse.find_objects(r"^lldp run$")
    (vty,) = parse.find_objects(r"^line vty")
    assert "transport input ssh" in [c.text.strip() for c in vty.children]


@pytest.mark.parametrize(("where", "name"), CASES)
def test_hier_config_sees_no_remediation_against_golden(
    inventories: dict[str, Inventory], where: str, name: str
) -> None:
    _intent, text = _ios(inventories[where], name)
    running = get_hconfig(Platform.CISCO_IOS, (GOLDEN / f"{name}.cfg").read_text())
    generated = get_hconfig(Platform.CISCO_IOS, text)
    remediation = WorkflowRemediation(running, generated).remediation_config
    assert list(remediation.all_children_sorted()) == []
    ospf = generated.get_child(equals="router ospf 1")
    assert ospf is not None
    assert ospf.get_child(startswith="router-id ") is not None


def test_hier_config_remediation_finds_a_changed_cost(lab_inventory: Inventory) -> None:
    _intent, text = _ios(lab_inventory, "dzlab-guma-rtr")
    running = get_hconfig(Platform.CISCO_IOS, text.replace("ip ospf cost 100", "ip ospf cost 5"))
    remediation = WorkflowRemediation(running, get_hconfig(Platform.CISCO_IOS, text))
    lines = [line.cisco_style_text() for line in remediation.remediation_config.all_children()]
    assert "  ip ospf cost 100" in lines or " ip ospf cost 100" in lines
