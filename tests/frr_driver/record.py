"""Record the FRR driver's test fixtures from a REAL router (NAPALM's mocked_data layout).

For each case below, the driver runs its calls against the router through SSH; every command
it runs is saved under mocked_data/test_<method>/<case>/ as <command>.txt (standard output),
plus <command>.stderr.txt and <command>.rc when not empty / not 0; calls.json keeps the calls
and expected_result.json what the last one returned (or the exception it raised). Review
expected_result.json against the raw output before committing.

    PYTHONPATH=. python tests/frr_driver/record.py

It starts the two lab routers of frr_lab.py (the project's router image) in slot 0 (r1 at
198.19.224.11, the address test_getters.py expects), records, and removes them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from doubles import sanitize
from frr_lab import frr_lab
from napalm.base.exceptions import NapalmException

from napalm_frr import FRRDriver
from napalm_frr.ssh import CommandResult, Transport

HERE = Path(__file__).parent
MOCKED_DATA = HERE / "mocked_data"

Call = tuple[str, dict[str, Any]]

# The lab (frr_lab.py, slot 0): r1 and r2 joined by wan0 (198.19.225.0/24), OSPF with MD5,
# management on mgmt0 (kept out of LLDP by the image's lldpd settings).
_R1_CANDIDATE_CHANGE = [
    (" ip ospf cost 10", " ip ospf cost 20"),
    (" description management", " description management network"),
]
_MERGE = "interface wan0\n ip ospf hello-interval 5\n ip ospf dead-interval 20\n"
_BAD_LINE = " ip ospf cosst 10"


def cases(role: str, running: str) -> dict[str, dict[str, list[Call]]]:
    """The recordings for one lab router: method -> case -> calls (the last one is checked)."""
    changed = running
    for old, new in _R1_CANDIDATE_CHANGE:
        changed = changed.replace(old, new)
    plain: dict[str, dict[str, list[Call]]] = {
        method: {role: [(method, {})]}
        for method in (
            "is_alive",
            "get_facts",
            "get_interfaces",
            "get_interfaces_ip",
            "get_lldp_neighbors",
            "get_lldp_neighbors_detail",
            "get_config",
        )
    }
    if role != "r1":
        return plain
    plain["get_config"]["r1_sanitized"] = [("get_config", {"sanitized": True})]
    plain["get_config"]["r1_merge_candidate"] = [
        ("load_merge_candidate", {"config": _MERGE}),
        ("get_config", {"retrieve": "candidate"}),
    ]
    plain["get_lldp_neighbors_detail"]["r1_one_interface"] = [
        ("get_lldp_neighbors_detail", {"interface": "wan0"})
    ]
    return {
        **plain,
        "ping": {
            "r1_reachable": [("ping", {"destination": "198.19.225.2"})],
            "r1_no_answer": [("ping", {"destination": "198.19.225.99", "count": 2})],
            "r1_bad_source": [
                ("ping", {"destination": "198.19.225.2", "source_interface": "eth9"})
            ],
        },
        "cli": {
            "r1_text": [("cli", {"commands": ["show ip ospf neighbor", "show ip route"]})],
            "r1_json": [("cli", {"commands": ["show ip ospf neighbor"], "encoding": "json"})],
            "r1_unknown_command": [("cli", {"commands": ["show ip ospff"]})],
        },
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, frr_lab(Path(tmp), slots=(0,)) as lab:
        for role, box in lab.routers.items():
            device = FRRDriver(box.mgmt_ip, "root", "", optional_args=lab.optional_args())
            device.open()
            try:
                running = device.get_config(retrieve="running")["running"]
                for method, by_case in cases(role, running).items():
                    for case, calls in by_case.items():
                        record_case(device, MOCKED_DATA / f"test_{method}" / case, calls)
                        print(f"recorded test_{method}/{case}")
                if role == "r1":
                    # A link that went down and up: last_flapped counts from that change.
                    lab.exec(role, "ip link set wan0 down && sleep 1 && ip link set wan0 up")
                    time.sleep(2)
                    folder = MOCKED_DATA / "test_get_interfaces" / "r1_after_flap"
                    record_case(device, folder, [("get_interfaces", {})])
                    print("recorded test_get_interfaces/r1_after_flap")
            finally:
                device.close()


if __name__ == "__main__":
    main()
