"""Judging what the agents answer: status rows, drill evidence, run outcomes, Ansible events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dzict.backup.check import subset_for
from dzict.backup.drill import judge_evidence
from dzict.backup.health import judge
from dzict.backup.models import DatabaseDrill, DrillEvidence, TableFingerprint
from dzict.backup.policy import CONTROL, clients, max_age_for, select
from dzict.backup.remote import AGENT_TASK, AgentAnswer, _answers
from dzict.backup.run import outcome_of
from dzict.backup.status import HostStatus, Outcome, Snapshot
from dzict.exceptions import BackupError
from dzict.inventory import Inventory, load_inventory
from dzict.inventory.generate import LabSpec, generate

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=26)


def _entry(
    good_hours: float | None, run: str | None = None, check: str | None = None
) -> HostStatus:
    entry = HostStatus()
    if good_hours is not None:
        entry.last_good = Snapshot(time=AT - timedelta(hours=good_hours), snapshot="abc", size=9)
    if run is not None:
        entry.last_run = Outcome(time=AT - timedelta(hours=1), result="failed", message=run)
    if check is not None:
        entry.last_check = Outcome(time=AT, result="failed", message=check)
    return entry


@pytest.mark.parametrize(
    ("entry", "problems", "state", "reason"),
    [
        (_entry(2), [], "OK", ""),
        (_entry(30), [], "STALE", "older than the policy"),
        (None, [], "FAILED", "no good backup"),
        (_entry(0.5, run="postgresql down"), [], "OK", ""),
        (_entry(3, run="postgresql/servicedesk: dump failed"), [], "FAILED",
         "last run 2026-03-01 08:00 failed: postgresql/servicedesk: dump failed"),
        (_entry(2, check="Pack ID does not match"), [], "FAILED",
         "repository check of 2026-03-01 09:00 failed: Pack ID does not match"),
        (_entry(2), ["unreachable: ssh: connect to host 198.19.64.22"], "FAILED",
         "unreachable: ssh: connect to host 198.19.64.22"),
    ],
)  # fmt: skip
def test_judge_states(
    entry: HostStatus | None, problems: list[str], state: str, reason: str
) -> None:
    row = judge("dzb-hq-app", entry, problems, DAY, AT, size=9, snapshots=3)
    assert (row.state, row.reason) == (state, reason)
    if entry and entry.last_good:
        assert row.age == AT - entry.last_good.time


def _db(source: dict[str, tuple[int, str]], restored: dict[str, tuple[int, str]]) -> DatabaseDrill:
    def tables(d: dict[str, tuple[int, str]]) -> dict[str, TableFingerprint]:
        return {k: TableFingerprint(rows=r, checksum=c) for k, (r, c) in d.items()}

    return DatabaseDrill(
        engine="postgresql",
        database="servicedesk",
        snapshot="s1",
        source=tables(source),
        restored=tables(restored),
    )


def test_drill_identical_database_passes() -> None:
    same = {"public.requests": (600, "aa"), "public.agencies": (41, "bb")}
    found = judge_evidence("app", DrillEvidence(databases=[_db(same, same)]))
    assert found.passed
    assert found.lines == [
        "ok   postgresql/servicedesk: 2 tables, 641 rows identical to the source"
    ]
    assert (found.databases, found.tables, found.rows) == (1, 2, 641)


def test_drill_reports_each_difference() -> None:
    source = {
        "public.requests": (600, "aa"),
        "public.agencies": (41, "bb"),
        "public.assets": (9, "c"),
    }
    restored = {"public.requests": (599, "ax"), "public.agencies": (41, "bX")}
    found = judge_evidence("app", DrillEvidence(databases=[_db(source, restored)]))
    assert not found.passed
    assert found.lines == [
        "FAIL postgresql/servicedesk: tables missing from the restored copy: public.assets",
        "FAIL postgresql/servicedesk.public.agencies: content checksum differs (41 rows)",
        "FAIL postgresql/servicedesk.public.requests: 599 rows restored, 600 in the source",
    ]


def test_drill_with_nothing_to_compare_fails() -> None:
    found = judge_evidence("pc", DrillEvidence())
    assert not found.passed
    assert "nothing to drill" in found.lines[0]


def test_run_outcome_never_turns_failure_into_success() -> None:
    good = '{"host": "h", "started": "2026-03-01T01:00:00+00:00", "result": "ok", "snapshots": []}'
    assert outcome_of(AgentAnswer("h", 0, good)).ok
    assert not outcome_of(AgentAnswer("h", 1, good)).ok
    assert not outcome_of(AgentAnswer("h", 0, "")).ok
    garbled = outcome_of(AgentAnswer("h", 0, '{"result": "maybe"}'))
    assert not garbled.ok
    assert garbled.reason.startswith("h: dzict-backup run: unexpected output (result:")
    gone = outcome_of(AgentAnswer("h", 255, unreachable="Failed to connect to the host via ssh"))
    assert (gone.ok, gone.reason) == (False, "unreachable: Failed to connect to the host via ssh")
    failed = '{"result": "failed", "errors": ["files: Fatal: wrong password or no key found"]}'
    assert outcome_of(AgentAnswer("h", 1, failed)).reason == (
        "files: Fatal: wrong password or no key found"
    )


def test_ansible_events_become_answers() -> None:
    events = [
        {
            "event": "runner_on_ok",
            "event_data": {"host": "a", "task": "Gathering Facts", "res": {}},
        },
        {
            "event": "runner_on_ok",
            "event_data": {"host": "a", "task": AGENT_TASK, "res": {"rc": 0, "stdout": "{}"}},
        },
        {
            "event": "runner_on_unreachable",
            "event_data": {"host": "b", "task": AGENT_TASK, "res": {"msg": "No route to host"}},
        },
    ]
    answers = _answers(events, ["a", "b", "c"])
    assert answers["a"].ok
    assert answers["b"].reason == "unreachable: No route to host"
    assert answers["c"].reason == "Ansible did not run the agent"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    root = generate(tmp_path_factory.mktemp("inv") / "inv", LabSpec(sites=1, prefix="dzb"))
    (root / "group_vars" / "routers.yml").open("a").write("backup_max_age_hours: 12\n")
    return load_inventory(root)


def test_members_and_limits(inventory: Inventory) -> None:
    assert clients(inventory) == ["dzb-hq-app", "dzb-hq-files"]
    assert select(inventory) == ["dzb-hq-app", "dzb-hq-files", CONTROL]
    assert select(inventory, "servers") == ["dzb-hq-app", "dzb-hq-files"]
    assert select(inventory, "control,dzb-hq-files,site_hq") == [
        CONTROL,
        "dzb-hq-files",
        "dzb-hq-app",
    ]
    with pytest.raises(BackupError, match="--limit dzb-hq-pc: not a backup client"):
        select(inventory, "dzb-hq-pc")


def test_policy_of_an_entry_is_the_strictest_it_protects(inventory: Inventory) -> None:
    assert max_age_for(inventory, CONTROL) == timedelta(hours=12)
    assert max_age_for(inventory, "dzb-hq-app") == timedelta(hours=26)


def test_check_subset() -> None:
    assert subset_for("auto", date(2026, 3, 1)) == f"{date(2026, 3, 1).toordinal() % 7 + 1}/7"
    assert {subset_for("auto", date(2026, 3, d)) for d in range(1, 8)} == {
        f"{n}/7" for n in range(1, 8)
    }
    assert subset_for("100%") == "100%"
    with pytest.raises(BackupError, match="--subset all"):
        subset_for("all")
