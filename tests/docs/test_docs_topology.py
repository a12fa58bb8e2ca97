"""The topology model: intended vs discovered devices, WAN links and office LANs."""

from __future__ import annotations

from ipaddress import IPv4Interface

from dzict.docs.discovery import Discovery
from dzict.docs.reconcile import build_topology
from dzict.docs.topology import Port
from dzict.inventory import Inventory

HQ, GUMA, KABISA, TALO = (f"dzlab-{s}-rtr" for s in ("hq", "guma", "kabisa", "talo"))


def _states(topology_links: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {link.name: link.state for link in topology_links}


def _drop(discovery: Discovery, host: str, interface: str) -> None:
    neighbours = discovery.devices[host].lldp_neighbors_detail
    assert neighbours is not None
    del neighbours[interface]


def test_healthy_network_has_no_mismatch(lab_inventory: Inventory, healthy: Discovery) -> None:
    topology = build_topology(lab_inventory, healthy)
    assert _states(topology.links) == {"wan1": "ok", "wan2": "ok", "wan3": "ok", "wan4": "ok"}
    assert topology.device_mismatches() == []
    assert topology.lan_mismatches() == []
    assert [d.name for d in topology.devices.values()][:2] == [HQ, "dzlab-hq-app"]
    assert {d.lan_state for d in topology.devices.values() if d.role != "router"} == {"ok"}


def test_link_seen_from_one_end_is_seen(lab_inventory: Inventory, healthy: Discovery) -> None:
    _drop(healthy, GUMA, "wan2")
    assert _states(build_topology(lab_inventory, healthy).links)["wan4"] == "ok"


def test_cut_link_is_missing(lab_inventory: Inventory, healthy: Discovery) -> None:
    _drop(healthy, GUMA, "wan2")
    _drop(healthy, KABISA, "wan2")
    topology = build_topology(lab_inventory, healthy)
    assert [(lk.name, lk.state) for lk in topology.link_mismatches()] == [("wan4", "missing")]
    assert topology.device_mismatches() == []


def test_link_with_both_ends_unreachable_is_unknown(
    lab_inventory: Inventory, healthy: Discovery
) -> None:
    healthy.devices[GUMA].status = "unreachable"
    healthy.devices[KABISA].status = "unreachable"
    topology = build_topology(lab_inventory, healthy)
    states = _states(topology.links)
    assert states["wan4"] == "unknown"
    assert states["wan1"] == states["wan2"] == "ok"  # HQ still sees them
    assert {d.name for d in topology.device_mismatches()} == {GUMA, KABISA}
    assert topology.devices[GUMA].state == "unreachable"


def test_miswired_link_is_missing_and_unexpected(
    lab_inventory: Inventory, healthy: Discovery
) -> None:
    """Guma's wan2 cable lands in Kabisa's lan0 instead of its wan2."""
    neighbours = healthy.devices[GUMA].lldp_neighbors_detail
    assert neighbours is not None
    neighbours["wan2"][0]["remote_port"] = neighbours["wan2"][0]["remote_port_description"] = "wan3"
    _drop(healthy, KABISA, "wan2")
    topology = build_topology(lab_inventory, healthy)
    mismatches = [(lk.name, lk.state) for lk in topology.link_mismatches()]
    assert ("wan4", "missing") in mismatches
    assert (f"{GUMA}:wan2--{KABISA}:wan3", "unexpected") in mismatches


def test_unknown_neighbour_is_unexpected_device(
    lab_inventory: Inventory, healthy: Discovery
) -> None:
    neighbours = healthy.devices[TALO].lldp_neighbors_detail
    assert neighbours is not None
    neighbours["wan9"] = [
        {
            "remote_system_name": "rogue-router.example",
            "remote_port": "ge-0/0/1",
            "remote_port_description": "",
            "remote_chassis_id": "aa:bb:cc:00:00:01",
            "remote_system_enable_capab": ["router"],
            "remote_system_capab": ["router"],
        }
    ]
    topology = build_topology(lab_inventory, healthy)
    rogue = topology.devices["rogue-router"]
    assert (rogue.state, rogue.site, rogue.role) == ("unexpected", "talo", "router")
    assert rogue.seen_by == [Port(TALO, "wan9")]
    assert [lk.name for lk in topology.link_mismatches()] == [f"{TALO}:wan9--rogue-router:ge-0/0/1"]


def test_unknown_host_on_lan_is_unexpected(lab_inventory: Inventory, healthy: Discovery) -> None:
    neighbours = healthy.devices[GUMA].lldp_neighbors_detail
    assert neighbours is not None
    neighbours["lan0"].append({"remote_system_name": "visitor-laptop", "remote_port": "eth0"})
    topology = build_topology(lab_inventory, healthy)
    assert [d.name for d in topology.lan_mismatches()] == ["visitor-laptop"]
    assert topology.link_mismatches() == []


def test_host_off_its_lan_is_missing(lab_inventory: Inventory, healthy: Discovery) -> None:
    """The Guma PC answers on management and speaks LLDP, yet nobody sees it on the LAN."""
    pc = "dzlab-guma-pc"
    healthy.devices[pc].lldp_neighbors_detail = {}
    for name in ("dzlab-guma-rtr", "dzlab-guma-ap"):
        lldp = healthy.devices[name].lldp_neighbors_detail
        assert lldp is not None
        for iface in lldp:
            lldp[iface] = [n for n in lldp[iface] if n["remote_system_name"] != pc]
    topology = build_topology(lab_inventory, healthy)
    assert [(d.name, d.lan_state) for d in topology.lan_mismatches()] == [(pc, "missing")]


def test_host_without_lldp_is_unverified(lab_inventory: Inventory, healthy: Discovery) -> None:
    pc = "dzlab-guma-pc"
    healthy.devices[pc].lldp_neighbors_detail = None
    for name in ("dzlab-guma-rtr", "dzlab-guma-ap"):
        lldp = healthy.devices[name].lldp_neighbors_detail
        assert lldp is not None
        for iface in lldp:
            lldp[iface] = [n for n in lldp[iface] if n["remote_system_name"] != pc]
    topology = build_topology(lab_inventory, healthy)
    assert topology.devices[pc].lan_state == "unverified"
    assert topology.lan_mismatches() == []


def test_wrong_address_is_noted(lab_inventory: Inventory, healthy: Discovery) -> None:
    healthy.devices[TALO].interfaces_ip["wan1"] = {"ipv4": {"198.18.5.22": {"prefix_length": 30}}}
    topology = build_topology(lab_inventory, healthy)
    link = next(lk for lk in topology.links if lk.name == "wan3")
    assert link.address_mismatch
    assert link.seen_b == [IPv4Interface("198.18.5.22/30")]
    row = next(r for r in topology.devices[TALO].interfaces if r.name == "wan1")
    assert row.note == "not configured: 198.18.5.14/30"


def test_windows_pc_is_not_discovered(lab_inventory: Inventory, healthy: Discovery) -> None:
    healthy.devices["dzlab-talo-pc"].status = "skipped"
    topology = build_topology(lab_inventory, healthy)
    assert topology.devices["dzlab-talo-pc"].state == "not-discovered"
