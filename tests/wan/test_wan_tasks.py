"""The invoke wan namespace's own logic: --limit, and what the officer sees first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from invoke.exceptions import Exit

from dzict.inventory import Inventory
from dzict.tasks.wan import select_routers

REPO = Path(__file__).resolve().parents[2]


def test_limit_by_name_site_and_group(lab_inventory: Inventory) -> None:
    assert select_routers(lab_inventory, None) == [
        "dzlab-guma-rtr",
        "dzlab-hq-rtr",
        "dzlab-kabisa-rtr",
        "dzlab-talo-rtr",
    ]
    assert select_routers(lab_inventory, "dzlab-talo-rtr, hq") == [
        "dzlab-hq-rtr",
        "dzlab-talo-rtr",
    ]
    assert select_routers(lab_inventory, "site_kabisa") == ["dzlab-kabisa-rtr"]


def test_limit_matching_nothing_is_one_clear_line(lab_inventory: Inventory) -> None:
    with pytest.raises(Exit, match=r"--limit nowhere: no host of this inventory matches"):
        select_routers(lab_inventory, "hq,nowhere")


def test_apply_needs_a_ticket_and_contacts_nothing_on_a_bad_inventory(tmp_path: Path) -> None:
    broken = tmp_path / "inv"
    broken.mkdir()
    (broken / "hosts.yml").write_text("---\nall:\n  children: {}\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "wan.apply",
            "--ticket",
            "LAB-2026-0001",
            "-i",
            str(broken),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "nothing was contacted" in run.stderr
    assert "Traceback" not in run.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "invoke", "wan.apply"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0
    assert "ticket" in missing.stderr
