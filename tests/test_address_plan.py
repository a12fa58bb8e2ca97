"""The address plan: derived with ipaddress, stable when sites are added, overridable."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from dzict.exceptions import AddressPlanError, InventoryError
from dzict.inventory import addressing, load_inventory
from dzict.inventory.generate import LabSpec, generate

PLAN = {
    "loopback": "10.40.255.0/24",
    "wan": "10.40.254.0/24",
    "wan_prefix": 30,
    "management": "10.40.240.0/21",
    "management_site_prefix": 26,
    "lan": "10.40.0.0/17",
    "lan_site_prefix": 22,
    "vlan_prefix": 24,
}
VLANS = [{"id": 10, "slot": 0}, {"id": 20, "slot": 1}, {"id": 40, "slot": 3}]


def test_blocks_are_indexed_by_stable_numbers() -> None:
    assert addressing.site_lan_block(PLAN, 5) == IPv4Network("10.40.20.0/22")
    assert addressing.vlan_subnet(PLAN, 5, 1) == IPv4Network("10.40.21.0/24")
    assert addressing.lan_address(PLAN, 5, 10, 20, VLANS) == IPv4Interface("10.40.21.10/24")
    assert addressing.gateway(PLAN, 0, 40, VLANS) == IPv4Address("10.40.3.1")
    assert addressing.management_address(PLAN, 2, 1) == IPv4Interface("10.40.240.129/26")
    assert addressing.loopback(PLAN, 3) == IPv4Interface("10.40.255.13/32")
    assert addressing.wan_subnet(PLAN, 11) == IPv4Network("10.40.254.44/30")
    a, b = addressing.wan_ends(IPv4Network("10.40.254.44/30"))
    assert (a, b) == (IPv4Interface("10.40.254.45/30"), IPv4Interface("10.40.254.46/30"))
    assert addressing.wan_ends(IPv4Network("10.0.0.0/31"))[1] == IPv4Interface("10.0.0.1/31")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: addressing.site_lan_block(PLAN, 32), "index 32 is outside 10.40.0.0/17"),
        (lambda: addressing.lan_address(PLAN, 1, 255, 20, VLANS), "host number 255"),
        (lambda: addressing.lan_address(PLAN, 1, 5, 99, VLANS), "VLAN 99 is not defined"),
        (lambda: addressing.wan_subnet(PLAN, 64), "index 64"),
    ],
)
def test_out_of_range_is_an_error(call: object, message: str) -> None:
    with pytest.raises(AddressPlanError, match=message):
        call()  # type: ignore[operator]


def _addresses(root: Path) -> dict[str, tuple[str, ...]]:
    inv = load_inventory(root)
    found = {
        h.name: (str(h.mgmt_address), str(h.lan_address), str(h.loopback))
        for h in inv.hosts.values()
    }
    for link in inv.links:
        found[f"link{link.id}"] = (str(link.subnet), str(link.a.address), str(link.b.address))
    for site in inv.sites.values():
        found[f"site-{site.key}"] = tuple(str(v.subnet) for v in site.vlans)
    return found


def test_adding_sites_never_renumbers_existing_ones(tmp_path: Path) -> None:
    small = _addresses(generate(tmp_path / "small", LabSpec(sites=3)))
    big = _addresses(generate(tmp_path / "big", LabSpec(sites=12)))
    assert len(big) > len(small)
    hq_links = {k: v for k, v in small.items() if k not in {"link4"}}  # link 4 is the backup link
    for key, value in hq_links.items():
        assert big[key] == value, key


def test_written_address_overrides_the_derived_one(lab_copy: Path) -> None:
    (lab_copy / "host_vars").mkdir()
    (lab_copy / "host_vars" / "dzlab-guma-pc.yml").write_text("---\nmgmt_address: 198.18.0.99\n")
    inv = load_inventory(lab_copy)
    assert inv.hosts["dzlab-guma-pc"].mgmt_address == IPv4Address("198.18.0.99")
    assert inv.hosts["dzlab-guma-pc"].vars["ansible_host"] == "198.18.0.99"


def test_lab_refuses_addresses_outside_the_lab_range(lab_copy: Path) -> None:
    path = lab_copy / "group_vars" / "all" / "dzongkhag.yml"
    path.write_text(path.read_text().replace("lan: 198.18.16.0/20", "lan: 10.88.16.0/20"))
    with pytest.raises(InventoryError, match=r"10\.88\.16\.0/20 is outside the lab range"):
        load_inventory(lab_copy)


def test_generator_refuses_a_base_outside_the_lab_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"outside 198\.18\.0\.0/15"):
        generate(tmp_path / "x", LabSpec(base="10.0.0.0/19"))
