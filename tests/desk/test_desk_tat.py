"""Turn-around time on the working calendar: ``ticket.report --csv`` gives exactly the
working minutes counted by hand for the 32 reference tickets (tat_reference.py)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from invoke.collection import Collection
from invoke.program import Program
from tat_reference import REFS, build_reference_log

from dzict.desk.calendar import policy_of
from dzict.desk.tat import measure, report
from dzict.inventory import Inventory
from dzict.tasks import _common, ticket
from dzict.ticketlog import TicketLog


@pytest.fixture
def reference_log(tmp_path: Path) -> tuple[TicketLog, dict[str, str]]:
    return build_reference_log(tmp_path / "log.jsonl")


def test_the_reference_dates_fall_on_the_weekdays_counted_by_hand() -> None:
    days = {
        "2025-12-31": "Wed",
        "2026-01-02": "Fri",
        "2026-02-13": "Fri",
        "2026-02-23": "Mon",
        "2026-03-07": "Sat",
        "2026-04-04": "Sat",
        "2026-11-11": "Wed",
        "2026-11-16": "Mon",
        "2026-12-17": "Thu",
    }
    assert {d: datetime.fromisoformat(d).strftime("%a") for d in days} == days
    assert len(REFS) >= 30


def test_ticket_report_gives_the_minutes_counted_by_hand(
    reference_log: tuple[TicketLog, dict[str, str]],
    lab_inventory: Inventory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log, ids = reference_log
    assert log.verify().ok
    monkeypatch.setattr(_common.console, "width", 220)
    out_csv = tmp_path / "tat.csv"
    program = Program(namespace=Collection(ticket.ns), name="dzict", binary="invoke")
    program.run(
        [
            "invoke",
            "ticket.report",
            "--log",
            str(log.path),
            "-i",
            str(lab_inventory.root),
            "--csv",
            str(out_csv),
            "--chart",
            str(tmp_path / "tat.png"),
        ],
        exit=False,
    )
    out = capsys.readouterr().out
    assert "Working-time TTO and TTR by category: agencies' requests" in out
    assert "Working-time TTO and TTR by category: the unit's own tickets" in out
    rows = {row["ticket"]: row for row in csv.DictReader(out_csv.open(encoding="utf-8"))}
    got = {
        ref.label: (
            float(rows[ids[ref.label]]["tto_minutes"])
            if rows[ids[ref.label]]["tto_minutes"]
            else None,
            float(rows[ids[ref.label]]["ttr_minutes"])
            if rows[ids[ref.label]]["ttr_minutes"]
            else None,
        )
        for ref in REFS
    }
    assert got == {ref.label: (ref.tto, ref.ttr) for ref in REFS}
    assert rows[ids["scheduled run"]]["kind"] == "unit"
    assert rows[ids["phone, entered later"]]["channel"] == "phone"
    assert rows[ids["new year"]]["month"] == "2025-12"
    assert (tmp_path / "tat.png").read_bytes().startswith(b"\x89PNG")


def test_group_figures_and_targets(
    reference_log: tuple[TicketLog, dict[str, str]], lab_inventory: Inventory
) -> None:
    log, _ = reference_log
    policy = policy_of(lab_inventory)
    assert policy is not None
    result = report(measure(log.events(), policy))
    [wan] = [row for row in result["requests"]["category"] if row.key == "wan"]
    # TTO 30, 90, 20, 40 min: median 35 min; within the 1 h target: 3 of 4
    # TTR 120, 120, 150, 120 min: median 120; p90 (inclusive) at rank 2.7 of 0..3: 120 + 0.7*30
    assert wan.tickets == 4
    assert wan.tto_median == pytest.approx(35 / 60)
    assert wan.tto_within == pytest.approx(75.0)
    assert wan.ttr_median == pytest.approx(2.0)
    assert wan.ttr_p90 == pytest.approx(141 / 60)
    assert wan.ttr_within == pytest.approx(100.0)
    [wifi] = [row for row in result["requests"]["category"] if row.key == "wifi"]
    # TTR 120 and 60 min against 8 h; TTO 15 and 30 against 2 h
    assert (wifi.ttr_median, wifi.ttr_within, wifi.tto_within) == (1.5, 100.0, 100.0)
    [unit] = result["unit"]["channel"]
    assert (unit.key, unit.tickets, unit.ttr_median) == ("scheduled", 1, 0.0)
    months = [row.key for row in result["requests"]["month"]]
    assert months == ["2025-12", "2026-02", "2026-03", "2026-04", "2026-11", "2026-12"]
