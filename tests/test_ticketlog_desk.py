"""What the ticket log keeps for the service desk: requester, office, text, time received,
tracking-token hash, assignments, notes for the requester."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dzict.ticketlog import Requester, TicketError, TicketLog
from dzict.ticketlog.views import describe

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
TOKEN_SHA = hashlib.sha256(b"token").hexdigest()


@pytest.fixture
def log(tmp_path: Path) -> TicketLog:
    return TicketLog(tmp_path / "log.jsonl", code="PNK", clock=lambda: NOW)


def open_request(log: TicketLog, **changes: object) -> str:
    fields: dict[str, object] = {
        "office": "guma",
        "requester": Requester("Karma Dema", "+975 17 123456", "gao@guma.bt"),
        "description": "Wi-Fi down\nཝའི་ཕའི་ མེད།",
        "received": NOW - timedelta(hours=2),
        "tracking_sha256": TOKEN_SHA,
    }
    fields.update(changes)
    return log.open(
        "Guma Gewog Administration", "wifi", "phone", "normal", "Wi-Fi down", "pema", **fields
    )


def test_a_request_keeps_who_asked_from_where_and_when_it_was_received(log: TicketLog) -> None:
    tid = open_request(log)
    [opened] = log.events(tid)
    assert opened["office"] == "guma"
    assert opened["requester"] == {
        "name": "Karma Dema",
        "phone": "+975 17 123456",
        "email": "gao@guma.bt",
    }
    assert opened["description"] == "Wi-Fi down\nཝའི་ཕའི་ མེད།"
    assert opened["received"] == "2026-03-02T02:00:00.000000Z"
    assert opened["tracking_sha256"] == TOKEN_SHA
    assert log.verify().ok


def test_the_old_open_call_is_unchanged(log: TicketLog) -> None:
    tid = log.open("Guma Gewog Administration", "wifi", "phone", "normal", "Wi-Fi down", "pema")
    [opened] = log.events(tid)
    assert not {"office", "requester", "description", "received", "tracking_sha256"} & set(opened)
    [summary] = log.tickets()
    assert (summary.received, summary.start) == (None, summary.opened)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"received": NOW + timedelta(minutes=1)}, "is in the future"),
        ({"received": datetime(2026, 3, 2, 9, 0)}, "must carry its time zone"),
        ({"tracking_sha256": "abc"}, "64 lower-case hex digits"),
        ({"requester": Requester(" ")}, "requester name must be a non-empty text"),
        ({"office": ""}, "office must be a non-empty text"),
        ({"description": "  "}, "description must be a non-empty text"),
    ],
)
def test_bad_request_fields_are_refused_and_nothing_is_written(
    log: TicketLog, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(TicketError, match=message):
        open_request(log, **changes)
    assert log.events() == []


def test_assignments_and_the_time_taken(log: TicketLog) -> None:
    tid = open_request(log)
    log.assign(tid, "pema", "pema")
    log.assign(tid, "karma", "pema")
    events = log.events(tid)
    assert [describe(e) for e in events[1:]] == ["taken", "assigned to karma"]
    [summary] = log.tickets()
    assert (summary.assignee, summary.taken, summary.office) == ("karma", NOW, "guma")
    log.close(tid, "fixed", "karma")
    with pytest.raises(TicketError, match="is not open"):
        log.assign(tid, "pema", "pema")


def test_turn_around_runs_from_the_time_received(tmp_path: Path) -> None:
    clock = [NOW]
    log = TicketLog(tmp_path / "log.jsonl", code="PNK", clock=lambda: clock[0])
    tid = open_request(log)
    clock[0] = NOW + timedelta(hours=1)
    log.close(tid, "fixed", "pema")
    [summary] = log.tickets()
    assert summary.tat == timedelta(hours=3)


def test_notes_are_internal_unless_meant_for_the_requester(log: TicketLog) -> None:
    tid = open_request(log)
    log.note(tid, "checked the AP", "pema")
    log.note(tid, "we come tomorrow", "pema", visibility="requester")
    assert [e["visibility"] for e in log.events(tid)[1:]] == ["internal", "requester"]
    with pytest.raises(TicketError, match="visibility must be one of internal, requester"):
        log.note(tid, "x", "pema", visibility="everyone")
    assert len(log.events(tid)) == 3
