"""The agent's answers recorded on a lab server, judged as the tasks judge them.

One folder per case under tests/data/backup/: the agent's raw output (``agent.json`` or
``agent.stderr``) and ``expected_result.json`` (NAPALM's mocked-data style).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dzict.backup.check import check_message
from dzict.backup.drill import judge_evidence
from dzict.backup.health import judge
from dzict.backup.models import AgentStatus, DrillEvidence
from dzict.backup.remote import AgentAnswer
from dzict.backup.run import outcome_of
from dzict.backup.status import HostStatus, Snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "backup"
RUNS = sorted(p.name for p in DATA.iterdir() if p.name.startswith("run_"))


def _case(name: str) -> tuple[str, dict[str, Any]]:
    folder = DATA / name
    raw = folder / "agent.json"
    text = raw.read_text() if raw.is_file() else (folder / "agent.stderr").read_text()
    return text, json.loads((folder / "expected_result.json").read_text())


@pytest.mark.parametrize("case", RUNS)
def test_run(case: str) -> None:
    text, expected = _case(case)
    outcome = outcome_of(AgentAnswer("dzb-hq-app", 0 if expected["ok"] else 1, text))
    assert outcome.ok == expected["ok"]
    assert outcome.reason == expected["reason"]
    report = outcome.report
    assert report is not None
    assert [s.name for s in report.snapshots] == expected["snapshots"]
    assert report.bytes_processed == expected["bytes_read"]
    assert (outcome.snapshot() is not None) == expected["ok"]


def test_a_failed_run_keeps_the_good_dumps_but_is_no_good_backup() -> None:
    text, _ = _case("run_db_down")
    outcome = outcome_of(AgentAnswer("dzb-hq-app", 1, text))
    assert outcome.report is not None
    assert [s.kind for s in outcome.report.snapshots] == ["database", "files"]
    assert outcome.snapshot() is None


def test_drill() -> None:
    text, expected = _case("drill_ok")
    evidence = DrillEvidence.model_validate_json(text)
    assert judge_evidence("dzb-hq-app", evidence).summary() == expected


def test_drill_with_one_row_lost() -> None:
    text, _ = _case("drill_ok")
    evidence = DrillEvidence.model_validate_json(text)
    table = evidence.databases[1].restored["public.requests"]
    table.rows -= 1
    found = judge_evidence("dzb-hq-app", evidence)
    assert not found.passed
    assert found.lines[1] == (
        "FAIL postgresql/servicedesk.public.requests: 599 rows restored, 600 in the source"
    )


def test_status() -> None:
    text, expected = _case("status_ok")
    status = AgentStatus.model_validate_json(text)
    good = status.state.last_good
    assert good is not None
    assert good.started is not None
    assert (len(status.snapshots), status.errors) == (expected["snapshots"], expected["errors"])
    assert status.stats is not None
    assert status.stats.total_size == expected["size"]
    assert good.started.isoformat() == expected["last_good"]
    entry = HostStatus(
        last_good=Snapshot(time=good.started, snapshot="x", size=good.bytes_processed)
    )
    row = judge("dzb-hq-app", entry, [], timedelta(hours=26), good.started + timedelta(hours=27))
    assert (row.state, row.age) == ("STALE", timedelta(hours=27))


def test_check_of_a_corrupted_pack() -> None:
    text, expected = _case("check_corrupt")
    assert check_message(AgentAnswer("dzb-hq-files", 1, "", text)) == expected["message"]
    assert expected["message"].startswith("Pack ID does not match, want 4037512b")
