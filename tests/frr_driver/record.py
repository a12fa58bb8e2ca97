"""Record the FRR driver's test fixtures from a REAL router (NAPALM's mocked_data layout).

For each case below, the driver runs its calls against the router through SSH; every command
it runs is saved under mocked_data/test_<method>/<case>/ as <command>.txt (standard output),
plus <command>.stderr.txt and <command>.rc when not empty / not 0; calls.json keeps the calls
and expected_result.json what the last one returned (or the exception it raised). Review
expected_result.json against the raw output before committing.

    PYTHONPATH=. python tests/frr_driver/record.py

It starts the two lab routers of frr_lab.py (the project's router image) in slot 0 (r1 at
198.19.224.11, the address test_getters.py expects), records, and removes them. A few cases
change the router first (a BGP peer shut down, snmpd.conf moved away...) and put it back after.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doubles import sanitize
from frr_lab import BGP_NET, FrrLab, frr_lab
from napalm.base.exceptions import NapalmException

from napalm_frr import FRRDriver
from napalm_frr.ssh import CommandResult, Transport

HERE = Path(__file__).parent
MOCKED_DATA = HERE / "mocked_data"

Call = tuple[str, dict[str, Any]]

# The lab (frr_lab.py, slot 0): r1 and r2 joined by wan0 (198.19.225.0/24), OSPF with MD5 and
# eBGP (AS 65001, 65002) on it, management on mgmt0 (kept out of LLDP by the image's lldpd
# settings).
_R1_CANDIDATE_CHANGE = [
    (" ip ospf cost 10", " ip ospf cost 20"),
    (" description management", " description management network"),
]
_MERGE = "interface wan0\n ip ospf hello-interval 5\n ip ospf dead-interval 20\n"
_BAD_LINE = " ip ospf cosst 10"
_NOT_LOCAL = "198.19.99.1"  # an address no router has: a source the kernel refuses
_TIMESYNCD = "[Time]\nNTP={ntp}\nFallbackNTP={fallback}\n"

_PLAIN = (
    "is_alive",
    "get_facts",
    "get_interfaces",
    "get_interfaces_ip",
    "get_lldp_neighbors",
    "get_lldp_neighbors_detail",
    "get_config",
    "get_arp_table",
    "get_interfaces_counters",
    "get_network_instances",
    "get_bgp_neighbors",
    "get_bgp_neighbors_detail",
    "get_bgp_config",
    "get_ntp_servers",
    "get_ntp_peers",
    "get_snmp_information",
    "get_users",
)


@dataclass(frozen=True)
class Stage:
    """Shell commands run on the router (through podman) before and after one case."""

    before: str
    after: str = ""
    reset: bool = False  # put the base FRR configuration back afterwards


def _config_cases(running: str) -> dict[str, dict[str, list[Call]]]:
    changed = running
    for old, new in _R1_CANDIDATE_CHANGE:
        changed = changed.replace(old, new)
    return {
        "compare_config": {
            "r1_replace": [
                ("load_replace_candidate", {"config": changed}),
                ("compare_config", {}),
            ],
            "r1_merge": [("load_merge_candidate", {"config": _MERGE}), ("compare_config", {})],
            "r1_same": [("load_replace_candidate", {"config": running}), ("compare_config", {})],
        },
        "load_replace_candidate": {
            "r1_syntax_error": [
                (
                    "load_replace_candidate",
                    {"config": running.replace(" ip ospf cost 10", _BAD_LINE)},
                )
            ],
        },
        "load_merge_candidate": {
            "r1_syntax_error": [
                ("load_merge_candidate", {"config": "interface wan0\n" + _BAD_LINE + "\n"})
            ],
        },
    }


def _r1_cases(lab: FrrLab) -> dict[str, dict[str, list[Call]]]:
    r2 = lab.routers["r2"]
    link = lab.link_net
    return {
        "get_config": {
            "r1_sanitized": [("get_config", {"sanitized": True})],
            "r1_merge_candidate": [
                ("load_merge_candidate", {"config": _MERGE}),
                ("get_config", {"retrieve": "candidate"}),
            ],
        },
        "get_lldp_neighbors_detail": {
            "r1_one_interface": [("get_lldp_neighbors_detail", {"interface": "wan0"})]
        },
        "ping": {
            "r1_reachable": [("ping", {"destination": r2.link_ip})],
            "r1_no_answer": [("ping", {"destination": f"{link}.99", "count": 2})],
            "r1_bad_source": [("ping", {"destination": r2.link_ip, "source_interface": "eth9"})],
        },
        "traceroute": {
            "r1_bgp_prefix": [("traceroute", {"destination": f"{BGP_NET}.2"})],
            "r1_no_answer": [("traceroute", {"destination": f"{link}.99", "ttl": 3, "timeout": 1})],
            "r1_bad_source": [("traceroute", {"destination": r2.link_ip, "source": _NOT_LOCAL})],
        },
        "cli": {
            "r1_text": [("cli", {"commands": ["show ip ospf neighbor", "show ip route"]})],
            "r1_json": [("cli", {"commands": ["show ip ospf neighbor"], "encoding": "json"})],
            "r1_unknown_command": [("cli", {"commands": ["show ip ospff"]})],
        },
        "get_arp_table": {
            "r1_vrf_default": [("get_arp_table", {"vrf": "default"})],
            "r1_vrf_unknown": [("get_arp_table", {"vrf": "blue"})],
        },
        "get_ipv6_neighbors_table": {"r1": [("get_ipv6_neighbors_table", {})]},
        "get_network_instances": {
            "r1_by_name": [("get_network_instances", {"name": "default"})],
            "r1_unknown": [("get_network_instances", {"name": "blue"})],
        },
        "get_route_to": {
            "r1_ospf": [("get_route_to", {"destination": r2.loopback})],
            "r1_bgp": [("get_route_to", {"destination": f"{BGP_NET}.2"})],
            "r1_longer": [("get_route_to", {"destination": f"{link}.0/24", "longer": True})],
            "r1_protocol": [
                ("get_route_to", {"destination": f"{link}.0/24", "protocol": "connected"})
            ],
            "r1_all_bgp": [("get_route_to", {"protocol": "bgp"})],
        },
        "get_bgp_neighbors": {"r1_peer_shutdown": [("get_bgp_neighbors", {})]},
        "get_bgp_neighbors_detail": {
            "r1_one_neighbor": [("get_bgp_neighbors_detail", {"neighbor_address": r2.link_ip})]
        },
        "get_bgp_config": {
            "r1_group": [("get_bgp_config", {"group": "WAN"})],
            "r1_neighbor": [("get_bgp_config", {"neighbor": r2.link_ip})],
        },
    }


def _r2_cases() -> dict[str, dict[str, list[Call]]]:
    return {
        "get_bgp_neighbors": {"r2_no_bgp": [("get_bgp_neighbors", {})]},
        "get_bgp_config": {"r2_no_bgp": [("get_bgp_config", {})]},
        "get_ntp_servers": {"r2_timesyncd": [("get_ntp_servers", {})]},
        "get_snmp_information": {"r2_no_snmpd": [("get_snmp_information", {})]},
    }


def stages(lab: FrrLab) -> dict[tuple[str, str], Stage]:
    """The cases that change the router first, by (method, case)."""
    r1, r2 = lab.routers["r1"], lab.routers["r2"]
    ll = json.loads(lab.exec("r2", "ip -6 -json address show dev wan0 scope link"))
    r2_link_local = ll[0]["addr_info"][0]["local"]
    no_bgp = Stage("vtysh -c 'conf t' -c 'no router bgp 65002'", reset=True)
    timesyncd = _TIMESYNCD.format(ntp=r1.loopback, fallback=r1.link_ip)
    return {
        ("get_ipv6_neighbors_table", "r1"): Stage(f"ping -6 -c 2 -W 1 {r2_link_local}%wan0"),
        ("get_bgp_neighbors", "r1_peer_shutdown"): Stage(
            f"vtysh -c 'conf t' -c 'router bgp 65001' -c 'neighbor {r2.link_ip} shutdown'",
            reset=True,
        ),
        ("get_bgp_neighbors", "r2_no_bgp"): no_bgp,
        ("get_bgp_config", "r2_no_bgp"): no_bgp,
        ("get_ntp_servers", "r2_timesyncd"): Stage(
            f"mv /etc/chrony /etc/chrony.off && printf '{timesyncd}' > /etc/systemd/timesyncd.conf",
            "rm /etc/systemd/timesyncd.conf && mv /etc/chrony.off /etc/chrony",
        ),
        ("get_snmp_information", "r2_no_snmpd"): Stage(
            "mv /etc/snmp/snmpd.conf /etc/snmp/snmpd.conf.off",
            "mv /etc/snmp/snmpd.conf.off /etc/snmp/snmpd.conf",
        ),
    }


def cases(lab: FrrLab, role: str, running: str) -> dict[str, dict[str, list[Call]]]:
    """The recordings for one lab router: method -> case -> calls (the last one is checked)."""
    plain: dict[str, dict[str, list[Call]]] = {method: {role: [(method, {})]} for method in _PLAIN}
    extra = {**_r1_cases(lab), **_config_cases(running)} if role == "r1" else _r2_cases()
    for method, by_case in extra.items():
        plain.setdefault(method, {}).update(by_case)
    return plain


class RecordingTransport:
    """An SSH transport that remembers what each command printed."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.seen: dict[str, CommandResult] = {}

    def run(self, command: str, stdin: str | None = None) -> CommandResult:
        result = self.inner.run(command, stdin)
        self.seen[command] = result
        return result

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        results = self.inner.run_many(commands)
        self.seen.update(zip(commands, results, strict=True))
        return results

    def is_active(self) -> bool:
        return self.inner.is_active()

    def close(self) -> None:
        self.inner.close()


def record_case(device: FRRDriver, folder: Path, calls: list[Call]) -> None:
    """Run the calls, then write the commands' output and the last call's result."""
    transport = RecordingTransport(device._device())
    device._transport = transport
    expected: Any = None
    try:
        for method, kwargs in calls:
            try:
                expected = getattr(device, method)(**kwargs)
            except NapalmException as exc:
                expected = {"raises": type(exc).__name__, "message": str(exc)}
        expected = json.loads(json.dumps(expected))
    finally:
        device._transport = transport.inner
        device.discard_config()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for command, result in transport.seen.items():
        name = sanitize(command)
        (folder / f"{name}.txt").write_text(result.stdout)
        if result.stderr:
            (folder / f"{name}.stderr.txt").write_text(result.stderr)
        if result.exit_status:
            (folder / f"{name}.rc").write_text(f"{result.exit_status}\n")
    (folder / "calls.json").write_text(json.dumps(calls, indent=2) + "\n")
    (folder / "expected_result.json").write_text(json.dumps(expected, indent=2) + "\n")


def _bgp_established(lab: FrrLab) -> bool:
    return "bgp" in lab.exec("r1", f"vtysh -c 'show ip route {BGP_NET}.2/32'")


def _wait_for_bgp(lab: FrrLab) -> None:
    deadline = time.monotonic() + 120
    while not _bgp_established(lab) and time.monotonic() < deadline:
        time.sleep(1)


def record_staged(
    lab: FrrLab, role: str, device: FRRDriver, key: tuple[str, str], stage: Stage
) -> None:
    """A case that changes the router first; the change is undone whatever happens."""
    method, case = key
    lab.exec(role, stage.before)
    try:
        time.sleep(1)
        record_case(device, MOCKED_DATA / f"test_{method}" / case, [(method, {})])
    finally:
        if stage.after:
            lab.exec(role, stage.after)
        if stage.reset:
            lab.reset(role)
            _wait_for_bgp(lab)


def record_router(lab: FrrLab, role: str) -> None:
    box = lab.routers[role]
    device = FRRDriver(box.mgmt_ip, "root", "", optional_args=lab.optional_args())
    device.open()
    try:
        running = device.get_config(retrieve="running")["running"]
        staged = stages(lab)
        for method, by_case in cases(lab, role, running).items():
            for case, calls in by_case.items():
                if (method, case) in staged:
                    record_staged(lab, role, device, (method, case), staged[(method, case)])
                else:
                    record_case(device, MOCKED_DATA / f"test_{method}" / case, calls)
                print(f"recorded test_{method}/{case}")
        if role == "r1":
            # A link that went down and up: last_flapped counts from that change.
            lab.exec(role, "ip link set wan0 down && sleep 1 && ip link set wan0 up")
            time.sleep(2)
            folder = MOCKED_DATA / "test_get_interfaces" / "r1_after_flap"
            record_case(device, folder, [("get_interfaces", {})])
            print("recorded test_get_interfaces/r1_after_flap")
            _wait_for_bgp(lab)
    finally:
        device.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, frr_lab(Path(tmp), slots=(0,)) as lab:
        for role in lab.routers:
            record_router(lab, role)


if __name__ == "__main__":
    main()
