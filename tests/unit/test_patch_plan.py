"""Which hosts a patch run reaches and the batch sizes the inventory asks for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dzict.exceptions import PatchRunError, SelectionError
from dzict.inventory import load_inventory
from dzict.jobs import select
from dzict.patch.job import ROLES
from dzict.patch.plan import DEFAULT_SERIAL, serial_vars

ROOT = Path(__file__).resolve().parents[2]


def test_targets_are_pcs_and_servers_within_the_limit(lab_copy: Path) -> None:
    """The one --limit grammar of every task: host names, site keys, groups, comma-separated."""
    inv = load_inventory(lab_copy)
    every = select(inv, None, ROLES)
    assert every == sorted(h.name for h in inv.hosts.values() if h.role in ("pc", "server"))
    assert select(inv, "site_hq", ROLES) == ["dzlab-hq-app", "dzlab-hq-files", "dzlab-hq-pc"]
    assert select(inv, "hq", ROLES) == ["dzlab-hq-app", "dzlab-hq-files", "dzlab-hq-pc"]
    assert select(inv, "pcs,dzlab-hq-app", ROLES) == sorted(
        [*(h.name for h in inv.by_role("pc")), "dzlab-hq-app"]
    )
    with pytest.raises(SelectionError, match="--limit routers: no host of this inventory"):
        select(inv, "routers", ROLES)


def test_serial_comes_from_each_group(lab_copy: Path) -> None:
    path = lab_copy / "group_vars" / "pcs.yml"
    data = yaml.safe_load(path.read_text())
    data["patch_serial"] = ["50%", "100%"]
    path.write_text(yaml.safe_dump(data))
    extra = serial_vars(load_inventory(lab_copy))
    assert extra == {"patch_serial_servers": DEFAULT_SERIAL, "patch_serial_pcs": ["50%", "100%"]}


def test_serial_that_differs_inside_a_group_is_refused(lab_copy: Path) -> None:
    (lab_copy / "host_vars").mkdir(exist_ok=True)
    (lab_copy / "host_vars" / "dzlab-hq-app.yml").write_text("---\npatch_serial: 2\n")
    with pytest.raises(PatchRunError, match="group_vars/servers: patch_serial differs"):
        serial_vars(load_inventory(lab_copy))


def _invoke(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_apply_refuses_a_ticket_that_is_not_open(lab_copy: Path, tmp_path: Path) -> None:
    env = {"DZICT_TICKET_LOG": str(tmp_path / "log.jsonl")}
    proc = _invoke("patch.apply", "--ticket", "LAB-2026-0001", "-i", str(lab_copy), env=env)
    assert proc.returncode == 1
    assert "LAB-2026-0001" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = _invoke("patch.apply", "-i", str(lab_copy), env=env)
    assert proc.returncode == 1
    assert "needs --ticket" in proc.stderr


def test_report_on_an_invalid_inventory_contacts_nothing(lab_copy: Path, tmp_path: Path) -> None:
    (lab_copy / "group_vars" / "pcs.yml").write_text("---\nplatform: [unclosed\n")
    env = {"DZICT_PATCH_REPORTS": str(tmp_path / "reports")}
    proc = _invoke("patch.report", "--check", "-i", str(lab_copy), env=env)
    assert proc.returncode == 1
    assert "group_vars/pcs.yml" in proc.stderr
    assert "nothing was contacted" in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_gate_names_the_server_without_a_backup(
    lab_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dzict.backup.status import Snapshot, now, record_run
    from dzict.patch.gate import refusal

    monkeypatch.setenv("DZICT_BACKUP_STATUS", str(tmp_path / "status.json"))
    reason = refusal(lab_copy, ["dzlab-hq-app", "dzlab-hq-pc"])
    assert reason is not None
    assert "dzlab-hq-app: no good backup recorded" in reason
    assert "dzlab-hq-pc" not in reason
    record_run("dzlab-hq-app", "ok", snapshot=Snapshot(time=now(), snapshot="s", size=1))
    assert refusal(lab_copy, ["dzlab-hq-app", "dzlab-hq-pc"]) is None
