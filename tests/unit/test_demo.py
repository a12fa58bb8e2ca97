"""The demo as an officer sees it: a table of steps, one line at the first failure, a note."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import count
from pathlib import Path

from dzict.demo import demo_steps, first_failure, next_steps, reason_of, run_steps
from dzict.ticketlog import TicketLog

ROOT = Path(__file__).resolve().parents[2]


def test_steps_stop_at_the_first_failure_and_list_the_rest_as_not_run() -> None:
    said = {"b": (1, "working...\n", "wan.apply: stopped at stage canary: r1: refused\n")}
    seen: list[str] = []

    def runner(line: str) -> tuple[int, str, str]:
        seen.append(line)
        return said.get(line, (0, "", ""))

    ticks = count()
    runs = run_steps(["a", "b", "c"], runner, lambda: float(next(ticks)))
    assert seen == ["a", "b"]
    assert [(r.line, r.result, r.seconds) for r in runs] == [
        ("a", "ok", 1.0),
        ("b", "failed", 1.0),
        ("c", "not run", 0.0),
    ]
    failed = first_failure(runs)
    assert failed is not None
    assert failed.reason == "exit 1: wan.apply: stopped at stage canary: r1: refused"
    assert "./dz b" in next_steps(failed)


def test_reason_falls_back_to_stdout_then_to_a_plain_word() -> None:
    assert reason_of("first\nlast line\n\n", "") == "last line"
    assert reason_of("", "  \n") == "no message"


def test_every_change_step_carries_the_ticket_and_backups_come_first() -> None:
    steps = demo_steps({"lab", "backup", "wan", "ap", "patch", "docs"})
    assert steps.index("backup.run --ticket {ticket}") < steps.index("wan.apply --ticket {ticket}")
    assert all("{ticket}" in s for s in steps if ".apply" in s or ".deploy" in s)
    assert steps[-1] == "docs.build"


def test_a_failing_demo_names_the_step_notes_the_ticket_and_prints_the_table(
    tmp_path: Path,
) -> None:
    """A real run of ``invoke demo`` on an invalid inventory: it stops at inventory.check."""
    broken = tmp_path / "inventory"
    subprocess.run(["cp", "-r", str(ROOT / "inventory" / "lab"), str(broken)], check=True)
    (broken / "group_vars" / "routers.yml").write_text("platform: junos\nrole: router\n")
    log = tmp_path / "ticket-log.jsonl"
    env = {**os.environ, "DZICT_INVENTORY": str(broken), "DZICT_TICKET_LOG": str(log)}
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "demo"],
        cwd=ROOT, env={**env, "COLUMNS": "200"}, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()
    assert last[-2].startswith("demo stopped at step inventory.check: exit 1: inventory ")
    assert last[-2].endswith("nothing was contacted")
    assert last[-1].startswith("next: fix the cause, then run the step alone (./dz inventory.check")
    assert "not run" in result.stdout
    assert "lab.up" in result.stdout  # listed in the table, never started
    events = list(TicketLog(log, code="LAB").events())
    assert [e["event"] for e in events] == ["opened", "note"]
    assert events[-1]["text"] == last[-2]
