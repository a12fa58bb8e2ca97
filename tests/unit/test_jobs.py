"""The run context every task builds once: settings, officer, change records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dzict.exceptions import RunContextError
from dzict.inventory import load_inventory
from dzict.jobs import ChangeRecord, RunContext, Status, build_settings
from dzict.jobs.context import PROJECT_ROOT, officer_name


def test_each_setting_comes_from_flag_then_environment_then_config_then_default() -> None:
    config = {"ticket_log": "from-config.jsonl", "inventory": "inventory/punakha"}
    env = {"DZICT_TICKET_LOG": "from-env.jsonl", "DZICT_WORKERS": "4"}
    settings = build_settings(config, {"ticket_log": "/srv/from-flag.jsonl"}, env)
    assert settings["ticket_log"] == "/srv/from-flag.jsonl"
    assert settings.sources["ticket_log"] == "--ticket-log"
    assert build_settings(config, {}, env)["ticket_log"] == str(Path("from-env.jsonl").absolute())
    assert build_settings(config, {}, {})["ticket_log"] == "from-config.jsonl"
    assert build_settings({}, {}, {})["ticket_log"] == "var/ticket-log.jsonl"
    assert settings["inventory"] == "inventory/punakha"
    assert settings.sources["inventory"] == "invoke config `inventory`"
    assert settings.number("workers") == 4


def test_relative_paths_are_taken_from_the_project_wherever_the_command_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Configured paths belong to the project; a path typed on the command line to the shell."""
    monkeypatch.chdir(tmp_path)
    settings = build_settings({"inventory": "inventory/punakha"}, {}, {})
    assert settings.path("ticket_log") == PROJECT_ROOT / "var" / "ticket-log.jsonl"
    assert settings.path("inventory") == PROJECT_ROOT / "inventory" / "punakha"
    typed = build_settings({}, {"inventory": "inv"}, {})
    assert typed.path("inventory") == tmp_path / "inv"
    absolute = build_settings({}, {"ticket_log": str(tmp_path / "t.jsonl")}, {})
    assert absolute.path("ticket_log") == tmp_path / "t.jsonl"


def test_a_bad_setting_is_one_line_naming_the_key_and_where_it_came_from() -> None:
    with pytest.raises(RunContextError, match=r"^setting workers \(DZICT_WORKERS\) must be a"):
        build_settings({}, {}, {"DZICT_WORKERS": "many"}).number("workers")
    with pytest.raises(RunContextError, match="unknown setting"):
        build_settings({}, {"colour": "red"}, {})


@pytest.mark.parametrize(
    ("officer", "sudo_user", "expected"),
    [
        ("Pema Dorji", "sonam", "Pema Dorji"),  # the setting names the person
        ("", "sonam", "sonam"),  # else the person behind sudo
        ("", "root", None),  # root names nobody (when the login is root too)
    ],
)
def test_the_officer_is_a_person_never_a_bare_root_account(
    monkeypatch: pytest.MonkeyPatch, officer: str, sudo_user: str, expected: str | None
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    settings = build_settings({}, {"officer": officer}, {})
    assert officer_name(settings, {"SUDO_USER": sudo_user}) == expected


def test_a_change_refused_before_anything_when_nobody_can_be_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    monkeypatch.delenv("SUDO_USER", raising=False)
    settings = build_settings({}, {"ticket_log": str(tmp_path / "log.jsonl")}, {})
    ctx = RunContext(settings, load_inventory(PROJECT_ROOT / "inventory" / "lab"))
    with pytest.raises(RunContextError, match=r"^name the officer making this change"):
        ctx.recorder("LAB-2026-0001")
    assert not (tmp_path / "log.jsonl").exists()


def test_records_carry_the_status_word_and_the_officer(tmp_path: Path) -> None:
    log_path = tmp_path / "log.jsonl"
    settings = build_settings({}, {"ticket_log": str(log_path), "officer": "Pema Dorji"}, {})
    ctx = RunContext(settings, load_inventory(PROJECT_ROOT / "inventory" / "lab"))
    ticket = ctx.ticket_log.open("Lab", "wifi", "phone", "normal", "a test", "Pema Dorji")
    recorder = ctx.recorder(ticket)
    recorder.record(
        ChangeRecord("ap.apply", ["dzlab-guma-ap"], Status.ROLLED_BACK, details={"error": "x"})
    )
    last = json.loads(log_path.read_text().splitlines()[-1])
    assert last["data"]["result"] == "rolled-back"
    assert last["data"]["officer"] == "Pema Dorji"
    assert last["data"]["details"] == {"error": "x"}
    assert [s.value for s in Status if s.good] == ["applied", "unchanged", "ok"]


def test_nornir_is_built_from_the_loaded_inventory_with_the_same_hosts() -> None:
    ctx = RunContext(build_settings({}, {}, {}), load_inventory(PROJECT_ROOT / "inventory/lab"))
    nr = ctx.nornir()
    assert sorted(nr.inventory.hosts) == sorted(ctx.inventory.hosts)
    host = nr.inventory.hosts["dzlab-guma-rtr"]
    assert host.hostname == str(ctx.inventory.hosts["dzlab-guma-rtr"].mgmt_address)
    assert host.platform == "frr"
    assert ctx.nornir() is nr  # built once per run


def test_only_the_recorder_writes_change_records() -> None:
    """Jobs record through ``Recorder``; no Invoke module, job or device task calls the ticket
    log's ``change`` itself (the one call is inside ``dzict/jobs/records.py``)."""
    import ast

    callers = []
    for folder in ("dzict", "nornir_tasks", "napalm_frr"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            callers += [
                f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "change"
            ]
    assert [c.split(":")[0] for c in callers] == ["dzict/jobs/records.py"], callers
