"""Rollout stages, the run lock, and configs saved for rollback."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dzict.exceptions import RunLockError, WanError
from dzict.inventory import Inventory
from dzict.wan.lock import run_lock
from dzict.wan.platforms import commit_args
from dzict.wan.rollout import stages
from dzict.wan.saved import SavedConfigs


def test_canary_then_offices_then_hq(lab_inventory: Inventory) -> None:
    routers = [h.name for h in lab_inventory.by_role("router")]
    result = [(s.name, s.hosts) for s in stages(lab_inventory, routers)]
    assert result == [
        ("canary", ("dzlab-guma-rtr",)),
        ("offices", ("dzlab-kabisa-rtr", "dzlab-talo-rtr")),
        ("hq", ("dzlab-hq-rtr",)),
    ]


def test_limited_rollout_drops_empty_stages(lab_inventory: Inventory) -> None:
    result = [(s.name, s.hosts) for s in stages(lab_inventory, ["dzlab-hq-rtr", "dzlab-talo-rtr"])]
    assert result == [("canary", ("dzlab-talo-rtr",)), ("hq", ("dzlab-hq-rtr",))]


def test_flagged_canary_wins(punakha_inventory: Inventory) -> None:
    punakha_inventory.hosts["pnk-pcs-rtr01"].vars["wan_canary"] = True
    try:
        routers = [h.name for h in punakha_inventory.by_role("router")]
        first, offices, hq = stages(punakha_inventory, routers)
    finally:
        del punakha_inventory.hosts["pnk-pcs-rtr01"].vars["wan_canary"]
    assert first.hosts == ("pnk-pcs-rtr01",)
    assert "pnk-pcs-rtr01" not in offices.hosts
    assert len(offices.hosts) == 9
    assert hq.hosts == ("pnk-hq-rtr01",)


HOLD = """
import sys, time
from pathlib import Path
from dzict.wan.lock import run_lock
from dzict.wan.platforms import commit_args
with run_lock("wan.apply LAB-2026-0007", Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(30)
"""


def test_second_run_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "wan.lock"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(RunLockError, match=r"wan\.apply LAB-2026-0007, pid \d+"),
            run_lock("wan.apply LAB-2026-0008", lock),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    with run_lock("wan.apply LAB-2026-0008", lock):
        assert "LAB-2026-0008" in lock.read_text()


def test_saved_before_is_kept_once_and_private(tmp_path: Path) -> None:
    saved = SavedConfigs(tmp_path)
    path = saved.save_before("LAB-2026-0001", "r1", "first\n")
    saved.save_before("LAB-2026-0001", "r1", "second\n")
    saved.save_after("LAB-2026-0001", "r1", "after\n")
    assert saved.before("LAB-2026-0001", "r1") == "first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved.hosts("LAB-2026-0001") == ["r1"]
    with pytest.raises(WanError, match="no configuration was saved"):
        saved.before("LAB-2026-0002", "r1")
    with pytest.raises(WanError, match="not a ticket"):
        saved.save_before("../x", "r1", "")


@pytest.mark.parametrize(
    ("platform", "revert_in", "expected"),
    [
        ("frr", 40, {"message": "m", "revert_in": 40}),
        ("ios", 40, {"revert_in": 60}),
        ("ios", 181, {"revert_in": 240}),
        ("ios", 9000, {"revert_in": 7200}),
    ],
)
def test_commit_arguments_follow_the_platform(
    platform: str, revert_in: int, expected: dict[str, object]
) -> None:
    assert commit_args(platform, "m", revert_in) == expected
