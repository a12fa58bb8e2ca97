"""docs.build against the test lab: every WAN link LLDP sees is drawn with its labels; a link
cut with lab.fault is drawn and listed as missing, while the rest still renders."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from docs_svg import edges

from dzict.docs.build import build, check, write
from dzict.docs.discover import discover
from dzict.docs.discovery import Discovery
from dzict.docs.mapstyle import LINK_STATE_STYLE
from dzict.docs.topology import Topology
from dzict.lab import fault_link
from dzict.nornir_inventory import init_nornir
from support.lab import RunningLab

pytestmark = pytest.mark.lab
LLDP_WAIT = 90.0  # lldpd sends every 30 s; a bridge's LLDP forwarding is set after it exists


def _discover(lab: RunningLab) -> tuple[Discovery, Topology, dict[str, bytes]]:
    found = discover(init_nornir(lab.path), lab.inventory.dzongkhag.code)
    topology, files = build(lab.inventory, found)
    return found, topology, files


def _until(lab: RunningLab, done: Callable[[Topology], bool]) -> tuple[Topology, dict[str, bytes]]:
    deadline = time.monotonic() + LLDP_WAIT
    while True:
        _, topology, files = _discover(lab)
        if done(topology) or time.monotonic() > deadline:
            return topology, files
        time.sleep(5)


def test_map_of_the_lab_and_a_cut_link(lab: RunningLab, tmp_path: Path) -> None:
    inv = lab.inventory
    topology, files = _until(lab, lambda t: all(lk.state == "ok" for lk in t.links))
    assert {d.name: d.state for d in topology.devices.values()} == dict.fromkeys(inv.hosts, "ok")
    assert {lk.name: lk.state for lk in topology.links} == {link.name: "ok" for link in inv.links}
    assert not any(link.address_mismatch for link in topology.links)
    drawn = edges(files["maps/dzongkhag.svg"])
    for link in topology.links:
        stroke, texts = drawn[frozenset((link.a.host, link.b.host))]
        assert stroke == LINK_STATE_STYLE["ok"]["color"]
        assert sorted(texts) == sorted([str(link.subnet), link.a.interface, link.b.interface])
    out = tmp_path / "network"
    write(out, files)
    backup = inv.links[-1]  # the link between the first two offices
    fault_link(inv, backup.name, cut=True)
    try:
        topology, files = _until(
            lab, lambda t: next(lk for lk in t.links if lk.name == backup.name).state != "ok"
        )
    finally:
        fault_link(inv, backup.name, cut=False)
    assert {lk.name: lk.state for lk in topology.links} == {
        link.name: "missing" if link.name == backup.name else "ok" for link in inv.links
    }
    stroke, texts = edges(files["maps/dzongkhag.svg"])[frozenset((backup.a.host, backup.b.host))]
    assert (stroke, texts[:2]) == (
        LINK_STATE_STYLE["missing"]["color"],
        [str(backup.subnet), "MISSING"],
    )
    index = files["index.md"].decode()
    diff = index[index.index("## Discovered vs intended") : index.index("## Address plan")]
    assert f"| {backup.name} |" in diff
    assert "maps/dzongkhag.svg" in check(out, files).changed
