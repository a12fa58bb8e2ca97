"""The backup agent against a real restic repository on local disk (no lab needed).

Files only: the database paths of the agent run in the lab tests. Every step is the real agent
script run as the timer and the control node run it, with a real restic.
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

from dzict.backup.check import check_message
from dzict.backup.drill import judge_evidence
from dzict.backup.models import DrillEvidence, RunReport
from dzict.backup.remote import AGENT_SCRIPT, AgentAnswer
from dzict.backup.run import outcome_of

PASSWORD = "local-test-password"


def agent(config: Path, *args: str, password: str = PASSWORD) -> AgentAnswer:
    env = {**os.environ, "RESTIC_PASSWORD": password}
    proc = subprocess.run(
        [sys.executable, str(AGENT_SCRIPT), "--config", str(config), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return AgentAnswer("local", proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def empty_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly initialised repository, copied for each test (restic init is slow)."""
    repo = tmp_path_factory.mktemp("template") / "repo"
    subprocess.run(
        ["restic", "init", "--repo", str(repo)],
        env={**os.environ, "RESTIC_PASSWORD": PASSWORD},
        capture_output=True,
        check=True,
    )
    return repo


@pytest.fixture
def site(tmp_path: Path, empty_repo: Path) -> dict[str, Any]:
    data = tmp_path / "data"
    (data / "letters").mkdir(parents=True)
    for n in range(12):
        (data / "letters" / f"letter-{n:02d}.txt").write_text(f"Kuzuzangpo la, letter {n}\n" * 50)
    (data / "scratch.tmp").write_text("not wanted\n")
    repo = tmp_path / "repo"
    shutil.copytree(empty_repo, repo)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "host": "local",
                "repository": str(repo),
                "cache_dir": str(tmp_path / "cache"),
                "state_file": str(tmp_path / "state.json"),
                "lock_file": str(tmp_path / "lock"),
                "paths": [str(data)],
                "excludes": ["*.tmp"],
                "databases": [],
                "retention": {"daily": 7, "weekly": 4, "monthly": 6},
            }
        )
    )
    return {"data": data, "repo": repo, "config": config, "tmp": tmp_path}


def test_run_status_restore_and_drill(site: dict[str, Any]) -> None:
    config, data = site["config"], site["data"]
    answer = agent(config, "run", "--run-id", "T-1")
    outcome = outcome_of(answer)
    assert outcome.ok, outcome.reason
    assert outcome.report is not None
    assert [s.kind for s in outcome.report.snapshots] == ["files"]
    assert outcome.report.snapshots[0].total_files_processed == 12  # scratch.tmp excluded

    status = json.loads(agent(config, "status").stdout)
    assert status["errors"] == []
    assert status["state"]["last_good"]["result"] == "ok"
    assert status["stats"]["total_size"] == sum(
        p.stat().st_size for p in (data / "letters").iterdir()
    )
    assert status["snapshots"][0]["tags"] == ["files", "run:T-1"]

    lost = data / "letters" / "letter-03.txt"
    original = lost.read_bytes()
    lost.unlink()
    restored = agent(config, "restore-path", str(lost), "--target", "/")
    assert restored.ok, restored.reason
    assert lost.read_bytes() == original

    evidence = agent(config, "drill", "--files", "5", "--seed", "7")
    assert evidence.ok, evidence.reason
    finding = judge_evidence("local", DrillEvidence.model_validate_json(evidence.stdout))
    assert finding.passed, finding.lines
    assert finding.files == 5


def test_drill_catches_a_file_that_differs(site: dict[str, Any]) -> None:
    config, data = site["config"], site["data"]
    assert agent(config, "run").ok
    evidence = DrillEvidence.model_validate_json(agent(config, "drill", "--files", "12").stdout)
    assert evidence.files is not None
    evidence.files.files[0].source = "0" * 64  # as if the source had rotted in place
    finding = judge_evidence("local", evidence)
    assert not finding.passed
    assert "restored copy differs from the unchanged source" in finding.lines[0]
    assert data.is_dir()


def test_wrong_password_fails_and_is_remembered(site: dict[str, Any]) -> None:
    config = site["config"]
    answer = agent(config, "run", password="not-the-password")
    outcome = outcome_of(answer)
    assert not outcome.ok
    assert "wrong password" in outcome.reason
    state = json.loads((site["tmp"] / "state.json").read_text())
    assert state["last_run"]["result"] == "failed"
    assert "last_good" not in state


def test_missing_path_fails_the_run(site: dict[str, Any]) -> None:
    config = site["config"]
    data = json.loads(config.read_text())
    data["paths"].append(str(site["tmp"] / "no-such-folder"))
    config.write_text(json.dumps(data))
    outcome = outcome_of(agent(config, "run"))
    assert not outcome.ok
    assert "no-such-folder" in outcome.reason


def test_corrupted_pack_fails_the_check(site: dict[str, Any]) -> None:
    config, repo = site["config"], site["repo"]
    assert agent(config, "run").ok
    assert agent(config, "restic", "--", "check", "--read-data-subset", "100%").ok
    pack = max(
        (p for p in (repo / "data").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size
    )
    pack.chmod(0o600)
    with pack.open("r+b") as handle:
        handle.seek(64)
        handle.write(b"\0" * 32)
    answer = agent(config, "restic", "--", "check", "--read-data-subset", "100%")
    assert not answer.ok
    message = check_message(answer)
    assert pack.name in message or "does not match" in message, message
    assert "repository contains errors" in message


def test_restore_of_unknown_things_fails_clearly(site: dict[str, Any]) -> None:
    config = site["config"]
    assert agent(config, "run").ok
    answer = agent(config, "restore-path", "/nowhere/x", "--target", str(site["tmp"] / "t"))
    assert not answer.ok
    assert answer.reason.startswith("/nowhere/x is not in snapshot ")
    answer = agent(config, "restore-db", "servicedesk")
    assert answer.reason == "no dump of servicedesk in the repository"


def test_empty_backup_set_is_a_failure(site: dict[str, Any]) -> None:
    config = site["config"]
    data = json.loads(config.read_text())
    data["paths"] = []
    config.write_text(json.dumps(data))
    report = RunReport.model_validate_json(agent(config, "run").stdout)
    assert report.result == "failed"
    assert report.errors == ["the backup set is empty: no paths and no databases"]
