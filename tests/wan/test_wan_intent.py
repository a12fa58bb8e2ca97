"""The intent computed from inventory/lab: addresses, areas, costs, defaults."""

from __future__ import annotations

import heapq
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest
import yaml

from dzict.exceptions import WanIntentError
from dzict.inventory import Inventory, load_inventory
from dzict.inventory.generate import LabSpec, generate
from dzict.wan.intent import all_intents, router_intent


def test_every_router_has_an_intent(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    assert sorted(intents) == sorted(h.name for h in lab_inventory.by_role("router"))


def test_wan_ends_carry_link_address_and_cost(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    for link in lab_inventory.links:
        assert link.subnet is not None
        for end, other in ((link.a, link.b), (link.b, link.a)):
            (iface,) = [i for i in intents[end.host].wan_interfaces if i.name == end.interface]
            address = IPv4Interface(iface.address.cidr)
            assert address.network == link.subnet
            assert iface.cost == link.cost
            assert iface.peer == other.host
            assert iface.area.number == 0
            assert iface.point_to_point


def test_router_owns_dot_one_of_every_vlan_of_its_site(lab_inventory: Inventory) -> None:
    for name, intent in all_intents(lab_inventory).items():
        site = lab_inventory.sites[lab_inventory.hosts[name].site]
        lans = {i.name: i for i in intent.lan_interfaces}
        assert sorted(lans) == sorted(f"lan0.{v.id}" for v in site.vlans)
        for vlan in site.vlans:
            iface = lans[f"lan0.{vlan.id}"]
            assert vlan.subnet is not None
            assert IPv4Interface(iface.address.cidr) == IPv4Interface(
                (vlan.subnet.network_address + 1, vlan.subnet.prefixlen)
            )
            assert iface.passive
            assert iface.vlan == vlan.id
        assert set(intent.ospf.passive) == {"lo", *lans}


def test_areas_backbone_at_hq_own_area_at_offices(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    hq = intents["dzlab-hq-rtr"]
    assert {i.area.number for i in hq.interfaces if i.area} == {0}
    assert hq.ospf.ranges == ()
    guma = intents["dzlab-guma-rtr"]
    assert {i.area.dotted for i in guma.lan_interfaces if i.area} == {"0.0.0.1"}
    assert guma.loopback.area is not None
    assert guma.loopback.area.number == 0
    assert guma.ospf.ranges == ()


def test_summary_range_when_asked(lab_inventory: Inventory) -> None:
    host = lab_inventory.hosts["dzlab-guma-rtr"]
    host.vars["ospf_summarise"] = True
    try:
        (summary,) = router_intent(lab_inventory, "dzlab-guma-rtr").ospf.ranges
    finally:
        del host.vars["ospf_summarise"]
    assert summary.prefix.cidr == "198.18.17.0/24"
    assert summary.area.dotted == "0.0.0.1"


def test_only_hq_originates_the_default_always_in_the_lab(lab_inventory: Inventory) -> None:
    for name, intent in all_intents(lab_inventory).items():
        is_hq = name == "dzlab-hq-rtr"
        assert intent.ospf.default_originate is is_hq
        assert intent.ospf.default_originate_always is is_hq
        assert intent.static_routes == ()


def _shortest_paths(
    inventory: Inventory, down: int | None = None, hq: str = "dzlab-hq-rtr"
) -> dict[str, set[int]]:
    """Links used by the shortest path from every office router to HQ."""
    graph: dict[str, list[tuple[int, str, int]]] = {}
    for link in inventory.links:
        if link.id == down:
            continue
        graph.setdefault(link.a.host, []).append((link.cost, link.b.host, link.id))
        graph.setdefault(link.b.host, []).append((link.cost, link.a.host, link.id))
    used: dict[str, set[int]] = {}
    for start in graph:
        queue: list[tuple[int, str, frozenset[int]]] = [(0, start, frozenset())]
        seen: set[str] = set()
        while queue:
            cost, node, path = heapq.heappop(queue)
            if node in seen:
                continue
            seen.add(node)
            if node == hq:
                used[start] = set(path)
                break
            for weight, nxt, link_id in graph.get(node, []):
                heapq.heappush(queue, (cost + weight, nxt, path | {link_id}))
    return used


def test_redundant_link_is_only_the_backup_path(lab_inventory: Inventory) -> None:
    intents = all_intents(lab_inventory)
    costs = {(i.peer, name): i.cost for name, t in intents.items() for i in t.wan_interfaces}
    backup = max(lab_inventory.links, key=lambda link: link.cost)
    assert costs[(backup.a.host, backup.b.host)] == backup.cost
    normal = _shortest_paths(lab_inventory)
    assert all(backup.id not in path for path in normal.values())
    (primary,) = [
        link.id
        for link in lab_inventory.links
        if {link.a.host, link.b.host} == {"dzlab-hq-rtr", backup.a.host}
    ]
    failed = _shortest_paths(lab_inventory, down=primary)
    assert backup.id in failed[backup.a.host]


@pytest.fixture(scope="module")
def custom_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = generate(tmp_path_factory.mktemp("inv") / "lab", LabSpec(sites=2))
    host_vars = root / "host_vars"
    host_vars.mkdir()
    (host_vars / "dzlab-hq-rtr.yml").write_text(
        yaml.safe_dump(
            {
                "internet_uplink": {
                    "gateway": "198.18.31.254",
                    "interface": "wan9",
                    "address": "198.18.31.253/30",
                },
                "router_users": [{"name": "ictadmin", "secret": "$9$abc$def"}],
                "interfaces": ["wan1", "wan2", "wan9", "lan0"],
                "ospf_hello_interval": 2,
                "ospf_dead_interval": 8,
            }
        )
    )
    (host_vars / "dzlab-guma-rtr.yml").write_text(yaml.safe_dump({"ospf_area": 0}))
    return root


def test_internet_uplink_gives_a_static_default_and_plain_originate(
    custom_inventory: Path,
) -> None:
    intent = router_intent(load_inventory(custom_inventory), "dzlab-hq-rtr")
    (route,) = intent.static_routes
    assert (route.prefix.network, route.prefix.netmask) == ("0.0.0.0", "0.0.0.0")
    assert route.next_hop == "198.18.31.254"
    assert intent.ospf.default_originate
    assert not intent.ospf.default_originate_always
    assert [(u.name, u.privilege, u.secret_type) for u in intent.users] == [("ictadmin", 15, 9)]
    assert {(i.hello_interval, i.dead_interval) for i in intent.wan_interfaces} == {(2, 8)}
    (uplink,) = [i for i in intent.interfaces if i.kind == "uplink"]
    assert (uplink.name, uplink.address.cidr, uplink.area) == ("wan9", "198.18.31.253/30", None)
    assert "wan9" not in intent.ospf.passive


def test_site_in_backbone_has_no_summary(custom_inventory: Path) -> None:
    intent = router_intent(load_inventory(custom_inventory), "dzlab-guma-rtr")
    assert {i.area.number for i in intent.interfaces} == {0}
    assert intent.ospf.ranges == ()
    assert {i.hello_interval for i in intent.wan_interfaces} == {None}


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"router_users": [{"name": "x", "secret": "plain"}]}, "router_users[0].secret"),
        ({"router_users": [{"name": "x"}]}, "router_users[0]"),
        ({"ospf_area": "backbone"}, "ospf_area"),
        ({"internet_uplink": {"gateway": "edge"}}, "internet_uplink.gateway"),
        ({"internet_uplink": {"interface": "x"}}, "internet_uplink"),
        (
            {
                "internet_uplink": {
                    "gateway": "198.18.9.1",
                    "interface": "x",
                    "address": "1.1.1.1/30",
                }
            },
            "internet_uplink.interface",
        ),
        (
            {
                "internet_uplink": {
                    "gateway": "198.18.9.1",
                    "interface": "wan1",
                    "address": "1.1.1.1/30",
                }
            },
            "internet_uplink.gateway",
        ),
        ({"ospf_dead_interval": 0}, "ospf_dead_interval"),
        ({"router_banner": "a ^ b"}, "router_banner"),
        ({"ospf_summarise": "yes"}, "ospf_summarise"),
    ],
)
def test_bad_router_variables_name_host_and_key(
    custom_inventory: Path, values: dict[str, object], key: str
) -> None:
    inventory = load_inventory(custom_inventory)
    inventory.hosts["dzlab-kabisa-rtr"].vars.update(values)
    with pytest.raises(WanIntentError) as info:
        router_intent(inventory, "dzlab-kabisa-rtr")
    assert info.value.host == "dzlab-kabisa-rtr"
    assert info.value.key == key


def test_a_non_router_has_no_intent(lab_inventory: Inventory) -> None:
    with pytest.raises(WanIntentError, match="not a router"):
        router_intent(lab_inventory, "dzlab-hq-pc")


def test_loopback_name_follows_platform(lab_inventory: Inventory) -> None:
    assert router_intent(lab_inventory, "dzlab-hq-rtr").loopback.name == "lo"
    ios = router_intent(lab_inventory, "dzlab-hq-rtr", platform="ios")
    assert ios.loopback.name == "Loopback0"
    assert ios.loopback.address.netmask == "255.255.255.255"
    assert IPv4Network(f"{ios.loopback.address.network}/32")


# -- inventory/punakha: IOS and FRR routers, an internet uplink, local users -----------------


def test_punakha_hq_sends_default_to_the_internet_edge(punakha_inventory: Inventory) -> None:
    hq = router_intent(punakha_inventory, "pnk-hq-rtr01")
    assert hq.platform == "ios"
    assert hq.loopback.name == "Loopback0"
    (route,) = hq.static_routes
    assert (route.prefix.cidr, route.next_hop) == ("0.0.0.0/0", "203.0.113.1")
    assert hq.ospf.default_originate
    assert not hq.ospf.default_originate_always
    (uplink,) = [i for i in hq.interfaces if i.kind == "uplink"]
    assert uplink.name == "GigabitEthernet0/0/0"
    assert uplink.area is None
    assert uplink.name not in hq.ospf.passive


def test_punakha_offices_do_not_originate(punakha_inventory: Inventory) -> None:
    for name, intent in all_intents(punakha_inventory).items():
        if name != "pnk-hq-rtr01":
            assert not intent.ospf.default_originate
            assert intent.static_routes == ()


def test_punakha_services_and_users(punakha_inventory: Inventory) -> None:
    intent = router_intent(punakha_inventory, "pnk-hosp-rtr01")
    assert intent.ntp_servers == ("10.40.3.20",)
    assert intent.syslog_servers == ("10.40.3.20",)
    assert intent.snmp is not None
    assert intent.snmp.contact == "ict@punakha.gov.bt"
    assert intent.snmp.location == "Punakha Dzongkhag, Khuruthang"
    (user,) = intent.users
    assert (user.name, user.privilege, user.secret_type) == ("ictadmin", 15, 9)
    assert user.secret.startswith("$9$")


def test_punakha_lan_subinterfaces_on_the_ios_lan_port(punakha_inventory: Inventory) -> None:
    intent = router_intent(punakha_inventory, "pnk-hosp-rtr01")
    assert intent.lan_port == "GigabitEthernet0/0/1"
    assert [i.name for i in intent.lan_interfaces] == [
        "GigabitEthernet0/0/1.10",
        "GigabitEthernet0/0/1.20",
        "GigabitEthernet0/0/1.30",
    ]
    assert [i.address.cidr for i in intent.lan_interfaces] == [
        "10.40.20.1/24",
        "10.40.21.1/24",
        "10.40.22.1/24",
    ]
    assert {i.area.number for i in intent.lan_interfaces if i.area} == {5}
    assert intent.ospf.ranges == ()


@pytest.mark.parametrize("office", ["pnk-hosp-rtr01", "pnk-kmss-rtr01", "pnk-kabisa-rtr01"])
def test_punakha_backup_links_carry_traffic_only_on_failure(
    punakha_inventory: Inventory, office: str
) -> None:
    normal = _shortest_paths(punakha_inventory, hq="pnk-hq-rtr01")
    backups = {link.id for link in punakha_inventory.links if link.cost > 10}
    assert backups == {11, 12}
    assert not backups & normal[office]
    (uplink,) = [
        link.id
        for link in punakha_inventory.links
        if {link.a.host, link.b.host} == {"pnk-hq-rtr01", office}
    ]
    failed = _shortest_paths(punakha_inventory, down=uplink, hq="pnk-hq-rtr01")
    assert backups & failed[office]
