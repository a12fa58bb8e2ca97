"""Rendered FRR configuration, read back into blocks and compared with expected data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from dzict.exceptions import TemplateError
from dzict.inventory import Inventory
from dzict.wan.intent import all_intents, router_intent
from dzict.wan.render import render
from support.frrconf import GLOBAL, blocks

EXPECTED = Path(__file__).parent / "expected" / "frr"


@pytest.mark.parametrize("name", ["dzlab-guma-rtr", "dzlab-hq-rtr"])
def test_rendered_frr_matches_expected_blocks(lab_inventory: Inventory, name: str) -> None:
    expected = yaml.safe_load((EXPECTED / f"{name}.yaml").read_text())
    assert blocks(render(router_intent(lab_inventory, name))) == expected


def test_every_router_renders_every_intended_value(lab_inventory: Inventory) -> None:
    for name, intent in all_intents(lab_inventory).items():
        config = blocks(render(intent))
        assert f"hostname {name}" in config[GLOBAL]
        assert "no ipv6 forwarding" in config[GLOBAL]
        for iface in (intent.loopback, *intent.interfaces):
            lines = config[f"interface {iface.name}"]
            assert f"ip address {iface.address.cidr}" in lines
            assert f"ip ospf area {iface.area.dotted}" in lines
            assert ("ip ospf passive" in lines) is iface.passive
            assert (f"ip ospf cost {iface.cost}" in lines) is (iface.cost is not None)
        ospf = config["router ospf"]
        assert f"ospf router-id {intent.ospf.router_id}" in ospf
        assert ("default-information originate always" in ospf) is intent.is_hq
        extra = set(config) - {GLOBAL, "router ospf"}
        assert extra == {f"interface {i.name}" for i in (intent.loopback, *intent.interfaces)}


def test_static_default_and_timers_are_placed(lab_inventory: Inventory) -> None:
    intent = router_intent(lab_inventory, "dzlab-hq-rtr")
    wan = [dataclasses.replace(i, hello_interval=2, dead_interval=8) for i in intent.interfaces]
    from dzict.wan.intent import DEFAULT_ROUTE, Prefix, StaticRoute

    changed = dataclasses.replace(
        intent,
        interfaces=tuple(wan),
        static_routes=(StaticRoute(Prefix.of(DEFAULT_ROUTE), "198.18.31.254", "edge"),),
        ospf=dataclasses.replace(intent.ospf, default_originate_always=False),
    )
    config = blocks(render(changed))
    assert "ip route 0.0.0.0/0 198.18.31.254" in config[GLOBAL]
    assert "default-information originate" in config["router ospf"]
    assert "default-information originate always" not in config["router ospf"]
    assert {"ip ospf hello-interval 2", "ip ospf dead-interval 8"} <= set(config["interface wan1"])


def test_indentation_mistake_is_a_structural_error() -> None:
    with pytest.raises(ValueError, match="line 2"):
        blocks("hostname x\n ip address 1.2.3.4/32\n")


def test_missing_value_fails_loudly(lab_inventory: Inventory, tmp_path: Path) -> None:
    (tmp_path / "frr").mkdir()
    (tmp_path / "frr" / "frr.conf.j2").write_text("hostname {{ hostnme }}\n")
    with pytest.raises(TemplateError, match="hostnme"):
        render(router_intent(lab_inventory, "dzlab-hq-rtr"), templates=tmp_path)


def test_unknown_platform_is_refused(lab_inventory: Inventory) -> None:
    intent = dataclasses.replace(router_intent(lab_inventory, "dzlab-hq-rtr"), platform="junos")
    with pytest.raises(TemplateError, match="junos"):
        render(intent)
