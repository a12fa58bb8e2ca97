"""Each broken inventory of tests/data/broken is rejected with exactly its expected lines.

A case is a small change to the generated lab inventory (``write`` files, ``replace`` text in
them), its ``description`` and the exact lines it must produce (``expect``). Every case runs
``invoke wan.plan`` (a task that connects to every router when the inventory is valid) in this
process, under an audit hook that refuses and records any name lookup, socket connection or new
process: the task must print exactly the expected lines, exit 1, and have tried to reach nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from invoke.collection import Collection
from invoke.program import Program

from dzict.inventory import load_inventory
from dzict.tasks import wan

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((Path(__file__).parent / "data" / "broken").glob("*.yml"))
CASE_KEYS = {"description", "write", "replace", "expect"}
INVALID = "inventory inv is invalid: {n} problem(s); nothing was contacted"
CONTACT_EVENTS = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
    }
)


class ContactAttempted(RuntimeError):
    """Raised by the audit hook: the code under test tried to reach something."""


@dataclass
class Watch:
    """Records (and refuses) every attempt to reach a host or start a process while on."""

    on: bool = False
    attempts: list[str] = field(default_factory=list)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.on and event in CONTACT_EVENTS:
            self.attempts.append(f"{event} {args!r}"[:300])
            raise ContactAttempted(event)

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        self.attempts = []
        self.on = True
        try:
            yield self.attempts
        finally:
            self.on = False


WATCH = Watch()
sys.addaudithook(WATCH.hook)


def apply_case(case: dict[str, Any], inv: Path) -> None:
    """Write and edit the files a case names, over a valid lab inventory."""
    for name, text in (case.get("write") or {}).items():
        (inv / name).parent.mkdir(parents=True, exist_ok=True)
        (inv / name).write_text(text, encoding="utf-8")
    for name, edits in (case.get("replace") or {}).items():
        path = inv / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, f"{name}: the case expects {old!r} in the file"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def warm(lab_template: Path) -> Path:
    """The unmodified lab loads; Ansible's import-time work is done before anything is watched."""
    load_inventory(lab_template)
    return lab_template


def run_task(argv: list[str]) -> tuple[int | str | None, list[str]]:
    """Run an invoke task in this process, as the command line would; exit code and attempts."""
    program = Program(namespace=Collection(wan.ns), name="invoke", binary="invoke")
    with WATCH.watching() as attempts, pytest.raises(SystemExit) as done:
        program.run(["invoke", *argv])
    return done.value.code, attempts


@pytest.mark.parametrize("case_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_inventory_is_rejected(
    case_file: Path,
    lab_copy: Path,
    warm: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    apply_case(case, lab_copy)
    monkeypatch.chdir(lab_copy.parent)
    monkeypatch.delenv("DZICT_INVENTORY", raising=False)
    code, attempts = run_task(["wan.plan", "-i", "inv"])
    lines = capsys.readouterr().err.splitlines()
    assert lines == [*case["expect"], INVALID.format(n=len(case["expect"]))]
    assert code == 1
    assert attempts == []


def test_the_watch_refuses_and_records_contact() -> None:
    with WATCH.watching() as attempts:
        with pytest.raises(ContactAttempted):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        with pytest.raises(ContactAttempted):
            subprocess.run(["true"], check=False)
    assert [a.split()[0] for a in attempts] == ["socket.getaddrinfo", "subprocess.Popen"]


def test_corpus_cases_are_well_formed() -> None:
    assert len(CORPUS) >= 30
    for path in CORPUS:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(case) <= CASE_KEYS, path.name
        assert case["description"], path.name
        assert case.get("write") or case.get("replace"), path.name
        assert case["expect"], path.name
        assert all(isinstance(line, str) for line in case["expect"]), path.name


def test_corpus_covers_every_required_fault() -> None:
    names = {p.stem for p in CORPUS}
    assert {
        "yaml_syntax",
        "unknown_platform",
        "duplicate_host_same_group",
        "duplicate_mgmt_address",
        "overlapping_subnets",
        "link_unknown_host",
        "link_unknown_interface",
        "vlan_out_of_range",
        "ssid_too_long",
        "passphrase_too_short",
        "site_without_router",
        "vault_variable_missing",
        "vault_undecryptable",
        # unknown keys, with the nearest known one
        "unknown_site_key",
        "unknown_host_key",
        "unknown_vlan_key",
        "unknown_ssid_key",
        "unknown_link_key",
        "unknown_addressing_key",
        "unknown_role_variable",
        # every written address in its block; a lab in its range
        "mgmt_outside_site_block",
        "lan_outside_vlan",
        "loopback_outside_supernet",
        "wan_end_outside_link",
        "lab_host_outside_range",
        # links and paths
        "link_to_itself",
        "link_end_not_router",
        "interface_used_twice",
        "duplicate_link",
        "duplicate_link_id",
        "link_cost_zero",
        "office_without_path",
        "gateway_other_site",
        # one root cause, one line
        "host_id_outside_block",
        "site_id_not_a_number",
        "lan_vlan_undefined",
    } <= names


def run_check(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `invoke inventory.check -i inv` as an officer would."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "--search-root",
            str(ROOT),
            "inventory.check",
            "-i",
            "inv",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )


def test_check_task_prints_one_line_per_problem_and_exits_1(lab_copy: Path) -> None:
    case = yaml.safe_load((Path(__file__).parent / "data/broken/ssid_too_long.yml").read_text())
    apply_case(case, lab_copy)
    proc = run_check(lab_copy.parent)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [*case["expect"], INVALID.format(n=1)]
    assert "Traceback" not in proc.stderr


def test_check_task_summarises_a_valid_inventory(lab_copy: Path) -> None:
    proc = run_check(lab_copy.parent)
    assert proc.returncode == 0, proc.stderr
    assert "inventory is valid" in proc.stdout
    assert "WAN links" in proc.stdout
