"""Topology and pages from discovery recorded on a real lab (prefix dzd, HQ and two offices).

Recorded with `invoke docs.build` against the lab: before the WAN was provisioned, after
`wan.apply`, with link wan3 cut by `lab.fault cut wan3`, and with dzd-kabisa-rtr stopped by
`lab.fault stop` (the last two after `wan.apply`). The inventory is the generator's, as the lab
was built from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_svg import edges

from dzict.docs.build import build
from dzict.docs.discovery import Discovery
from dzict.docs.mapstyle import LINK_STATE_STYLE
from dzict.inventory import Inventory, load_inventory
from dzict.inventory.generate import LabSpec, generate

DATA = Path(__file__).resolve().parent / "data" / "lab"


@pytest.fixture(scope="module")
def dzd(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """The inventory the recorded lab was built from."""
    path = tmp_path_factory.mktemp("dzd") / "inv"
    return load_inventory(generate(path, LabSpec(sites=2, prefix="dzd", base="198.18.96.0/19")))


def _recorded(name: str) -> Discovery:
    return Discovery.load(DATA / f"{name}.json")


def test_provisioned_lab(dzd: Inventory) -> None:
    topology, files = build(dzd, _recorded("provisioned"))
    assert {d.name: d.state for d in topology.devices.values()} == dict.fromkeys(dzd.hosts, "ok")
    assert [(lk.name, lk.state) for lk in topology.links] == [
        ("wan1", "ok"),
        ("wan2", "ok"),
        ("wan3", "ok"),
    ]
    for link in topology.links:
        assert link.intended is not None
        assert link.seen_a == [link.intended.a.address]
        assert link.seen_b == [link.intended.b.address]
    assert {d.lan_state for d in topology.devices.values() if d.role != "router"} == {"ok"}
    notes = [
        (d.name, r.name, r.note)
        for d in topology.devices.values()
        for r in d.interfaces
        if r.note.startswith("not configured")
    ]
    assert notes == []
    drawn = edges(files["maps/dzongkhag.svg"])
    for link in topology.links:
        stroke, texts = drawn[frozenset((link.a.host, link.b.host))]
        assert stroke == LINK_STATE_STYLE["ok"]["color"]
        assert sorted(texts) == sorted([str(link.subnet), link.a.interface, link.b.interface])
    rows = files["register.csv"].decode().splitlines()
    assert rows[1].startswith("dzd-hq-rtr,Lab Dzongkhag Administration (HQ),router,frr,FRRouting,")


def test_before_wan_provisioning_addresses_are_missing(dzd: Inventory) -> None:
    topology, _ = build(dzd, _recorded("before-wan"))
    assert [lk.state for lk in topology.links] == ["ok", "ok", "ok"]  # LLDP needs no address
    router = topology.devices["dzd-guma-rtr"]
    notes = {r.name: r.note for r in router.interfaces if r.note}
    assert notes["wan1"] == "not configured: 198.18.101.6/30"
    assert notes["lo"] == "not configured: 198.18.100.5/32"
    assert "mgmt0" not in notes  # the management address is there (its prefix is the lab's)


def test_cut_link_is_drawn_and_listed_as_missing(dzd: Inventory) -> None:
    topology, files = build(dzd, _recorded("cut-wan3"))
    assert [(lk.name, lk.state) for lk in topology.links] == [
        ("wan1", "ok"),
        ("wan2", "ok"),
        ("wan3", "missing"),
    ]
    assert topology.device_mismatches() == []
    stroke, texts = edges(files["maps/dzongkhag.svg"])[
        frozenset(("dzd-guma-rtr", "dzd-kabisa-rtr"))
    ]
    assert stroke == LINK_STATE_STYLE["missing"]["color"]
    assert texts[:2] == ["198.18.101.12/30", "MISSING"]
    index = files["index.md"].decode()
    diff = index[index.index("## Discovered vs intended") : index.index("## Address plan")]
    assert (
        "| wan3 | [dzd-guma-rtr](offices/guma.md) `wan2` | [dzd-kabisa-rtr](offices/kabisa.md)"
        " `wan2` | `198.18.101.12/30` | 100 | MISSING: intended, not seen |" in diff
    )


def test_stopped_router_is_unreachable_and_the_rest_renders(dzd: Inventory) -> None:
    discovery = _recorded("router-stopped")
    topology, files = build(dzd, discovery)
    router = topology.devices["dzd-kabisa-rtr"]
    assert router.state == "unreachable"
    assert "Unable to connect to port 22" in router.error
    assert router.facts["vendor"] == "FRRouting"  # last known facts kept
    assert [(lk.name, lk.state) for lk in topology.links] == [
        ("wan1", "ok"),
        ("wan2", "missing"),
        ("wan3", "missing"),
    ]
    others = {d.name: d.state for d in topology.devices.values() if d.name != router.name}
    assert set(others.values()) == {"ok"}
    assert topology.devices["dzd-kabisa-pc"].lan_state == "ok"  # seen by the AP on the LAN
    page = files["offices/kabisa.md"].decode()
    assert "| dzd-kabisa-rtr | router | frr | `198.18.96.129` |" in page
    assert "UNREACHABLE" in files["maps/office-kabisa.svg"].decode()
    hq_end = topology.links[1].seen_a  # HQ's end of wan2 keeps its address, its peer is gone
    assert [str(a) for a in hq_end] == ["198.18.101.9/30"]
    assert topology.links[1].seen_b == []
