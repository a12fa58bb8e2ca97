"""Parsers of the Linux collector, on output recorded from real hosts."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from dzict.docs import linux
from napalm_frr import parsers
from napalm_frr.ssh import CommandResult

DATA = Path(__file__).resolve().parent / "data" / "linux"


def test_interfaces_from_ip_json() -> None:
    text = (DATA / "ip-addr.json").read_text()
    ifaces = linux.interfaces(text)
    addresses = parsers.parse_interfaces_ip(text)
    assert sorted(ifaces) == ["eth1", "lo"]
    assert ifaces["eth1"]["is_up"] is True
    assert ifaces["eth1"]["mac_address"] == "76:53:42:3f:1e:3f"
    assert ifaces["lo"]["mac_address"] == ""
    assert addresses["eth1"]["ipv4"] == {"198.18.112.2": {"prefix_length": 26}}
    assert addresses["lo"]["ipv4"] == {"127.0.0.1": {"prefix_length": 8}}


class ContainerShell:
    """A Debian container without DMI and without lldpcli, as the lab's PCs answer: each
    command its own result, a failing one with its exit status."""

    ANSWERS: ClassVar[dict[str, CommandResult]] = {
        "hostname": CommandResult("dzlab-hq-app\n", "", 0),
        "os_release": CommandResult(
            'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', "", 0
        ),
        "uptime": CommandResult("3600.52 7000.10\n", "", 0),
        "container": CommandResult("podman\n", "", 0),
        "lldp": CommandResult("", "sh: 1: lldpcli: not found\n", 127),
    }

    def __init__(self) -> None:
        self.commands: list[str] = []

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        self.commands += commands
        keys = {command: key for key, command in linux.COMMANDS.items()}
        missing = CommandResult("", "No such file or directory\n", 1)
        return [self.ANSWERS.get(keys[c], missing) for c in commands]


def test_outputs_and_facts_in_a_container() -> None:
    out = linux.outputs(ContainerShell())
    facts = linux.facts(out, ["eth0"])
    assert facts == {
        "hostname": "dzlab-hq-app",
        "fqdn": "dzlab-hq-app",
        "vendor": "Podman",
        "model": "container",
        "serial_number": "",
        "os_version": "Debian GNU/Linux 12 (bookworm)",
        "uptime": 3600.52,
        "interface_list": ["eth0"],
    }
    assert linux.lldp_neighbors(out["lldp"]) is None


def test_every_command_runs_on_its_own() -> None:
    shell = ContainerShell()
    out = linux.outputs(shell)
    assert shell.commands == list(linux.COMMANDS.values())  # one channel each, no markers
    assert out["vendor"] == ""  # a failed command (exit status 1) gives no output


def test_lldp_neighbours_recorded_from_a_router() -> None:
    """lldpcli's JSON as an FRR lab router printed it (neighbour r2 on eth1 and on eth0)."""
    neighbours = linux.lldp_neighbors((DATA / "lldpcli-r1.json").read_text())
    assert neighbours is not None
    assert sorted(neighbours) == ["eth0", "eth1"]
    first = neighbours["eth1"][0]
    assert (first["remote_system_name"], first["remote_port"]) == ("r2", "eth1")
    assert first["remote_system_enable_capab"] == ["router"]


def test_napalm_drivers_known() -> None:
    from dzict.docs.discover import napalm_driver_installed

    assert napalm_driver_installed("frr")  # the project's own driver, found as napalm_frr
    assert napalm_driver_installed("ios")
    assert not napalm_driver_installed("nosuchplatform")  # recorded as not discovered
