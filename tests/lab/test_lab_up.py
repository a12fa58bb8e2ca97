"""The test lab as the inventory says: addresses, names, SSH, LLDP, data, mirror, idempotence."""

from __future__ import annotations

import json
import time

import pytest

from dzict import lab as lablib
from dzict.inventory import Inventory
from dzict.lab.podman import Podman
from support.lab import RunningLab

pytestmark = pytest.mark.lab


def _json(lab: RunningLab, host: str, command: str) -> object:
    return json.loads(lab.ssh(host, command).stdout)


def _office_router(inv: Inventory) -> str:
    return next(h.name for h in inv.by_role("router") if h.site != inv.hq.key)


def test_every_host_answers_ssh_with_its_checked_host_key(lab: RunningLab) -> None:
    rows = lablib.status(lab.inventory)
    assert {r.host for r in rows} == set(lab.inventory.hosts)
    assert [r for r in rows if (r.state, r.ssh) != ("running", "ok")] == []
    for host in lab.inventory.hosts:
        assert lab.ssh(host, "hostname").stdout.strip() == host


def test_known_hosts_holds_keys_made_by_each_container(lab: RunningLab) -> None:
    lines = lab.known_hosts.read_text().splitlines()
    keys = [line.split()[2] for line in lines if " ssh-ed25519 " in line]
    assert len(keys) == len(lab.inventory.hosts)
    assert len(set(keys)) == len(keys), "two containers share a host key"


def test_second_up_changes_nothing(lab: RunningLab) -> None:
    again = lablib.up(lab.inventory)
    assert not again.changed, again
    assert lablib.known_hosts_path(lab.state_dir).read_text() == lab.known_hosts.read_text()


def test_routers_have_only_their_management_address(lab: RunningLab) -> None:
    for router in lab.inventory.by_role("router"):
        addrs = _json(lab, router.name, "ip -j -4 addr show")
        found = {
            (link["ifname"], a["local"])
            for link in addrs  # type: ignore[attr-defined]
            for a in link["addr_info"]
            if link["ifname"] != "lo"
        }
        assert found == {("mgmt0", str(router.mgmt_address))}
        assert lab.ssh(router.name, "ip -4 route show default").stdout == ""


def test_router_interfaces_are_named_as_the_inventory_says(lab: RunningLab) -> None:
    """WAN ports as wan_links name them; the LAN trunk as one port per VLAN (``lan0.20``),
    since this kernel cannot tag frames."""
    for router in lab.inventory.by_role("router"):
        links = _json(lab, router.name, "ip -j link show")
        names = {link["ifname"] for link in links} - {"lo"}  # type: ignore[attr-defined]
        trunk = router.lan_interface or "lan0"
        vlans = {f"{trunk}.{v.id}" for v in lab.inventory.sites[router.site].vlans}
        wans = {i for i in router.interfaces if i != trunk}
        assert names == {"mgmt0", *wans, *vlans}


def test_hosts_come_up_with_their_lan_address_and_gateway(lab: RunningLab) -> None:
    for host in lab.inventory.hosts.values():
        if host.role == "router":
            continue
        dev = f"lan0.{host.lan_vlan}"
        addrs = _json(lab, host.name, f"ip -j -4 addr show dev {dev}")
        assert [a["local"] for a in addrs[0]["addr_info"]] == [  # type: ignore[index]
            str(host.lan_address.ip)  # type: ignore[union-attr]
        ]
        route = _json(lab, host.name, "ip -j -4 route show default")
        assert route == [
            {"dst": "default", "gateway": str(host.lan_gateway), "dev": dev, "flags": []}
        ]


def test_management_network_is_no_way_out(lab: RunningLab) -> None:
    podman = Podman()
    mgmt = podman.json("network", "inspect", f"{lab.prefix}-mgmt")[0]
    assert mgmt["internal"] is True
    bridge = mgmt["network_interface"]
    with open(f"/proc/sys/net/ipv4/conf/{bridge}/forwarding") as fh:
        assert fh.read().strip() == "0"


def test_office_router_sees_the_hq_router_over_lldp(lab: RunningLab) -> None:
    inv = lab.inventory
    office = _office_router(inv)
    hq = inv.routers_of(inv.hq.key)[0].name
    link = next(
        k for k in inv.links if office in (k.a.host, k.b.host) and hq in (k.a.host, k.b.host)
    )
    local = link.a if link.a.host == office else link.b
    remote = link.b if local is link.a else link.a
    deadline = time.monotonic() + 60
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        data = _json(lab, office, "lldpcli -f json show neighbors")
        for entry in data["lldp"].get("interface", []) if data.get("lldp") else []:  # type: ignore[union-attr,index]
            for ifname, info in entry.items():
                seen[ifname] = next(iter(info["chassis"])) + " " + info["port"]["id"]["value"]
        if local.interface in seen:
            break
        time.sleep(2)
    assert seen.get(local.interface) == f"{hq} {remote.interface}"


def test_server_databases_hold_the_service_desk(lab: RunningLab) -> None:
    server = next(h.name for h in lab.inventory.by_role("server"))
    sql = (
        "SELECT (SELECT count(*) FROM agencies), (SELECT count(*) FROM requests), "
        "(SELECT count(*) FROM assets)"
    )
    pg = lab.ssh(server, f"su postgres -c \"psql -tA -F ' ' -d servicedesk -c '{sql}'\"")
    my = lab.ssh(server, f"mariadb -N -B servicedesk -e '{sql}'")
    assert pg.stdout.split() == my.stdout.split()
    agencies, requests, assets = (int(n) for n in pg.stdout.split())
    assert agencies >= 30
    assert requests >= 300
    assert assets >= 200
    files = lab.ssh(server, "find /srv/files -type f | wc -l").stdout
    assert int(files) >= 150


def test_hq_server_sees_updates_on_the_mirror(lab: RunningLab) -> None:
    """The mirror shares the server LAN at HQ: no router is needed to reach it."""
    server = next(h.name for h in lab.inventory.by_role("server"))
    lab.ssh(server, "apt-get update -q")
    upgradable = lab.ssh(server, "apt list --upgradable 2>/dev/null").stdout
    assert "dzict-agent/lab-security 1.1" in upgradable
    assert "dzict-baseline/lab-updates 1.1" in upgradable
    assert lab.ssh(server, "dzict-agent").stdout.startswith('{"agent": "1.0"')


def test_images_hold_no_host_keys(lab: RunningLab) -> None:
    podman = Podman()
    refs = {c["Image"] for c in podman.containers(f"{lablib.LABEL}={lab.prefix}")}
    assert len(refs) == 6
    for n, image in enumerate(sorted(refs)):
        out = podman.run(
            "run",
            "--rm",
            "--name",
            f"{lab.prefix}-keycheck-{n}",
            "--network",
            "none",
            "--entrypoint",
            "sh",
            image,
            "-c",
            "ls /etc/ssh/ | grep -c ssh_host_ || true",
        ).stdout
        assert out.strip() == "0", image
