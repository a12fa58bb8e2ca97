"""A whole country: the overview, the Dzongkhags' folders, large Dzongkhags and office maps."""

from __future__ import annotations

import csv
import io
import math
import struct
from pathlib import Path

import pytest
from docs_svg import edges, nodes

from dzict.docs import graph, mapstyle, ring
from dzict.docs.build import build
from dzict.docs.discovery import Discovery
from dzict.docs.drawing import PNG_MAX_INCHES, Picture, jobs, render
from dzict.docs.national import (
    Country,
    Member,
    check_country,
    render_country,
    write_country,
)
from dzict.docs.officemap import office_map
from dzict.docs.reconcile import build_topology
from dzict.exceptions import DocsError
from dzict.inventory import Inventory
from support.synthetic import healthy_discovery, synthetic_inventory

MISSING = mapstyle.LINK_STATE_STYLE["missing"]["color"]
OK = mapstyle.LINK_STATE_STYLE["ok"]["color"]


def _members(codes: dict[str, int]) -> list[Member]:
    """Synthetic Dzongkhags (code: offices), each with the discovery of a healthy network."""
    members = []
    for code, offices in codes.items():
        inventory = synthetic_inventory(code, offices, pcs=1)
        discovery = healthy_discovery(inventory)
        members.append(Member(inventory, lambda d=discovery: d))
    return members


def _cut(discovery: Discovery, host: str, interface: str) -> None:
    lldp = discovery.devices[host].lldp_neighbors_detail
    assert lldp is not None
    del lldp[interface]


def _country(codes: dict[str, int]) -> dict[str, dict[str, bytes]]:
    return dict(render_country(_members(codes)))


def test_overview_links_every_dzongkhag() -> None:
    members = _members({"THI": 2, "PAR": 1, "BUM": 1})
    par = members[1].discovery()
    par.devices["par-o001-pc1"].status = "skipped"  # a Windows PC: not discovered
    members[1] = Member(members[1].inventory, lambda: par)
    country = Country(members)
    out = dict(country.files())
    assert list(out) == ["thi", "par", "bum", ""]
    overview = out[""]
    index = overview["index.md"].decode()
    for key, name in (("thi", "Thi"), ("par", "Par"), ("bum", "Bum")):
        assert f"[{name} (synthetic)]({key}/index.md)" in index
        assert f"[register]({key}/register.md)" in index
        assert f'<a href="{key}/index.html">' in overview["index.html"].decode()
        assert "maps/dzongkhag.svg" in out[key]["index.md"].decode()
        assert "[All Dzongkhags](../index.md)" in out[key]["index.md"].decode()
    assert "| devices in the inventories | 30 |" in index
    assert [s.code for s in country.summaries] == ["THI", "PAR", "BUM"]
    assert (country.summaries[1].devices, country.summaries[1].reached) == (9, 8)
    assert country.summaries[1].state == "unexpected"
    assert country.summaries[0].state == "ok"
    assert sorted(overview) == [
        "index.html",
        "index.md",
        "maps/national.gv",
        "maps/national.png",
        "maps/national.svg",
        "register.csv",
        "style.css",
    ]
    drawn = nodes(overview["maps/national.svg"])
    assert {n for n in drawn if n.startswith("dz_")} == {"dz_thi", "dz_par", "dz_bum"}
    assert b'href="../par/index.html"' in overview["maps/national.svg"]


def test_country_register_has_every_device() -> None:
    members = _members({"THI": 2, "PAR": 1})
    out = dict(render_country(members))
    rows = list(csv.DictReader(io.StringIO(out[""]["register.csv"].decode())))
    assert len(rows) == sum(len(m.inventory.hosts) for m in members)
    assert {r["dzongkhag"] for r in rows} == {"THI", "PAR"}
    thi = [r for r in rows if r["dzongkhag"] == "THI"]
    alone = list(csv.DictReader(io.StringIO(out["thi"]["register.csv"].decode())))
    assert [{k: v for k, v in r.items() if k != "dzongkhag"} for r in thi] == alone


def test_dzongkhag_folder_is_the_dzongkhag_alone(
    lab_inventory: Inventory, healthy: Discovery
) -> None:
    """A Dzongkhag documented as part of a country differs from docs.build only by the link up."""
    _, alone = build(lab_inventory, healthy)
    (_, files), _ = list(render_country([Member(lab_inventory, lambda: healthy)]))
    assert sorted(files) == sorted(alone)
    assert [p for p in files if files[p] != alone[p]] == ["index.html", "index.md"]
    up = files["index.md"].decode().replace("[All Dzongkhags](../index.md)\n\n", "")
    assert up == alone["index.md"].decode()


def test_office_map_holds_its_devices_and_wan_links(
    lab_inventory: Inventory, healthy: Discovery
) -> None:
    topology, files = build(lab_inventory, healthy)
    for site in topology.sites:
        svg = files[f"maps/office-{site.key}.svg"]
        own = {d.name for d in topology.site_devices(site.key)}
        links = topology.site_links(site.key)
        far = {p.host for link in links for p in (link.a, link.b)} - own
        assert set(nodes(svg)) == own | far | {"__lan", "legend"}
        wan = {pair for pair in edges(svg) if "__lan" not in pair}
        assert wan == {frozenset((link.a.host, link.b.host)) for link in links}


def test_busy_office_map_counts_the_links_seen() -> None:
    inventory = synthetic_inventory("DAA", 16, pcs=1)
    discovery = healthy_discovery(inventory)
    _cut(discovery, "daa-hq-rtr", "wan3")
    _cut(discovery, "daa-o003-rtr", "wan1")
    topology = build_topology(inventory, discovery)
    svg = render([Picture("hq", office_map(topology, "hq"), ("svg",), batch=True)])["hq.svg"]
    drawn = nodes(svg)
    assert drawn["__wan_daa-hq-rtr"][0] == "15 WAN links seen as intended"
    assert {n for n in drawn if n.startswith("daa-o")} == {"daa-o003-rtr"}
    assert edges(svg)[frozenset(("daa-hq-rtr", "daa-o003-rtr"))][0] == MISSING
    assert edges(svg)[frozenset(("__wan_daa-hq-rtr", "daa-hq-rtr"))][0] == OK


def test_large_dzongkhag_map_is_a_ring_of_offices() -> None:
    offices = graph.DETAILED_OFFICES + 3
    inventory = synthetic_inventory("DAA", offices, pcs=1)
    discovery = healthy_discovery(inventory)
    _cut(discovery, "daa-o001-rtr", "wan2")
    _cut(discovery, "daa-o002-rtr", "wan2")
    discovery.devices["daa-o005-pc1"].status = "unreachable"
    topology = build_topology(inventory, discovery)
    source = graph.dzongkhag_map(topology)
    assert "layout=neato" in source
    svg = render([Picture("dz", source, ("svg",))])["dz.svg"]
    drawn = nodes(svg)
    assert set(drawn) == {f"site_{s.key}" for s in topology.sites} | {"legend"}
    assert drawn["site_o005"] == [
        "Office 5",
        "gewog, site 5",
        "3 devices, 2 reached",
        "1 unreachable",
    ]
    lines = edges(svg)
    expected = {
        frozenset(
            (f"site_{topology.devices[lk.a.host].site}", f"site_{topology.devices[lk.b.host].site}")
        )
        for lk in topology.links
    }
    assert set(lines) == expected
    assert lines[frozenset(("site_o001", "site_o002"))][0] == MISSING
    assert lines[frozenset(("site_hq", "site_o001"))][0] == OK


def test_ring_places_do_not_overlap() -> None:
    for count in (1, 16, 124):
        places = ring.ring_positions(count)
        assert len(set(places)) == count
        closest = min(
            (math.dist(a, b) for n, a in enumerate(places) for b in places[n + 1 :]),
            default=ring.RING_SLOT,
        )
        assert closest >= 1.5  # inches: an office box is about 1.7 wide and 0.6 high
    # the drawing grows with the offices, not with their square
    assert max(math.hypot(*p) for p in ring.ring_positions(124)) < 4 * max(
        math.hypot(*p) for p in ring.ring_positions(16)
    )


def test_png_is_limited_in_size() -> None:
    wide = Picture("wide", "digraph wide { a [shape=box width=60 height=2] }\n", ("svg", "png"))
    drawn = render([wide])
    width, height = struct.unpack(">II", drawn["wide.png"][16:24])
    limit = PNG_MAX_INCHES * 96
    assert width <= limit + 1
    assert width > limit * 0.9
    assert height < width / 10


def test_jobs_share_batch_pictures() -> None:
    pictures = [Picture("dz", "", ("svg", "png"))]
    pictures += [Picture(f"office-{n}", "", ("svg",), batch=True) for n in range(5)]
    runs = jobs(pictures, 2)
    assert [[p.name for p in run] for run in runs] == [
        ["dz"],
        ["office-0", "office-1", "office-2"],
        ["office-3", "office-4"],
    ]
    assert len(jobs(pictures, 1)) == 2


@pytest.mark.parametrize(
    ("codes", "message"),
    [(("THI", "THI"), "two Dzongkhags have the code THI"), (("MAPS",), "cannot name a folder")],
)
def test_country_needs_distinct_folders(codes: tuple[str, ...], message: str) -> None:
    members = []
    for code in codes:
        inventory = synthetic_inventory("DAA", 1, pcs=1)
        inventory.dzongkhag.code = code
        members.append(Member(inventory, lambda: Discovery("x", "", "")))
    with pytest.raises(DocsError, match=message):
        Country(members)


def test_write_and_check_a_country(tmp_path: Path) -> None:
    out = tmp_path / "national"
    assert check_country(out, render_country(_members({"THI": 1, "PAR": 1}))).missing
    write_country(out, render_country(_members({"THI": 1, "PAR": 1})))
    (out / "par" / "discovery.json").write_text("{}")
    assert check_country(out, render_country(_members({"THI": 1, "PAR": 1}))).clean
    (out / "thi" / "offices" / "o001.md").write_text("edited by hand\n")
    result = check_country(out, render_country(_members({"THI": 1, "PAR": 1})))
    assert (result.changed, result.missing, result.extra) == (["thi/offices/o001.md"], [], [])
    # PAR leaves the country: its generated files go, its discovery stays
    result = check_country(out, render_country(_members({"THI": 1})))
    assert "par/index.md" in result.extra
    changed = write_country(out, render_country(_members({"THI": 1})))
    assert "par/maps/dzongkhag.svg" in changed
    assert "thi/offices/o001.md" in changed
    assert sorted(p.name for p in (out / "par").rglob("*") if p.is_file()) == ["discovery.json"]
    assert check_country(out, render_country(_members({"THI": 1}))).clean
