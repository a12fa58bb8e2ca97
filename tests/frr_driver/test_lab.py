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
from collections.abc import Iterator
from pathlib import Path

import pytest
from frr_lab import FrrLab, frr_lab
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

from napalm_frr import FRRDriver

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
