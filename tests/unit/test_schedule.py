"""Scheduled patch and backup runs: systemd units from the inventory, checked by systemd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dzict.exceptions import ScheduleError
from dzict.inventory import load_inventory
from dzict.schedule import jobs, verify, write_units
from dzict.ticketlog import TicketLog

ROOT = Path(__file__).resolve().parents[2]


def test_units_pass_systemd_analyze_verify(lab_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(lab_copy)
    written = write_units(inv, tmp_path / "units")
    assert sorted(p.name for p in written) == [
        "dzict-backup.service",
        "dzict-backup.timer",
        "dzict-patch-pcs.service",
        "dzict-patch-pcs.timer",
        "dzict-patch-servers.service",
        "dzict-patch-servers.timer",
    ]
    assert verify(written) == ""
    timer = (tmp_path / "units" / "dzict-patch-servers.timer").read_text()
    assert "OnCalendar=Sat *-*-* 22:00\n" in timer
    service = (tmp_path / "units" / "dzict-patch-servers.service").read_text()
    assert f"ExecStart={sys.executable} -m invoke schedule.run patch --limit servers\n" in service
    assert f"Environment=DZICT_INVENTORY={lab_copy.resolve()}\n" in service


def test_verify_reports_a_broken_unit(tmp_path: Path) -> None:
    unit = tmp_path / "dzict-broken.service"
    unit.write_text("[Service]\nType=oneshot\nExecStart=relative/path\nBogusKey=1\n")
    assert "BogusKey" in verify([unit]) or "relative" in verify([unit])


def test_a_bad_patch_window_names_its_file_and_key(lab_copy: Path) -> None:
    path = lab_copy / "group_vars" / "pcs.yml"
    data = yaml.safe_load(path.read_text())
    data["schedule_patch_window"] = "every lunchtime"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScheduleError, match=r"group_vars/pcs: schedule_patch_window: 'every"):
        jobs(load_inventory(lab_copy))


def test_install_task_writes_verified_units(lab_copy: Path, tmp_path: Path) -> None:
    dest = tmp_path / "systemd"
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "schedule.install", "-i", str(lab_copy), "-d", str(dest)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (dest / "dzict-backup.timer").is_file()
    assert "systemctl enable --now" in proc.stdout


def test_scheduled_run_opens_and_closes_its_own_ticket(lab_copy: Path, tmp_path: Path) -> None:
    log_path = tmp_path / "ticket-log.jsonl"
    env = {**os.environ, "DZICT_TICKET_LOG": str(log_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "schedule.run",
            "patch",
            "-i",
            str(lab_copy),
            "--limit",
            "no-such-host",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "scheduled patch failed" in proc.stderr
    log = TicketLog(log_path, code="LAB")
    (ticket,) = log.tickets()
    events = log.events(ticket.id)
    assert [e["event"] for e in events] == ["opened", "note", "closed"]
    assert events[0]["channel"] == "scheduled"
    assert events[0]["category"] == "os-patch"
    assert events[-1]["resolution"] == "failed"


def test_windows_role_passes_the_syntax_check() -> None:
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "--syntax-check",
            "-i",
            "localhost,",
            str(ROOT / "tests/data/patch/windows_syntax.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
