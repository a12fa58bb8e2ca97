"""Patching against the lab: report, gate, rolling batches, health checks, switched-off PCs.

The tests run in file order on one lab: the gate refuses first (nothing changes), the report
lists the mirror's newer versions, a failing health check stops the rollout after the first
server, a stopped PC is skipped while the rest is patched, and a last run patches everything.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dzict.backup.status import Snapshot, now, record_run
from dzict.lab import fault_host
from dzict.ticketlog import TicketLog
from support.lab import RunningLab

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dzict-agent", "dzict-baseline")
OLD = {"dzict-agent": "1.0", "dzict-baseline": "1.0"}
NEW = {"dzict-agent": "1.1", "dzict-baseline": "1.1"}


@dataclass
class Patching:
    """One lab, its ticket log, backup record and report folder, and an open ticket."""

    lab: RunningLab
    env: dict[str, str]
    log: TicketLog
    ticket: str
    reports: Path
    backups: Path

    @property
    def servers(self) -> list[str]:
        return sorted(h.name for h in self.lab.inventory.by_role("server"))

    @property
    def pcs(self) -> list[str]:
        return sorted(h.name for h in self.lab.inventory.by_role("pc"))

    def invoke(self, *args: str, inventory: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run an invoke task as an officer would."""
        line = [sys.executable, "-m", "invoke", *args, "-i", str(inventory or self.lab.path)]
        return subprocess.run(
            line, capture_output=True, text=True, check=False, cwd=ROOT, env=self.env, timeout=900
        )

    def versions(self, host: str) -> dict[str, str]:
        """The installed versions of the lab's packages on a host, read over SSH."""
        out = self.lab.ssh(
            host, "dpkg-query -W -f='${Package} ${Version}\\n' " + " ".join(PACKAGES)
        )
        return dict(line.split() for line in out.stdout.splitlines())

    def changes(self) -> dict[str, dict[str, object]]:
        """The last patch.apply entry of each host in the ticket log."""
        found: dict[str, dict[str, object]] = {}
        for event in self.log.events(self.ticket):
            if event.get("task") == "patch.apply":
                found[event["targets"][0]] = dict(event)
        return found

    def report_rows(self) -> list[dict[str, str]]:
        with (self.reports / "patch-report-latest.csv").open() as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def patching(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> Patching:
    """A ticket log with an open ticket, an empty backup record and a report folder."""
    base = tmp_path_factory.mktemp("patching")
    env = {
        **os.environ,
        "DZICT_TICKET_LOG": str(base / "ticket-log.jsonl"),
        "DZICT_BACKUP_STATUS": str(base / "backup-status.json"),
        "DZICT_PATCH_REPORTS": str(base / "reports"),
        "DZICT_CONFIG_BACKUPS": str(base / "config-backups"),
        "DZICT_WAN_SAVED": str(base / "wan-saved"),
        "DZICT_WAN_LOCK": str(base / "wan.lock"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    log = TicketLog(base / "ticket-log.jsonl", code=lab.inventory.dzongkhag.code)
    ticket = log.open("ICT Services Unit", "os-patch", "walk-in", "normal", "Patch the lab", "test")
    patching = Patching(lab, env, log, ticket, base / "reports", base / "backup-status.json")
    _reach_the_mirror(patching)
    return patching


def _reach_the_mirror(patching: Patching) -> None:
    """The PCs reach the mirror through the routers: provision the WAN first if need be."""
    pcs = [p for p in patching.pcs if not p.startswith(f"{patching.lab.prefix}-hq-")]
    probe = patching.lab.ssh(pcs[0], "apt-get update -q", check=False)
    if "Failed to fetch" not in probe.stdout + probe.stderr and probe.returncode == 0:
        return
    # wan.apply is gated on the control node's backup; the backups are not under test here.
    record_run(
        "control",
        "ok",
        snapshot=Snapshot(time=now(), snapshot="lab", size=1),
        path=patching.backups,
    )
    proc = patching.invoke("wan.apply", "--ticket", patching.ticket)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gate_refuses_servers_without_a_recorded_backup(patching: Patching) -> None:
    proc = patching.invoke("patch.apply", "--ticket", patching.ticket, "--limit", "servers")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no good backup recorded" in proc.stderr
    for server in patching.servers:
        assert patching.versions(server) == OLD
    changes = patching.changes()
    first, *later = patching.servers
    assert changes[first]["result"] == "failed"
    assert "backup gate" in str(changes[first]["details"])
    assert all(changes[s]["result"] == "skipped" for s in later)


def test_report_lists_the_newer_versions_of_every_host(patching: Patching) -> None:
    # The backups themselves are the backup tests' concern; the gate reads this record.
    for server in patching.servers:
        record_run(
            server,
            "ok",
            snapshot=Snapshot(time=now(), snapshot="lab", size=1),
            path=patching.backups,
        )
    proc = patching.invoke("patch.report")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = {
        (r["host"], r["package"]): (r["installed"], r["available"], r["security"])
        for r in patching.report_rows()
    }
    for host in patching.pcs + patching.servers:
        assert found[(host, "dzict-agent")] == ("1.0", "1.1", "yes")
        assert found[(host, "dzict-baseline")] == ("1.0", "1.1", "no")
    assert patching.invoke("patch.report", "--check").returncode == 2


def test_failing_health_check_stops_the_rollout_after_the_first_batch(
    patching: Patching, tmp_path: Path
) -> None:
    first, *later = patching.servers
    inventory = tmp_path / "inv"
    shutil.copytree(patching.lab.path, inventory, symlinks=True)
    (inventory / "host_vars").mkdir(exist_ok=True)
    # The application stops answering after patching: a port where nothing listens.
    (inventory / "host_vars" / f"{first}.yml").write_text(
        yaml.safe_dump({"health_command": ["pg_isready", "-q", "-p", "5999"]})
    )
    proc = patching.invoke("patch.apply", "--ticket", patching.ticket, inventory=inventory)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rollout stopped" in proc.stderr
    assert patching.versions(first) == NEW
    for host in later + patching.pcs:
        assert patching.versions(host) == OLD, host
    changes = patching.changes()
    assert changes[first]["result"] == "failed"
    assert (
        changes[first]["details"]["failed_task"]
        == "Check that the application health command succeeds"
    )
    for host in later + patching.pcs:
        assert changes[host]["result"] == "skipped"
        assert first in changes[host]["details"]["stopped"]
    notes = [e for e in patching.log.events(patching.ticket) if e.get("event") == "note"]
    assert any("patch rollout stopped" in str(n) for n in notes)


def test_switched_off_pc_is_reported_not_patched_while_the_rest_goes_on(
    patching: Patching,
) -> None:
    off = patching.pcs[-1]
    fault_host(patching.lab.inventory, off, stop=True)
    try:
        proc = patching.invoke("patch.apply", "--ticket", patching.ticket)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert off in proc.stderr
        for host in patching.servers + [p for p in patching.pcs if p != off]:
            assert patching.versions(host) == NEW, host
        assert patching.changes()[off]["result"] == "unreachable"
        check = patching.invoke("patch.report", "--check")
        assert check.returncode == 2, check.stdout + check.stderr
        (row, *_) = [r for r in patching.report_rows() if r["host"] == off]
        assert row["note"].startswith("not patched: unreachable")
        assert row["package"] == "dzict-agent"
    finally:
        fault_host(patching.lab.inventory, off, stop=False)
    assert patching.versions(off) == OLD


def test_apply_patches_every_host_then_check_finds_nothing(patching: Patching) -> None:
    proc = patching.invoke("patch.apply", "--ticket", patching.ticket)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host in patching.pcs + patching.servers:
        assert patching.versions(host) == NEW, host
    assert patching.changes()[patching.pcs[-1]]["result"] == "applied"
    check = patching.invoke("patch.report", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
