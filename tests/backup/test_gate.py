"""The backup-before-change gate against a generated lab inventory and a real status file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dzict.backup.gate import format_age, require_recent_backup
from dzict.backup.policy import CONTROL
from dzict.backup.status import Snapshot, read_status, record_check, record_run
from dzict.exceptions import BackupGateError
from dzict.inventory import Inventory, load_inventory
from dzict.inventory.generate import LabSpec, generate

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
APP = "dzb-hq-app"
FILES = "dzb-hq-files"
ROUTER = "dzb-hq-rtr"
PC = "dzb-hq-pc"


def _inventory(root: Path, policy_hours: float | None = None) -> Inventory:
    inv = generate(root / "inv", LabSpec(sites=1, prefix="dzb", base="198.19.64.0/19"))
    if policy_hours is not None:
        (inv / "group_vars" / "servers.yml").open("a").write(
            f"backup_max_age_hours: {policy_hours}\n"
        )
    return load_inventory(inv)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    return _inventory(tmp_path_factory.mktemp("gate"))


def _good(host: str, hours_ago: float, status: Path, size: int = 1000) -> None:
    taken = NOW - timedelta(hours=hours_ago)
    snap = Snapshot(time=taken, snapshot=f"snap-{host}", size=size)
    record_run(host, "ok", snapshot=snap, path=status, when=taken)


def test_recent_backups_pass(inventory: Inventory, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    _good(APP, 3, status)
    _good(CONTROL, 1, status)
    checks = require_recent_backup(inventory, [APP, ROUTER], status_file=status, at=NOW)
    assert [(c.host, c.covered_by, c.age) for c in checks] == [
        (APP, APP, timedelta(hours=3)),
        (ROUTER, CONTROL, timedelta(hours=1)),
    ]
    assert checks[0].max_age == timedelta(hours=26)


def test_stale_backup_is_refused_naming_host_and_age(inventory: Inventory, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    _good(APP, 30.5, status)
    _good(FILES, 2, status)
    with pytest.raises(BackupGateError) as err:
        require_recent_backup(inventory, [APP, FILES], status_file=status, at=NOW)
    assert err.value.refusals == [
        f"{APP}: last good backup 1 d 6 h old, taken 2024-04-30 05:30 UTC (policy 1 d 2 h)"
    ]
    assert APP in str(err.value)
    assert FILES not in str(err.value)


def test_missing_backup_and_missing_file(inventory: Inventory, tmp_path: Path) -> None:
    with pytest.raises(BackupGateError) as err:
        require_recent_backup(inventory, [ROUTER, APP], status_file=tmp_path / "none.json")
    assert err.value.refusals == [
        f"{ROUTER} (backed up by {CONTROL}): no good backup recorded (policy 1 d 2 h)",
        f"{APP}: no good backup recorded (policy 1 d 2 h)",
    ]


def test_failed_run_keeps_last_good(inventory: Inventory, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    _good(APP, 5, status)
    record_run(APP, "failed", "backup host unreachable", path=status, when=NOW)
    entry = read_status(status).hosts[APP]
    assert entry.last_run is not None
    assert entry.last_run.result == "failed"
    assert entry.last_good is not None
    assert entry.last_good.snapshot == f"snap-{APP}"
    assert require_recent_backup(inventory, [APP], status_file=status, at=NOW)[0].host == APP


def test_failed_check_refuses_until_a_check_passes(inventory: Inventory, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    _good(APP, 5, status)
    record_check(APP, "failed", "pack abc is damaged", path=status, when=NOW)
    refused = r"5 h 0 min old, but the repository check of 2024-05-01 12:00 UTC failed: pack abc"
    with pytest.raises(BackupGateError, match=refused):
        require_recent_backup(inventory, [APP], status_file=status, at=NOW)
    _good(APP, 0, status)
    with pytest.raises(BackupGateError, match="repository check"):
        require_recent_backup(inventory, [APP], status_file=status, at=NOW)
    record_check(APP, "ok", path=status, when=NOW)
    assert require_recent_backup(inventory, [APP], status_file=status, at=NOW)


def test_ungated_hosts_and_max_age_override(inventory: Inventory, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    assert require_recent_backup(inventory, [PC], status_file=status, at=NOW) == []
    _good(APP, 3, status)
    with pytest.raises(BackupGateError, match=r"3 h 0 min old.*policy 2 h 0 min"):
        require_recent_backup(
            inventory, [APP], max_age=timedelta(hours=2), status_file=status, at=NOW
        )


def test_policy_from_inventory(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, policy_hours=4)
    status = tmp_path / "status.json"
    _good(APP, 5, status)
    with pytest.raises(BackupGateError, match=r"5 h 0 min old.*policy 4 h 0 min"):
        require_recent_backup(inventory, [inventory.hosts[APP]], status_file=status, at=NOW)


def test_unknown_host_and_damaged_status(inventory: Inventory, tmp_path: Path) -> None:
    with pytest.raises(BackupGateError, match="nohost: not in the inventory"):
        require_recent_backup(inventory, ["nohost"], status_file=tmp_path / "s.json")
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"version": 1, "hosts": {"x": {"last_good": {"time": "yesterday"}}}}')
    with pytest.raises(BackupGateError, match=r"backup status unreadable.*hosts\.x\.last_good"):
        require_recent_backup(inventory, [APP], status_file=damaged)


def test_status_file_from_environment(
    inventory: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = tmp_path / "env-status.json"
    monkeypatch.setenv("DZICT_BACKUP_STATUS", str(status))
    _good(APP, 1, status)
    assert require_recent_backup(inventory, [APP], at=NOW)[0].snapshot == f"snap-{APP}"


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(minutes=5, seconds=59), "5 min"),
        (timedelta(hours=3, minutes=12), "3 h 12 min"),
        (timedelta(days=2, hours=4, minutes=30), "2 d 4 h"),
        (timedelta(seconds=-30), "0 min"),
    ],
)
def test_format_age(age: timedelta, text: str) -> None:
    assert format_age(age) == text
