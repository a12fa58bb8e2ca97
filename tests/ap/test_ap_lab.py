"""Access points against the running lab: plan, a rejected template, apply, plan --check, verify.

The tests run in file order on the test lab (the session's ``lab`` fixture): a fresh lab differs, a
broken hostapd setting is stopped by hostapd's own parser before any access point changes,
apply converges every access point, then plan finds nothing to do and every post-check holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dzict.inventory import load_inventory
from dzict.ticketlog import TicketLog
from support.lab import RunningLab

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def inventory(lab: RunningLab) -> Path:
    """The test lab (HQ and three offices, each with a router and an access point)."""
    return lab.path


@pytest.fixture(scope="module")
def ticket_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tickets") / "ticket-log.jsonl"


@pytest.fixture(scope="module")
def ticket(ticket_log: Path, inventory: Path) -> str:
    code = load_inventory(inventory).dzongkhag.code
    return TicketLog(ticket_log, code=code).open(
        agency="Lab Dzongkhag Administration",
        category="wifi",
        channel="online-form",
        priority="normal",
        summary="Wi-Fi SSIDs for every office",
        officer="lab-test",
    )


def invoke(ticket_log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``invoke ARGS`` as an officer would, from the repository."""
    env = dict(os.environ, DZICT_TICKET_LOG=str(ticket_log), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def aps(inventory: Path) -> list[str]:
    return sorted(h.name for h in load_inventory(inventory).by_role("ap"))


def events(ticket_log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ticket_log.read_text().splitlines()]


def test_plan_shows_diffs_on_a_fresh_lab(inventory: Path, ticket_log: Path) -> None:
    done = invoke(ticket_log, "ap.plan", "-i", str(inventory), "--check")
    assert done.returncode == 2, done.stdout + done.stderr
    for name in aps(inventory):
        assert f"FAILED {name}" not in done.stderr
    assert done.stdout.count("+++ /etc/hostapd/wlan0.conf (intended)") == len(aps(inventory))
    assert "live: bridge br-vlan20 is missing" in done.stdout
    assert "lab-staff-wifi-2026" not in done.stdout  # secrets show as digests


def test_a_broken_hostapd_setting_is_caught_before_any_ap_changes(
    inventory: Path, ticket_log: Path, ticket: str, tmp_path: Path
) -> None:
    before = invoke(ticket_log, "ap.plan", "-i", str(inventory)).stdout
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    radio = templates / "hostapd" / "radio.j2"
    radio.write_text(radio.read_text().replace("wmm_enabled=1", "wmm_enabled=1\nbeacon_int=5"))
    done = invoke(
        ticket_log,
        "ap.apply",
        "-i",
        str(inventory),
        "--ticket",
        ticket,
        "--templates",
        str(templates),
    )
    assert done.returncode == 1
    assert "invalid beacon_int 5 (expected 10..65535)" in done.stderr
    assert "no access point was changed" in done.stderr
    assert "Traceback" not in done.stderr
    after = invoke(ticket_log, "ap.plan", "-i", str(inventory)).stdout
    assert after == before
    rejected = [e for e in events(ticket_log) if e.get("event") == "change"]
    assert {e["data"]["result"] for e in rejected} == {"rejected"}


def test_apply_converges_every_access_point(inventory: Path, ticket_log: Path, ticket: str) -> None:
    done = invoke(ticket_log, "ap.apply", "-i", str(inventory), "--ticket", ticket)
    assert done.returncode == 0, done.stdout + done.stderr
    changed = [
        e["data"]["targets"][0]
        for e in events(ticket_log)
        if e.get("event") == "change" and e["data"]["result"] == "applied"
    ]
    assert sorted(changed) == aps(inventory)


def test_a_failed_change_is_rolled_back_to_the_saved_files(
    inventory: Path, ticket_log: Path, ticket: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    radio = templates / "hostapd" / "radio.j2"
    radio.write_text(radio.read_text().replace("wmm_enabled=1", "wmm_enabled=1\nbeacon_int=200"))
    script = templates / "hostapd" / "wifi-vlans.sh.j2"
    script.write_text(script.read_text() + "echo 'bridge setup failed' >&2; exit 3\n")
    done = invoke(
        ticket_log,
        "ap.apply",
        "-i",
        str(inventory),
        "--ticket",
        ticket,
        "--templates",
        str(templates),
    )
    assert done.returncode == 1
    assert "bridge setup failed" in done.stderr
    assert "rolled back to the files saved in" in done.stderr
    last = [e for e in events(ticket_log) if e.get("event") == "change"][-1]
    assert last["data"]["result"] == "rolled-back"
    # the access point holds the files of the previous apply again, bridges included
    again = invoke(ticket_log, "ap.plan", "-i", str(inventory), "--check")
    assert again.returncode == 0, again.stdout + again.stderr


def test_plan_check_then_exits_0(inventory: Path, ticket_log: Path) -> None:
    done = invoke(ticket_log, "ap.plan", "-i", str(inventory), "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"0 of {len(aps(inventory))} access point(s) would change" in done.stdout


def test_verify_passes(inventory: Path, ticket_log: Path) -> None:
    done = invoke(ticket_log, "ap.verify", "-i", str(inventory))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAILED" not in done.stdout
    assert done.stdout.count("LLDP neighbour is the") == len(aps(inventory))
