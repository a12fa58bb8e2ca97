"""Rendering: determinism, check mode, unreachable devices, the diff drawn and listed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from docs_svg import edges

from dzict.docs.build import build, check, write
from dzict.docs.discovery import Discovery
from dzict.docs.mapstyle import LINK_STATE_STYLE
from dzict.docs.register import PatchReport
from dzict.inventory import Inventory

TALO = "dzlab-talo-rtr"


def _cut_wan4(discovery: Discovery) -> None:
    for host in ("dzlab-guma-rtr", "dzlab-kabisa-rtr"):
        lldp = discovery.devices[host].lldp_neighbors_detail
        assert lldp is not None
        del lldp["wan2"]


def test_build_is_deterministic(lab_inventory: Inventory, healthy: Discovery) -> None:
    _, first = build(lab_inventory, healthy)
    _, second = build(lab_inventory, healthy, workers=1)
    assert first == second
    assert "maps/dzongkhag.png" in first
    assert first["maps/dzongkhag.png"].startswith(b"\x89PNG")
    assert {p for p in first if p.startswith("offices/")} == {
        f"offices/{k}.{e}" for k in ("hq", "guma", "kabisa", "talo") for e in ("md", "html")
    }


def test_only_one_generated_line(lab_inventory: Inventory, healthy: Discovery) -> None:
    _, files = build(lab_inventory, healthy)
    stamped = [
        p
        for p, data in files.items()
        if b"2026-01-15" in data and p != "register.csv" and not p.startswith("register.")
    ]
    assert stamped == ["index.html", "index.md"]
    assert files["index.md"].count(b"2026-01-15") == 1


def test_check_mode(lab_inventory: Inventory, healthy: Discovery, tmp_path: Path) -> None:
    out = tmp_path / "network"
    _, files = build(lab_inventory, healthy)
    assert check(out, files).missing == sorted(files)
    write(out, files)
    assert check(out, files).clean
    # a new discovery time changes only the "generated" line: still clean
    healthy.finished = "2026-02-01T07:00:00Z"
    _, later = build(lab_inventory, healthy)
    assert later["index.md"] != files["index.md"]
    assert check(out, later).clean
    # a cut link changes pictures and pages
    _cut_wan4(healthy)
    _, cut = build(lab_inventory, healthy)
    result = check(out, cut)
    assert "maps/dzongkhag.svg" in result.changed
    assert "offices/guma.md" in result.changed
    assert "offices/talo.md" not in result.changed
    (out / "maps" / "stale.svg").write_text("old")
    assert check(out, files).extra == ["maps/stale.svg"]
    assert "maps/stale.svg" in write(out, files)
    assert check(out, files).clean


def test_missing_link_drawn_and_listed(lab_inventory: Inventory, healthy: Discovery) -> None:
    _cut_wan4(healthy)
    _, files = build(lab_inventory, healthy)
    drawn = edges(files["maps/dzongkhag.svg"])
    stroke, texts = drawn[frozenset(("dzlab-guma-rtr", "dzlab-kabisa-rtr"))]
    assert (stroke, texts[:2]) == (
        LINK_STATE_STYLE["missing"]["color"],
        ["198.18.5.16/30", "MISSING"],
    )
    assert (
        drawn[frozenset(("dzlab-hq-rtr", "dzlab-guma-rtr"))][0] == LINK_STATE_STYLE["ok"]["color"]
    )
    assert "Legend" in files["maps/dzongkhag.svg"].decode()
    index = files["index.md"].decode()
    diff = index[index.index("## Discovered vs intended") : index.index("## Address plan")]
    assert "| wan4 |" in diff
    assert "MISSING: intended, not seen" in diff
    assert "| wan1 |" not in diff


def test_unreachable_device_renders(lab_inventory: Inventory, healthy: Discovery) -> None:
    healthy.devices[TALO].status = "unreachable"
    healthy.devices[TALO].error = "NetmikoTimeoutException: TCP connection to device failed."
    topology, files = build(lab_inventory, healthy, office_png=True)
    assert topology.devices[TALO].state == "unreachable"
    assert files["maps/office-talo.png"].startswith(b"\x89PNG")
    talo = files["offices/talo.md"].decode()
    assert "| dzlab-talo-rtr | router | frr | `198.18.0.193` |" in talo
    assert "UNREACHABLE: NetmikoTimeoutException" in talo
    assert "UNREACHABLE" in files["maps/office-talo.svg"].decode()
    assert "UNREACHABLE" in files["maps/dzongkhag.svg"].decode()
    # the rest is drawn as usual: HQ's LLDP still sees the Talo link
    assert (
        "wan3 | [dzlab-hq-rtr](hq.md) `wan3` | [dzlab-talo-rtr](talo.md) `wan1` | "
        "`198.18.5.12/30` | 10 | seen by LLDP" in talo
    )


def test_register(lab_inventory: Inventory, healthy: Discovery) -> None:
    healthy.devices[TALO].status = "unreachable"
    report = PatchReport(source="test", pending={"dzlab-hq-app": 3})
    _, files = build(lab_inventory, healthy, report)
    rows = list(csv.DictReader(io.StringIO(files["register.csv"].decode())))
    assert len(rows) == len(lab_inventory.hosts)
    app = next(r for r in rows if r["host"] == "dzlab-hq-app")
    assert (app["pending_updates"], app["up_since"], app["last_seen"]) == (
        "3",
        "2026-01-12",
        "2026-01-15",
    )
    talo = next(r for r in rows if r["host"] == TALO)
    assert (talo["state"], talo["up_since"], talo["serial"] != "") == ("unreachable", "", True)
    assert "| dzlab-hq-app | Lab Dzongkhag Administration (HQ) |" in files["register.md"].decode()


def test_drawio_has_every_office_and_link(lab_inventory: Inventory, healthy: Discovery) -> None:
    _, files = build(lab_inventory, healthy)
    root = ET.fromstring(files["maps/dzongkhag.drawio"])
    cells = {c.get("id"): c for c in root.iter("mxCell")}
    assert {i for i in cells if i and i.startswith("cluster_")} == {
        "cluster_hq",
        "cluster_guma",
        "cluster_kabisa",
        "cluster_talo",
    }
    wan = [c for c in cells.values() if c.get("edge") == "1" and "/30" in (c.get("value") or "")]
    assert sorted(c.get("value") for c in wan) == [
        "198.18.5.12/30",
        "198.18.5.16/30",
        "198.18.5.4/30",
        "198.18.5.8/30",
    ]
    router = cells["node_dzlab-guma-rtr"]
    assert router.get("parent") == "cluster_guma"
    assert "ellipse" in (router.get("style") or "")
    for cell in cells.values():  # every device lies inside its office's box
        parent = cell.get("parent") or ""
        if cell.get("vertex") == "1" and parent.startswith("cluster_"):
            box, outer = cell.find("mxGeometry"), cells[parent].find("mxGeometry")
            assert box is not None
            assert outer is not None
            x, y, w, h = (float(box.get(k, "0")) for k in ("x", "y", "width", "height"))
            assert x >= 0
            assert x + w <= float(outer.get("width", "0"))
            assert y >= 0
            assert y + h <= float(outer.get("height", "0"))


def test_html_pages(lab_inventory: Inventory, healthy: Discovery) -> None:
    _, files = build(lab_inventory, healthy)
    html = files["offices/guma.html"].decode()
    assert '<a href="../index.html">Dzongkhag network</a>' in html
    assert "<table>" in html
    assert '<img src="../maps/office-guma.svg"' in html
    assert "lab-staff-wifi-2026" not in html  # SSID passphrases never reach the pages


@pytest.mark.parametrize("bad", ["{}", "[]", '{"format": 1}', "not json"])
def test_bad_discovery_file(tmp_path: Path, bad: str) -> None:
    from dzict.exceptions import DiscoveryFileError

    path = tmp_path / "discovery.json"
    path.write_text(bad)
    with pytest.raises(DiscoveryFileError, match=str(path)):
        Discovery.load(path)


def test_discovery_round_trip_and_carry_over(healthy: Discovery, tmp_path: Path) -> None:
    path = healthy.save(tmp_path / "d.json")
    again = Discovery.load(path)
    assert again.to_json() == healthy.to_json()
    again.devices[TALO].status = "unreachable"
    again.devices[TALO].facts = None
    again.devices[TALO].last_seen = None
    again.carry_over(healthy)
    assert again.devices[TALO].last_seen == "2026-01-15T06:00:00Z"
    assert again.devices[TALO].facts == healthy.devices[TALO].facts


def test_patch_report_as_patch_report_writes_it(tmp_path: Path) -> None:
    from dzict.docs.register import load_patch_report
    from dzict.patch.report import to_csv

    rows = [
        {
            "host": "dzlab-hq-app",
            "status": "pending",
            "package": "dzict-motd",
            "installed": "1.0",
            "available": "1.1",
            "security": "no",
            "note": "",
        },
        {
            "host": "dzlab-hq-app",
            "status": "pending",
            "package": "dzict-tools",
            "installed": "1.0",
            "available": "1.1",
            "security": "yes",
            "note": "",
        },
        {
            "host": "dzlab-hq-files",
            "status": "up to date",
            "package": "",
            "installed": "",
            "available": "",
            "security": "",
            "note": "",
        },
        {
            "host": "dzlab-guma-pc",
            "status": "unreachable",
            "package": "",
            "installed": "",
            "available": "",
            "security": "",
            "note": "switched off",
        },
    ]
    path = tmp_path / "patch-report-latest.csv"
    path.write_text(to_csv(rows))
    report = load_patch_report(path)
    assert report is not None
    assert [report.text(h) for h in ("dzlab-hq-app", "dzlab-hq-files", "dzlab-guma-pc")] == [
        "2",
        "0",
        "not checked (unreachable)",
    ]
    assert report.text("dzlab-talo-pc") == ""
    assert load_patch_report(tmp_path / "absent.csv") is None


def test_map_labels_abbreviate_interface_names() -> None:
    from dzict.docs.mapstyle import short_ifname

    assert [short_ifname(n) for n in ("GigabitEthernet0/1/0", "TenGigabitEthernet1/1", "wan1")] == [
        "Gi0/1/0",
        "Te1/1",
        "wan1",
    ]


def test_pcs_not_discovered_are_counted(lab_inventory: Inventory, healthy: Discovery) -> None:
    healthy.devices["dzlab-guma-pc"].status = "skipped"
    _, files = build(lab_inventory, healthy)
    assert "1 PC\\n1 not discovered" in files["maps/dzongkhag.gv"].decode()
