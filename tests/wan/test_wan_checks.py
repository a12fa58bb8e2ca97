"""The reachability matrix, post-check expectations, and OSPF neighbour output (recorded)."""

from __future__ import annotations

import json
from pathlib import Path

from dzict.inventory import Inventory
from dzict.wan.checks import (
    context,
    expectations,
    missing_addresses,
    missing_neighbours,
    ospf_neighbours,
    probes,
)
from dzict.wan.intent import all_intents

DATA = Path(__file__).parent / "data" / "ospf"
IOS_NEIGHBOURS = """
Neighbor ID     Pri   State           Dead Time   Address         Interface
10.40.255.1       0   FULL/  -        00:00:37    10.40.254.21    GigabitEthernet0/0/0
10.40.255.37      0   INIT/  -        00:00:31    10.40.254.46    GigabitEthernet0/0/2
"""


def test_matrix_every_office_to_hq_lan_servers_and_neighbours(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    rows = {(p.router, p.source, p.target_label, p.target) for p in probes(lab_inventory, intents)}
    hq_targets = {
        ("hq LAN", "198.18.16.1"),
        ("dzlab-hq-app", "198.18.16.212"),
        ("dzlab-hq-files", "198.18.16.213"),
        ("dzlab-hq-backup", "198.18.16.214"),
        ("dzlab-hq-mirror", "198.18.16.215"),
    }
    expected = set()
    for router, source in (
        ("dzlab-guma-rtr", "198.18.17.1"),
        ("dzlab-kabisa-rtr", "198.18.18.1"),
        ("dzlab-talo-rtr", "198.18.19.1"),
    ):
        expected |= {(router, source, label, address) for label, address in hq_targets}
    expected |= {
        ("dzlab-guma-rtr", "198.18.17.1", "kabisa LAN", "198.18.18.1"),
        ("dzlab-kabisa-rtr", "198.18.18.1", "guma LAN", "198.18.17.1"),
    }
    assert rows == expected


def test_canary_on_a_fresh_lab_only_checks_itself(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    expect = expectations(lab_inventory, intents, "dzlab-guma-rtr", ready=[])
    assert expect.neighbours == {}
    assert expect.probes == ()
    assert expect.intended_neighbours == {"198.18.4.1": "wan1", "198.18.4.9": "wan2"}
    assert ("lan0.20", "198.18.17.65/26") in expect.addresses
    assert ("lo", "198.18.4.5/32") in expect.addresses


def test_hq_last_expects_every_neighbour_and_pings_every_office(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    offices = ["dzlab-guma-rtr", "dzlab-kabisa-rtr", "dzlab-talo-rtr"]
    expect = expectations(lab_inventory, intents, "dzlab-hq-rtr", ready=offices)
    assert expect.neighbours == {"198.18.4.5": "wan1", "198.18.4.9": "wan2", "198.18.4.13": "wan3"}
    assert {(p.source, p.target) for p in expect.probes} == {
        ("198.18.16.1", "198.18.17.1"),
        ("198.18.16.1", "198.18.18.1"),
        ("198.18.16.1", "198.18.19.1"),
    }


def test_office_with_ready_hq_pings_hq(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    expect = expectations(lab_inventory, intents, "dzlab-kabisa-rtr", ready=["dzlab-hq-rtr"])
    assert expect.neighbours == {"198.18.4.1": "wan1"}
    assert {p.target_label for p in expect.probes} == {
        "hq LAN",
        "dzlab-hq-app",
        "dzlab-hq-files",
        "dzlab-hq-backup",
        "dzlab-hq-mirror",
    }


def test_frr_neighbour_json_recorded() -> None:
    seen = ospf_neighbours("frr", (DATA / "frr-full.json").read_text())
    assert seen == {"198.18.95.242": ("full", "wan1")}
    assert missing_neighbours({"198.18.95.242": "wan1"}, seen) == []
    assert missing_neighbours({"198.18.95.242": "wan2"}, seen) == [
        "OSPF neighbour 198.18.95.242 is Full on wan1, expected on wan2"
    ]
    assert missing_neighbours({"198.18.95.9": "wan2"}, seen) == [
        "OSPF neighbour 198.18.95.9 on wan2: absent"
    ]


def test_frr_neighbour_not_full_yet() -> None:
    data = json.loads((DATA / "frr-full.json").read_text())
    entry = data["neighbors"]["198.18.95.242"][0]
    entry["converged"], entry["state"] = "ExStart", "ExStart/DROther"
    seen = ospf_neighbours("frr", json.dumps(data))
    assert missing_neighbours({"198.18.95.242": "wan1"}, seen) == [
        "OSPF neighbour 198.18.95.242 on wan1: exstart"
    ]
    assert ospf_neighbours("frr", "") == {}


def test_ios_neighbour_table() -> None:
    seen = ospf_neighbours("ios", IOS_NEIGHBOURS)
    assert seen == {
        "10.40.255.1": ("full", "GigabitEthernet0/0/0"),
        "10.40.255.37": ("init", "GigabitEthernet0/0/2"),
    }


def test_missing_addresses_from_get_interfaces_ip() -> None:
    found = {
        "wan1": {"ipv4": {"198.18.5.6": {"prefix_length": 30}}},
        "lo": {"ipv4": {"198.18.4.5": {"prefix_length": 32}}},
    }
    expected = [("wan1", "198.18.5.6/30"), ("lo", "198.18.4.5/32"), ("wan2", "198.18.5.17/30")]
    assert missing_addresses(expected, found) == ["wan2 lacks 198.18.5.17/30"]
    assert missing_addresses([("wan1", "198.18.5.6/29")], found) == ["wan1 lacks 198.18.5.6/29"]


def test_context_is_what_the_post_checks_of_the_targets_read(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    offices = {"dzlab-guma-rtr", "dzlab-kabisa-rtr", "dzlab-talo-rtr"}
    assert context(lab_inventory, intents, ["dzlab-talo-rtr"]) == {"dzlab-hq-rtr"}
    assert context(lab_inventory, intents, ["dzlab-guma-rtr"]) == {
        "dzlab-hq-rtr",
        "dzlab-kabisa-rtr",
    }
    assert context(lab_inventory, intents, ["dzlab-hq-rtr"]) == offices
    assert context(lab_inventory, intents, [*offices, "dzlab-hq-rtr"]) == set()
