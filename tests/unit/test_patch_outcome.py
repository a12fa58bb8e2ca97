"""Each host's patch outcome from ansible-runner events, and the report built from it."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from dzict.patch.outcome import mark_stopped, outcomes_from_events
from dzict.patch.report import load_state, merge, rows, save_state, to_csv, to_markdown

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
AGENT_OLD = {
    "name": "dzict-agent",
    "installed": "1.0",
    "candidate": "1.1",
    "suites": ["lab-security"],
    "security": True,
    "selected": True,
    "reason": "",
}
BASELINE_OLD = {**AGENT_OLD, "name": "dzict-baseline", "suites": ["lab-updates"], "security": False}


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(host: str, before: list[Any], after: list[Any], **extra: Any) -> dict[str, Any]:
    fact = {"before": before, "after": after, "held": [], "reboot_required": False}
    fact.update(extra)
    return {
        "event": "runner_on_ok",
        "event_data": {
            "host": host,
            "task": "Publish what patching found and did on the host",
            "res": {"ansible_facts": {"patch_linux_result": fact}, "changed": False},
        },
    }


def _failed(host: str, task: str, msg: str) -> dict[str, Any]:
    return {
        "event": "runner_on_failed",
        "event_data": {"host": host, "task": task, "res": {"msg": msg}},
    }


def _unreachable(host: str) -> dict[str, Any]:
    return {
        "event": "runner_on_unreachable",
        "event_data": {
            "host": host,
            "task": "Check whether the PC is switched on",
            "res": {"msg": "ssh: connect to host 198.19.32.10 port 22: No route"},
        },
    }


def test_report_lists_pending_updates_per_host() -> None:
    events = [
        _result("pc1", [AGENT_OLD, BASELINE_OLD], [AGENT_OLD, BASELINE_OLD]),
        _result("app", [], []),
    ]
    run = outcomes_from_events(events, ["pc1", "app"], report_only=True)
    assert run.hosts["pc1"].status == "pending"
    assert [u.name for u in run.hosts["pc1"].pending] == ["dzict-agent", "dzict-baseline"]
    assert run.hosts["app"].status == "up to date"
    state = merge({}, run, NOW)
    table = rows(state, ["pc1", "app"])
    assert [(r["host"], r["package"], r["installed"], r["available"]) for r in table] == [
        ("app", "", "", ""),
        ("pc1", "dzict-agent", "1.0", "1.1"),
        ("pc1", "dzict-baseline", "1.0", "1.1"),
    ]
    parsed = list(csv.DictReader(io.StringIO(to_csv(table))))
    assert parsed[1]["security"] == "yes"
    assert parsed[2]["security"] == "no"
    assert "| pc1 | pending | dzict-agent | 1.0 | 1.1 | yes |  |" in to_markdown(table, "t")


def test_apply_outcome_names_the_upgraded_packages() -> None:
    held = {**BASELINE_OLD, "selected": False, "reason": "held"}
    events = [_result("pc1", [AGENT_OLD, held], [held], reboot_required=True)]
    run = outcomes_from_events(events, ["pc1"])
    outcome = run.hosts["pc1"]
    assert outcome.status == "patched"
    assert [(u.name, u.installed, u.candidate) for u in outcome.upgraded] == [
        ("dzict-agent", "1.0", "1.1")
    ]
    assert outcome.reboot_required
    assert outcome.patched


def test_failure_stops_the_rollout_and_later_hosts_are_not_run() -> None:
    events = [
        _result("app", [AGENT_OLD], []),
        _failed("app", "Check that the application health command succeeds", "rc 2"),
    ]
    run = mark_stopped(outcomes_from_events(events, ["app", "files", "pc1"]), 2, {"app", "files"})
    assert run.hosts["app"].status == "failed"
    assert run.hosts["app"].task == "Check that the application health command succeeds"
    assert run.stopped.startswith("app: Check that the application health command succeeds")
    assert run.hosts["files"].status == "not run"
    assert "rollout stopped" in run.hosts["files"].message
    assert not run.hosts["pc1"].patched


def test_unreachable_pc_stays_in_the_next_report() -> None:
    first = outcomes_from_events([_result("pc2", [AGENT_OLD], [AGENT_OLD])], ["pc2"], True)
    state = merge({}, first, NOW)
    second = mark_stopped(outcomes_from_events([_unreachable("pc2")], ["pc2"]), 0, set())
    later = merge(state, second, NOW.replace(day=3))
    assert later["pc2"].status == "unreachable"
    assert [u["name"] for u in later["pc2"].pending] == ["dzict-agent"]
    assert later["pc2"].needs_patching
    (row,) = rows(later, ["pc2"])
    assert row["note"] == "not patched: unreachable (last checked 2025-01-02T03:04:05+00:00)"


def test_state_survives_a_round_trip(tmp_path: Path) -> None:
    run = outcomes_from_events([_result("pc1", [AGENT_OLD], [AGENT_OLD])], ["pc1"], True)
    state = merge({}, run, NOW)
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state


def test_unreachable_server_stops_the_rollout() -> None:
    run = mark_stopped(outcomes_from_events([_unreachable("app")], ["app", "pc1"]), 4, {"app"})
    assert run.stopped.startswith("app: unreachable")
    assert run.hosts["pc1"].status == "not run"


def test_status_module_selects_by_security_allow_deny_and_hold() -> None:
    module = _load(ROOT / "roles/patch_linux/library/patch_linux_status.py")
    pending = [
        {"name": "openssl", "security": True},
        {"name": "postgresql-15", "security": True},
        {"name": "vim", "security": False},
        {"name": "zlib1g", "security": True},
    ]
    marked, selected = module.select(pending, True, [], ["postgresql*"], {"zlib1g"})
    assert [s["name"] for s in selected] == ["openssl"]
    assert {m["name"]: m["reason"] for m in marked} == {
        "openssl": "",
        "postgresql-15": "denied",
        "vim": "not a security update",
        "zlib1g": "held",
    }
    _, allowed = module.select(pending, False, ["vim", "open*"], [], set())
    assert [s["name"] for s in allowed] == ["openssl", "vim"]
    assert module.needs_refresh(700.0, 600, [])
    assert not module.needs_refresh(30.0, 600, [])
    assert module.needs_refresh(30.0, 600, ["http://mirror lab"])
    assert module.needs_refresh(None, 600, [])
    assert not module.needs_refresh(None, -1, ["http://mirror lab"])
    assert module.is_security(["bookworm-security"], ["*-security"])
    assert not module.is_security(["bookworm-updates"], ["*-security"])


def test_windows_filters_read_win_updates_results() -> None:
    module = _load(ROOT / "roles/patch_windows/filter_plugins/patch_windows.py")
    search = {
        "found_update_count": 2,
        "updates": {
            "a1": {
                "title": "2024-05 Cumulative Update",
                "kb": ["5037771"],
                "categories": ["Security Updates"],
            },
        },
        "filtered_updates": {
            "b2": {
                "title": "Defender update",
                "kb": ["2267602"],
                "categories": ["Definition Updates"],
                "filtered_reason": "category_names",
            },
        },
    }
    pending = module.patch_windows_pending(search)
    assert [(p["name"], p["security"], p["selected"]) for p in pending] == [
        ("KB2267602", False, False),
        ("KB5037771", True, True),
    ]
    install = {"changed": True, "updates": {"a1": {"installed": True}}}
    assert module.patch_windows_remaining(install, search) == []
    assert [p["name"] for p in module.patch_windows_remaining({"skipped": True}, search)] == [
        "KB2267602",
        "KB5037771",
    ]


def test_baseline_specs_pin_only_given_versions() -> None:
    module = _load(ROOT / "roles/software_baseline/filter_plugins/software_baseline.py")
    packages = [{"name": "dzict-agent"}, {"name": "dzict-baseline", "version": "1.0"}]
    assert module.software_baseline_apt_specs(packages) == ["dzict-agent", "dzict-baseline=1.0"]


def test_status_module_reads_this_machines_apt_cache(tmp_path: Path) -> None:
    """The module runs for real on a Debian machine (this one) and changes nothing."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_LIBRARY": str(ROOT / "roles/patch_linux/library"),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "json",
    }
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible")),
            "all",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "-m",
            "patch_linux_status",
            "-a",
            '{"free_space_paths": ["/"], "services": ["no-such"], "cache_valid_time": -1}',
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result["changed"] is False
    assert result["cache_updated"] is False
    assert result["free_mb"]["/"] > 0
    assert result["services"] == {"no-such": False}
    assert all(p["installed"] != p["candidate"] for p in result["pending"])
    assert result["install_specs"] == [f"{s['name']}={s['candidate']}" for s in result["selected"]]
