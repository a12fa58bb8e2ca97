"""Every state verify reports has a way back through repair, and appends continue after it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dzict.ticketlog import TicketClockError, TicketKeyError, TicketLog, TicketLogTampered

KEY = b"test-only ticket log key, 32 bytes"
NEW_KEY = b"the key that replaces a lost one"


@pytest.fixture
def log(tmp_path: Path) -> TicketLog:
    log = TicketLog(tmp_path / "ticket-log.jsonl", code="PNK", key=KEY)
    for n in range(3):
        tid = log.open("Wangdue Hospital", "lan", "walk-in", "normal", f"port {n}", "dorji")
        log.note(tid, "patched", "dorji")
        log.close(tid, "works", "dorji")
    return log


def back_to_normal(log: TicketLog, events: int) -> None:
    """Verify passes and the next append goes through."""
    result = log.verify()
    assert (result.status, result.events, result.warnings) == ("ok", events, ()), str(result)
    log.note("PNK-2026-0001", "appends continue", "dorji")
    assert log.verify().ok


def test_intact_log_needs_no_repair(log: TicketLog) -> None:
    assert log.repair() is None
    assert log.repair(force=True) is None


def test_head_behind_is_committed(log: TicketLog) -> None:
    saved = log.head_path.read_bytes()
    log.note("PNK-2026-0001", "one", "dorji")
    log.note("PNK-2026-0001", "two", "dorji")
    log.head_path.write_bytes(saved)  # as if the writers died before committing
    assert log.verify().pending == 2
    event = log.repair("sonam")
    assert event is not None
    assert (event["action"], event["officer"]) == ("commit", "sonam")
    back_to_normal(log, 12)


def test_torn_line_is_cut(log: TicketLog) -> None:
    with log.path.open("ab") as fh:
        fh.write(b'{"data":{"officer":"dorji","te')
    assert log.verify().status == "torn"
    event = log.repair()
    assert event is not None
    assert (event["action"], event["line"], event["cut_bytes"]) == ("torn", 10, 30)
    back_to_normal(log, 10)


def test_missing_head_of_an_unsigned_log_is_rewritten(tmp_path: Path) -> None:
    plain = TicketLog(tmp_path / "plain.jsonl", code="PNK")
    plain.close(plain.open("Talo Gewog", "wifi", "fax", "low", "slow", "dorji"), "ok", "dorji")
    plain.head_path.unlink()
    assert "no head file" in plain.verify().warnings[0]
    with pytest.raises(TicketLogTampered, match="no head file"):
        plain.note("PNK-2026-0001", "refused without a head", "dorji")
    assert plain.repair() is not None
    back_to_normal(plain, 3)


@pytest.mark.parametrize(
    ("damage", "problem", "action"),
    [
        ("head-missing", "head-missing", "head"),
        ("head-garbage", "head-invalid", "head"),
        ("lines-cut", "head-ahead", "head"),
        ("line-edited", "line", "cut"),
    ],
)
def test_tampering_needs_force_and_keeps_the_evidence(
    log: TicketLog, damage: str, problem: str, action: str
) -> None:
    raw = log.path.read_bytes()
    if damage == "head-missing":
        log.head_path.unlink()
    elif damage == "head-garbage":
        log.head_path.write_bytes(b"garbage\n")
    elif damage == "lines-cut":
        log.path.write_bytes(b"".join(raw.splitlines(keepends=True)[:-2]))
    else:
        log.path.write_bytes(raw.replace(b"port 1", b"port 7"))
    result = log.verify()
    assert (result.status, result.problem) == ("tampered", problem), str(result)
    with pytest.raises(
        TicketLogTampered, match=r"restore .* or run `invoke ticket.repair --force`"
    ):
        log.repair()
    event = log.repair("sonam", force=True)
    assert event is not None
    assert event["action"] == action
    if action == "cut":
        assert (event["line"], event["cut_lines"]) == (4, 6)
        kept = log.path.with_name(event["kept_in"])
        assert kept.read_bytes() == raw.replace(b"port 1", b"port 7")[-event["cut_bytes"] :]
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == event["cut_sha256"]
        back_to_normal(log, 4)
    else:
        assert str(result) in event["why"]
        back_to_normal(log, 8 if damage == "lines-cut" else 10)


def test_lost_key_signs_on_with_a_new_one(log: TicketLog) -> None:
    renewed = TicketLog(log.path, code="PNK", key=NEW_KEY)
    assert renewed.verify().problem == "key"
    event = renewed.repair("sonam", force=True)
    assert event is not None
    assert (event["action"], event["old_head"]["kid"]) == ("rekey", log.key_id)
    back_to_normal(renewed, 10)
    assert log.verify().problem == "key"  # the old key no longer signs this log


def test_unsigned_log_starts_signing(tmp_path: Path) -> None:
    path = tmp_path / "ticket-log.jsonl"
    TicketLog(path, code="PNK").open("Gasa Dzong", "wan", "phone", "high", "link down", "dorji")
    keyed = TicketLog(path, code="PNK", key=KEY)
    assert keyed.verify().status == "unsigned"
    event = keyed.repair()
    assert event is not None
    assert event["action"] == "sign"
    back_to_normal(keyed, 2)


def test_repair_without_the_key_of_a_signed_log_is_refused(log: TicketLog) -> None:
    with pytest.raises(TicketKeyError, match="needs the key"):
        TicketLog(log.path).repair()


def test_time_never_goes_backwards(tmp_path: Path) -> None:
    now = {"t": datetime(2026, 3, 1, 8, tzinfo=UTC)}
    clock: Callable[[], datetime] = lambda: now["t"]  # noqa: E731 (a settable clock)
    log = TicketLog(tmp_path / "ticket-log.jsonl", code="PNK", key=KEY, clock=clock)
    tid = log.open("Talo Gewog", "wifi", "walk-in", "normal", "no signal", "dorji")
    now["t"] -= timedelta(seconds=1)
    size = log.path.stat().st_size
    with pytest.raises(TicketClockError, match="earlier than the last event"):
        log.close(tid, "closed before it was opened", "dorji")
    assert log.path.stat().st_size == size
    now["t"] += timedelta(seconds=1)  # the same instant is fine
    log.close(tid, "fixed", "dorji")
    ticket = log.tickets()[0]
    assert ticket.tat == timedelta(0)


def test_odd_lines_are_one_line_errors(log: TicketLog) -> None:
    for bad in (b"[1, 2]\n", b'{"data":{"text":"\xff\xfe"}}\n', b"42\n"):
        log.path.write_bytes(log.path.read_bytes().splitlines(keepends=True)[0] + bad)
        with pytest.raises(TicketLogTampered, match=r"line 2 of .* is not an event") as caught:
            log.events()
        assert "\n" not in str(caught.value)
        result = log.verify()
        assert (result.status, result.line) == ("tampered", 2)


def test_log_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ticket-log.jsonl"
    folder.mkdir()
    log = TicketLog(folder)
    for call in (log.verify, log.events, lambda: log.open("a", "b", "fax", "low", "c", "d")):
        with pytest.raises(Exception, match=r"not a regular file|Is a directory") as caught:
            call()
        assert type(caught.value).__name__ in {"TicketLogUnreadable", "TicketLogWriteError"}
    assert os.listdir(folder) == []
