"""Turn-around time statistics against values worked out by hand on a small fixed log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.image import imread
from rich.console import Console

from dzict.ticketlog import TicketLog
from dzict.ticketlog.report import TatRow, age_bucket, p90, tables, tat_report, write_chart

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)

# category, agency, channel, hours from open to close (None: still open), hours since opened
Row = tuple[str, str, str, float | None, float]
TICKETS: list[Row] = [
    ("wifi", "Hospital", "phone", 2.0, 0),
    ("wifi", "Hospital", "email", 4.0, 0),
    ("wifi", "School", "phone", 10.0, 0),
    ("lan", "School", "online-form", 1.0, 0),
    ("lan", "Hospital", "phone", 3.0, 0),
    ("wifi", "School", "walk-in", None, 48.0),
    ("lan", "Hospital", "fax", None, 40 * 24.0),
    ("lan", "Hospital", "fax", None, 0.5),
]


def rounded(rows: list[TatRow]) -> list[tuple[str, int, float, float]]:
    return [(r.key, r.tickets, round(r.median, 9), round(r.p90, 9)) for r in rows]


@pytest.fixture
def fixed_log(tmp_path: Path) -> TicketLog:
    now = {"t": NOW}
    log = TicketLog(tmp_path / "ticket-log.jsonl", code="PNK", clock=lambda: now["t"])
    start = NOW - timedelta(days=60)
    steps: list[tuple[datetime, int, bool]] = []  # (time, ticket number, closing)
    for n, (_, _, _, hours, age) in enumerate(TICKETS):
        opened = start + timedelta(days=n) if hours is not None else NOW - timedelta(hours=age)
        steps.append((opened, n, False))
        if hours is not None:
            steps.append((opened + timedelta(hours=hours), n, True))
    ids: dict[int, str] = {}
    for when, n, closing in sorted(steps):  # the log only moves forward in time
        now["t"] = when
        category, agency, channel, _, _ = TICKETS[n]
        if closing:
            log.close(ids[n], "done", "pema")
        else:
            ids[n] = log.open(agency, category, channel, "normal", f"request {n}", "pema")
    return log


def test_tat_by_group_matches_hand_computed_values(fixed_log: TicketLog) -> None:
    report = tat_report(fixed_log.tickets(), NOW)
    assert (report.closed, report.open) == (5, 3)
    # wifi 2, 4, 10: median 4; p90 at rank 0.9 * (3 - 1) = 1.8: 4 + 0.8 * (10 - 4) = 8.8
    # lan 1, 3: median 2; p90 at rank 0.9: 1 + 0.9 * 2 = 2.8
    assert rounded(report.groups["category"]) == [("lan", 2, 2.0, 2.8), ("wifi", 3, 4.0, 8.8)]
    # Hospital 2, 3, 4: median 3, p90 3.8; School 1, 10: median 5.5, p90 1 + 0.9 * 9 = 9.1
    assert rounded(report.groups["agency"]) == [("Hospital", 3, 3.0, 3.8), ("School", 2, 5.5, 9.1)]
    # phone 2, 3, 10: median 3, p90 3 + 0.8 * 7 = 8.6; email 4 and online-form 1 alone
    assert rounded(report.groups["channel"]) == [
        ("email", 1, 4.0, 4.0),
        ("online-form", 1, 1.0, 1.0),
        ("phone", 3, 3.0, 8.6),
    ]
    assert report.ages == [
        ("under 1 day", 1),
        ("1 to 3 days", 1),
        ("3 to 7 days", 0),
        ("7 to 30 days", 0),
        ("30 days or more", 1),
    ]


def test_p90_and_buckets_at_their_edges() -> None:
    assert p90([5.0]) == 5.0
    assert p90([0.0, 10.0]) == pytest.approx(9.0)
    assert p90([float(h) for h in range(1, 12)]) == pytest.approx(10.0)
    assert age_bucket(timedelta(hours=23, minutes=59)) == "under 1 day"
    assert age_bucket(timedelta(days=1)) == "1 to 3 days"
    assert age_bucket(timedelta(days=30)) == "30 days or more"


def test_tables_show_the_figures(fixed_log: TicketLog) -> None:
    console = Console(record=True, width=120)
    for table in tables(tat_report(fixed_log.tickets(), NOW)):
        console.print(table)
    text = console.export_text()
    assert "Turn-around time by category (5 closed tickets)" in text
    assert "8.8 h" in text
    assert "5.5 h" in text
    assert "Open tickets by age (3 open)" in text


def test_chart_is_a_png(fixed_log: TicketLog, tmp_path: Path) -> None:
    path = write_chart(tat_report(fixed_log.tickets(), NOW), tmp_path / "reports" / "tat.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert imread(path).shape[:2] == (900, 1200)


def test_empty_log_still_reports(tmp_path: Path) -> None:
    report = tat_report(TicketLog(tmp_path / "none.jsonl").tickets(), NOW)
    assert (report.closed, report.open) == (0, 0)
    assert report.groups == {"category": [], "agency": [], "channel": []}
    assert write_chart(report, tmp_path / "empty.png").stat().st_size > 0
