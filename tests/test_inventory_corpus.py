"""Each broken inventory of tests/data/broken is rejected with exactly its expected lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dzict.exceptions import InventoryError
from dzict.inventory import load_inventory

ROOT = Path(__file__).resolve().parent.parent

CORPUS = sorted((Path(__file__).parent / "data" / "broken").glob("*.yml"))


def apply_case(case: dict[str, object], inv: Path) -> None:
    """Write and edit the files a case names, over a valid lab inventory."""
    for name, text in (case.get("write") or {}).items():  # type: ignore[attr-defined]
        (inv / name).parent.mkdir(parents=True, exist_ok=True)
        (inv / name).write_text(text, encoding="utf-8")
    for name, edits in (case.get("replace") or {}).items():  # type: ignore[attr-defined]
        path = inv / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, f"{name}: the case expects {old!r} in the file"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_inventory_is_rejected(
    case_file: Path, lab_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    apply_case(case, lab_copy)
    monkeypatch.chdir(lab_copy.parent)
    with pytest.raises(InventoryError) as raised:
        load_inventory(Path("inv"))
    assert [str(p) for p in raised.value.problems] == case["expect"]


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
    assert case["expect"][0] in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "nothing was contacted" in proc.stderr


def test_check_task_summarises_a_valid_inventory(lab_copy: Path) -> None:
    proc = run_check(lab_copy.parent)
    assert proc.returncode == 0, proc.stderr
    assert "inventory is valid" in proc.stdout
    assert "WAN links" in proc.stdout
