"""The FRR driver against two running router containers (marker `lab`).

The getters must give NAPALM's shapes and agree with what the containers say through podman;
the configuration life cycle must change the routers, and a commit left unconfirmed must revert
itself on the router with its client killed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from frr_lab import BGP_NET, NOC_PASSWORD_HASH, FrrLab, frr_lab
from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    ConnectionException,
    MergeConfigException,
    ReplaceConfigException,
)
from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import SerialRunner
from nornir_napalm.plugins.tasks import napalm_configure, napalm_confirm_commit, napalm_get
from shapes import SHAPES

from dzict.docs import linux
from dzict.ssh import Paramiko, check_login
from napalm_frr import FRRDriver
from napalm_frr.exceptions import HostKeyMismatchError, HostKeyUnknownError

pytestmark = pytest.mark.lab

REVERT_IN = 8


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrrLab]:
    with frr_lab(tmp_path_factory.mktemp("frr-lab")) as running:
        yield running


@pytest.fixture
def r1(lab: FrrLab) -> Iterator[FRRDriver]:
    """An open driver on r1, whose configuration is put back to the base afterwards."""
    device = FRRDriver(lab.routers["r1"].mgmt_ip, "root", "", optional_args=lab.optional_args())
    device.open()
    yield device
    device.close()
    lab.reset("r1")


def _changed(config: str) -> str:
    return config.replace(" ip ospf cost 10", " ip ospf cost 20").replace(
        " description management", " description management network"
    )


@pytest.mark.parametrize(
    "method",
    [
        "is_alive",
        "get_facts",
        "get_interfaces",
        "get_interfaces_ip",
        "get_lldp_neighbors",
        "get_lldp_neighbors_detail",
        "get_config",
        "get_arp_table",
        "get_ipv6_neighbors_table",
        "get_interfaces_counters",
        "get_network_instances",
        "get_route_to",
        "get_bgp_neighbors",
        "get_bgp_neighbors_detail",
        "get_bgp_config",
        "get_ntp_servers",
        "get_ntp_peers",
        "get_snmp_information",
        "get_users",
    ],
)
def test_getter_shapes(r1: FRRDriver, method: str) -> None:
    result = json.loads(json.dumps(getattr(r1, method)()))
    assert SHAPES[method](result)


def test_facts_and_interfaces_match_the_container(lab: FrrLab, r1: FRRDriver) -> None:
    facts = r1.get_facts()
    assert facts["hostname"] == "r1"
    assert facts["vendor"] == "FRRouting"
    assert facts["os_version"].startswith("8.")
    assert {"lo", "mgmt0", "wan0"} <= set(facts["interface_list"])
    interfaces = r1.get_interfaces()
    assert interfaces["wan0"]["description"] == "wan link to r2"
    assert interfaces["wan0"]["is_up"]
    mac = lab.exec("r1", "cat /sys/class/net/wan0/address").strip().upper()
    assert interfaces["wan0"]["mac_address"] == mac
    addresses = r1.get_interfaces_ip()
    assert addresses["wan0"]["ipv4"] == {lab.routers["r1"].link_ip: {"prefix_length": 24}}
    assert addresses["lo"]["ipv4"][lab.routers["r1"].loopback] == {"prefix_length": 32}


def test_lldp_sees_the_other_router(r1: FRRDriver) -> None:
    assert r1.get_lldp_neighbors()["wan0"] == [{"hostname": "r2", "port": "wan0"}]
    detail = r1.get_lldp_neighbors_detail(interface="wan0")["wan0"][0]
    assert detail["remote_system_name"] == "r2"
    assert "router" in detail["remote_system_enable_capab"]


def test_ping_and_cli(lab: FrrLab, r1: FRRDriver) -> None:
    result = r1.ping(lab.routers["r2"].link_ip, count=3)
    assert SHAPES["ping"](result)
    assert result["success"]["packet_loss"] == 0
    assert len(result["success"]["results"]) == 3
    lost = r1.ping(f"{lab.link_net}.99", count=2, timeout=1)
    assert lost["success"]["packet_loss"] == 2
    neighbors = r1.cli(["show ip ospf neighbor"], encoding="json")["show ip ospf neighbor"]
    assert isinstance(neighbors, dict)
    states = [n["converged"] for n in neighbors["neighbors"][lab.routers["r2"].loopback]]
    assert states == ["Full"]


def _until(check: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not after {timeout:.0f} s: {what}"
        time.sleep(1)


def _mac(lab: FrrLab, router: str, interface: str = "wan0") -> str:
    return lab.exec(router, f"cat /sys/class/net/{interface}/address").strip().upper()


def test_arp_table_holds_the_other_router(lab: FrrLab, r1: FRRDriver) -> None:
    r2 = lab.routers["r2"]
    assert r1.ping(r2.link_ip, count=1)["success"]["packet_loss"] == 0
    entries = {e["ip"]: e for e in r1.get_arp_table()}
    assert entries[r2.link_ip]["interface"] == "wan0"
    assert entries[r2.link_ip]["mac"] == _mac(lab, "r2")
    assert [e["ip"] for e in r1.get_arp_table(vrf="default")] == list(entries)
    assert r1.get_arp_table(vrf="blue") == []


def test_ipv6_neighbors_hold_the_other_routers_link_local_address(
    lab: FrrLab, r1: FRRDriver
) -> None:
    addresses = json.loads(lab.exec("r2", "ip -6 -json address show dev wan0 scope link"))
    link_local = addresses[0]["addr_info"][0]["local"]
    lab.exec("r1", f"ping -6 -c 1 -W 1 {link_local}%wan0")
    entries = {e["ip"]: e for e in r1.get_ipv6_neighbors_table()}
    assert entries[link_local]["interface"] == "wan0"
    assert entries[link_local]["mac"] == _mac(lab, "r2")
    assert entries[link_local]["state"] in ("REACHABLE", "STALE", "DELAY", "PROBE")


def test_interface_counters_follow_the_kernel(lab: FrrLab, r1: FRRDriver) -> None:
    before = r1.get_interfaces_counters()["wan0"]
    r1.ping(lab.routers["r2"].link_ip, count=3)
    after = r1.get_interfaces_counters()["wan0"]
    kernel = int(lab.exec("r1", "cat /sys/class/net/wan0/statistics/tx_packets"))
    assert before["tx_unicast_packets"] + 3 <= after["tx_unicast_packets"] <= kernel
    assert after["rx_octets"] > before["rx_octets"] > 0
    assert after["tx_broadcast_packets"] == -1  # Linux does not count broadcasts


def test_network_instances_are_the_kernels(lab: FrrLab, r1: FRRDriver) -> None:
    links = {link["ifname"] for link in json.loads(lab.exec("r1", "ip -json link show"))}
    instances = r1.get_network_instances()
    assert set(instances) == {"default"}  # this kernel has no VRF support
    assert set(instances["default"]["interfaces"]["interface"]) == links
    assert r1.get_network_instances(name="blue") == {}


def test_route_to_the_other_routers_loopback_and_bgp_prefix(lab: FrrLab, r1: FRRDriver) -> None:
    r2 = lab.routers["r2"]
    ospf = r1.get_route_to(r2.loopback)[f"{r2.loopback}/32"]
    assert [(r["protocol"], r["next_hop"], r["outgoing_interface"]) for r in ospf] == [
        ("ospf", r2.link_ip, "wan0")
    ]
    assert ospf[0]["current_active"]
    assert ospf[0]["protocol_attributes"] == {"metric": 10}  # the wan0 cost
    bgp = r1.get_route_to(f"{BGP_NET}.2", protocol="bgp")[f"{BGP_NET}.2/32"][0]
    assert (bgp["next_hop"], bgp["preference"], bgp["current_active"]) == (r2.link_ip, 20, True)
    attributes = bgp["protocol_attributes"]
    assert (attributes["as_path"], attributes["remote_as"]) == ("65002", 65002)
    assert (attributes["peer_id"], attributes["local_as"]) == (r2.loopback, 65001)
    assert r1.get_route_to(f"{BGP_NET}.2", protocol="ospf") == {}


def test_bgp_session_to_the_other_router_is_established(lab: FrrLab, r1: FRRDriver) -> None:
    r1_box, r2 = lab.routers["r1"], lab.routers["r2"]
    state = r1.get_bgp_neighbors()["global"]
    assert state["router_id"] == r1_box.loopback
    peer = state["peers"][r2.link_ip]
    assert (peer["is_up"], peer["is_enabled"], peer["remote_as"]) == (True, True, 65002)
    assert peer["remote_id"] == r2.loopback
    assert peer["address_family"]["ipv4"]["accepted_prefixes"] == 1  # r2's BGP prefix
    detail = r1.get_bgp_neighbors_detail(r2.link_ip)["global"][65002][0]
    assert detail["connection_state"] == "Established"
    assert (detail["local_address"], detail["remote_port"] > 0) == (r1_box.link_ip, True)
    assert (detail["import_policy"], detail["export_policy"]) == ("WAN-IN", "WAN-OUT")
    assert detail["active_prefix_count"] == 1
    config = r1.get_bgp_config()
    assert config["WAN"]["type"] == "external"
    assert config["WAN"]["neighbors"][r2.link_ip]["remote_as"] == 65002
    assert config["WAN"]["neighbors"][r2.link_ip]["prefix_limit"]["inet"]["unicast"]["limit"] == 100


def test_a_bgp_peer_shut_down_by_a_commit_shows_disabled(lab: FrrLab, r1: FRRDriver) -> None:
    r2 = lab.routers["r2"]
    r1.load_merge_candidate(config=f"router bgp 65001\n neighbor {r2.link_ip} shutdown\n")
    r1.commit_config(message="T-102 shut the BGP peer")
    peer = r1.get_bgp_neighbors()["global"]["peers"][r2.link_ip]
    assert (peer["is_enabled"], peer["is_up"]) == (False, False)
    _until(lambda: r1.get_route_to(f"{BGP_NET}.2", protocol="bgp") == {}, "route withdrawn")
    r1.rollback()
    _until(lambda: r1.get_bgp_neighbors()["global"]["peers"][r2.link_ip]["is_up"], "BGP back")
    _until(lambda: r1.get_route_to(f"{BGP_NET}.2", protocol="bgp"), "BGP route back")


def test_ntp_snmp_and_users_come_from_the_host_services(lab: FrrLab, r1: FRRDriver) -> None:
    r2 = lab.routers["r2"]
    servers = r1.get_ntp_servers()
    assert list(servers) == [r2.loopback]
    assert (servers[r2.loopback]["prefer"], servers[r2.loopback]["iburst"]) == (True, True)
    assert r1.get_ntp_peers() == {r2.link_ip: {}}
    snmp = r1.get_snmp_information()
    assert snmp["location"] == "Lab Dzongkhag, r1"
    assert snmp["community"]["lab-snmp-ro"]["mode"] == "ro"
    assert snmp["community"]["lab-snmp-rw"] == {"acl": "127.0.0.1", "mode": "rw"}
    assert lab.exec("r1", "systemctl is-active snmpd").strip() == "active"
    users = r1.get_users()
    public = " ".join(lab.key_file.with_suffix(".pub").read_text().split()[:2])
    assert users["root"]["level"] == 15
    assert any(key.startswith(public) for key in users["root"]["sshkeys"])
    assert (users["noc"]["level"], users["noc"]["password"]) == (15, NOC_PASSWORD_HASH)
    assert users["noc"]["sshkeys"] == [f"{public} noc@lab"]
    assert users["viewer"]["level"] == 1


def test_traceroute_to_the_other_router(lab: FrrLab, r1: FRRDriver) -> None:
    target = f"{BGP_NET}.2"
    hops = r1.traceroute(target, timeout=1)["success"]
    assert list(hops) == [1]
    assert {probe["ip_address"] for probe in hops[1]["probes"].values()} == {target}
    refused = r1.traceroute(target, source="198.19.99.1", timeout=1)
    assert "Cannot assign requested address" in refused["error"]


def test_unknown_host_key_is_refused(lab: FrrLab, tmp_path: Path) -> None:
    # r2's address with r1's key: the router presents a key that is not the one on file.
    r1_line = lab.known_hosts.read_text().splitlines()[0].split()
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{lab.routers['r2'].mgmt_ip} {r1_line[1]} {r1_line[2]}\n")
    empty = tmp_path / "empty"
    empty.write_text("")
    for known_hosts in (wrong, empty):
        device = FRRDriver(
            lab.routers["r2"].mgmt_ip,
            "root",
            "",
            optional_args={"key_file": str(lab.key_file), "known_hosts_file": str(known_hosts)},
        )
        with pytest.raises(ConnectionException, match=lab.routers["r2"].mgmt_ip):
            device.open()


def test_host_key_errors_say_which(lab: FrrLab, tmp_path: Path) -> None:
    r1_line = lab.known_hosts.read_text().splitlines()[0].split()
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{lab.routers['r2'].mgmt_ip} {r1_line[1]} {r1_line[2]}\n")
    empty = tmp_path / "empty"
    empty.write_text("")
    for known_hosts, error in ((wrong, HostKeyMismatchError), (empty, HostKeyUnknownError)):
        args = {"key_file": str(lab.key_file), "known_hosts_file": str(known_hosts)}
        with pytest.raises(error):
            FRRDriver(lab.routers["r2"].mgmt_ip, "root", "", optional_args=args).open()
    assert not empty.read_text()  # a refused key is never added


def test_replace_commit_and_rollback(lab: FrrLab, r1: FRRDriver) -> None:
    before = lab.running_config("r1")
    r1.load_replace_candidate(config=_changed(before))
    diff = r1.compare_config()
    assert diff.splitlines() == [
        " interface mgmt0",
        "- description management",
        "+ description management network",
        " interface wan0",
        "- ip ospf cost 10",
        "+ ip ospf cost 20",
    ]
    r1.commit_config(message="T-100 raise the link cost")
    assert lab.running_config("r1") == _changed(before)
    assert " ip ospf cost 20" in lab.exec("r1", "cat /etc/frr/frr.conf")
    assert "T-100 raise the link cost" in lab.exec("r1", "cat /var/lib/dzict-napalm/history.log")
    r1.rollback()
    assert lab.running_config("r1") == before
    assert " ip ospf cost 10" in lab.exec("r1", "cat /etc/frr/frr.conf")


def test_merge_compare_and_discard(lab: FrrLab, r1: FRRDriver) -> None:
    r1.load_merge_candidate(config="interface wan0\n ip ospf hello-interval 5\n")
    assert r1.compare_config() == " interface wan0\n+ ip ospf hello-interval 5"
    r1.discard_config()
    assert r1.compare_config() == ""
    with pytest.raises(CommitError, match="no candidate"):
        r1.commit_config()


def test_a_rejected_candidate_changes_nothing(lab: FrrLab, r1: FRRDriver) -> None:
    before = lab.running_config("r1")
    bad = before.replace(" ip ospf cost 10", " ip ospf cosst 10")
    host = re.escape(lab.routers["r1"].mgmt_ip)
    with pytest.raises(ReplaceConfigException, match=rf"{host}: .*line \d+: .*cosst"):
        r1.load_replace_candidate(config=bad)
    with pytest.raises(MergeConfigException, match=r"line 2: .*cosst"):
        r1.load_merge_candidate(config="interface wan0\n ip ospf cosst 10\n")
    assert lab.running_config("r1") == before


def test_commit_confirm(lab: FrrLab, r1: FRRDriver) -> None:
    before = lab.running_config("r1")
    startup = lab.exec("r1", "cat /etc/frr/frr.conf")
    r1.load_replace_candidate(config=_changed(before))
    r1.commit_config(revert_in=60)
    assert r1.has_pending_commit()
    assert lab.running_config("r1") == _changed(before)
    assert lab.exec("r1", "cat /etc/frr/frr.conf") == startup  # not yet written
    r1.load_replace_candidate(config=before)
    with pytest.raises(CommitError, match="waiting for confirmation"):
        r1.commit_config()
    r1.discard_config()
    r1.confirm_commit()
    assert not r1.has_pending_commit()
    assert " ip ospf cost 20" in lab.exec("r1", "cat /etc/frr/frr.conf")
    assert "revert.sh" not in lab.exec("r1", "ps ax -o args")
    with pytest.raises(CommitConfirmException):
        r1.confirm_commit()


def test_rollback_of_a_pending_commit(lab: FrrLab, r1: FRRDriver) -> None:
    before = lab.running_config("r1")
    r1.load_replace_candidate(config=_changed(before))
    r1.commit_config(revert_in=60)
    r1.rollback()
    assert not r1.has_pending_commit()
    assert lab.running_config("r1") == before
    assert "revert.sh" not in lab.exec("r1", "ps ax -o args")


_COMMIT_AND_DIE = """
import json, os, sys
from napalm_frr import FRRDriver
host, args, config, revert_in = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
device = FRRDriver(host, "root", "", optional_args=args)
device.open()
device.load_replace_candidate(config=config)
device.commit_config(message="left unconfirmed", revert_in=int(revert_in))
os.kill(os.getpid(), 9)
"""


def test_unconfirmed_commit_reverts_itself_with_the_client_gone(lab: FrrLab) -> None:
    before = lab.running_config("r1")
    try:
        client = subprocess.run(
            [
                sys.executable,
                "-c",
                _COMMIT_AND_DIE,
                lab.routers["r1"].mgmt_ip,
                json.dumps(lab.optional_args()),
                _changed(before),
                str(REVERT_IN),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        committed = time.monotonic()
        assert client.returncode == -9, client.stderr
        assert lab.running_config("r1") == _changed(before)
        deadline = committed + REVERT_IN + 10
        while lab.running_config("r1") != before and time.monotonic() < deadline:
            time.sleep(0.5)
        assert lab.running_config("r1") == before
        assert "reverted" in lab.exec("r1", "cat /var/lib/dzict-napalm/history.log")
        assert " ip ospf cost 10" in lab.exec("r1", "cat /etc/frr/frr.conf")
    finally:
        lab.reset("r1")


def test_nornir_napalm_finds_platform_frr(lab: FrrLab) -> None:
    hosts = Hosts(
        {
            name: Host(
                name=name,
                hostname=box.mgmt_ip,
                username="root",
                password="",
                platform="frr",
                connection_options={
                    "napalm": ConnectionOptions(extras={"optional_args": lab.optional_args()})
                },
            )
            for name, box in lab.routers.items()
        }
    )
    ConnectionPluginRegister.auto_register()  # what InitNornir does first
    nornir = Nornir(
        inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
        runner=SerialRunner(),
        config=Config(),
    )
    try:
        facts = nornir.run(task=napalm_get, getters=["facts"])
        assert not facts.failed
        assert {facts[h][0].result["facts"]["hostname"] for h in hosts} == {"r1", "r2"}
        base = lab.running_config("r1")
        only_r1 = nornir.filter(name="r1")
        plan = only_r1.run(
            task=napalm_configure, configuration=_changed(base), replace=True, dry_run=True
        )
        assert plan["r1"][0].changed
        assert "+ ip ospf cost 20" in plan["r1"][0].diff
        assert lab.running_config("r1") == base
        applied = only_r1.run(
            task=napalm_configure,
            configuration=_changed(base),
            replace=True,
            dry_run=False,
            revert_in=60,
            commit_message="T-101 via nornir",
        )
        assert applied["r1"][0].changed
        confirmed = only_r1.run(task=napalm_confirm_commit)
        assert not confirmed.failed
        assert " ip ospf cost 20" in lab.exec("r1", "cat /etc/frr/frr.conf")
    finally:
        nornir.close_connections()
        lab.reset("r1")


def test_the_applications_ssh_adapter_on_a_router(lab: FrrLab, tmp_path: Path) -> None:
    """dzict/ssh.py (access points, docs discovery, the lab's login check) on the same SSH
    layer: Nornir's "paramiko" connection, one channel per command, bytes in and out."""
    r1 = lab.routers["r1"]
    plugin = Paramiko()
    extras = {"key_file": str(lab.key_file), "known_hosts": str(lab.known_hosts)}
    plugin.open(r1.mgmt_ip, "root", None, 22, "debian", extras=extras)
    shell = plugin.connection
    assert shell is not None
    try:
        payload = bytes(range(256)) * 64
        echoed = shell.run_bytes("cat", payload)
        assert (echoed.stdout, echoed.exit_status) == (payload, 0)
        failed = shell.run("echo out; echo err >&2; exit 3")
        assert (failed.stdout, failed.stderr, failed.exit_status) == ("out\n", "err\n", 3)
        found = linux.collect(shell)
        assert found["facts"]["hostname"] == "r1"
        assert found["facts"]["vendor"] == "Podman"
        assert found["interfaces_ip"]["wan0"]["ipv4"] == {r1.link_ip: {"prefix_length": 24}}
        assert found["lldp_neighbors_detail"]["wan0"][0]["remote_system_name"] == "r2"
    finally:
        plugin.close()
    assert check_login(r1.mgmt_ip, lab.key_file, lab.known_hosts) is None
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    refused = check_login(r1.mgmt_ip, lab.key_file, empty)
    assert refused is not None
    assert refused.startswith("HostKeyUnknownError")
