"""The ticket log API and its hash chain, on real files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dzict.ticketlog import (
    GENESIS,
    Head,
    TicketError,
    TicketLog,
    TicketLogTampered,
    TicketLogTorn,
    resolve_path,
)
from dzict.ticketlog.chain import encode
from dzict.ticketlog.reading import reverse_chunks, reverse_lines, reverse_matches


def stepping_clock(start: datetime, step: timedelta) -> Callable[[], datetime]:
    """A clock that moves `step` forward on every reading."""
    times: Iterator[datetime] = (start + n * step for n in range(1_000_000))
    return lambda: next(times)


def fill(log: TicketLog, tickets: int = 4) -> list[str]:
    """Open, note, change and close a few tickets: 4 events each, the last one left open."""
    ids = []
    for n in range(tickets):
        tid = log.open("Punakha Hospital", "wifi", "phone", "high", f"AP {n} down", "karma")
        log.note(tid, f"called the BHU about AP {n}", "karma")
        log.change(tid, "wifi.apply", [f"ap-{n}"], "changed", diff="-ssid a\n+ssid b\n")
        if n < tickets - 1:
            log.close(tid, "AP back", "karma")
        ids.append(tid)
    return ids


@pytest.fixture
def log(tmp_path: Path) -> TicketLog:
    clock = stepping_clock(datetime(2026, 3, 1, 8, tzinfo=UTC), timedelta(minutes=7))
    return TicketLog(tmp_path / "var" / "ticket-log.jsonl", code="PNK", clock=clock)


@pytest.fixture
def filled(log: TicketLog) -> TicketLog:
    fill(log)
    return log


def lines_of(log: TicketLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def write_lines(log: TicketLog, lines: list[bytes]) -> None:
    log.path.write_bytes(b"".join(lines))


def test_chain_links_every_line_to_the_one_before(filled: TicketLog) -> None:
    raw = lines_of(filled)
    assert len(raw) == 15
    prev = GENESIS
    for seq, line in enumerate(raw, start=1):
        record = json.loads(line)
        assert record["seq"] == seq
        assert record["prev"] == prev
        assert encode(record) + b"\n" == line  # canonical: re-encoding gives the same bytes
        prev = hashlib.sha256(line.rstrip(b"\n")).hexdigest()
    assert filled.head() == Head(15, prev)
    result = filled.verify()
    assert result.ok, str(result)
    assert result.events == 15
    assert str(result).startswith("OK: 15 events")


def test_ids_count_per_year_and_code(tmp_path: Path) -> None:
    times = iter(
        datetime(y, m, 1, tzinfo=UTC) for y, m in [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    )
    log = TicketLog(tmp_path / "log.jsonl", code="PNK", clock=lambda: next(times))
    ids = [log.open("Lobesa Gewog", "lan", "email", "low", "switch", "dorji") for _ in range(4)]
    assert ids == ["PNK-2025-0001", "PNK-2025-0002", "PNK-2026-0001", "PNK-2026-0002"]
    other = TicketLog(tmp_path / "log.jsonl", code="THI", clock=lambda: datetime(2026, 3, 1))
    assert other.open("Thimphu", "lan", "fax", "low", "x", "y") == "THI-2026-0001"


def test_events_are_flattened_and_filtered(filled: TicketLog) -> None:
    events = filled.events("PNK-2026-0002")
    assert [e["event"] for e in events] == ["opened", "note", "change", "closed"]
    opened, _, change, closed = events
    assert opened["summary"] == "AP 1 down"
    assert opened["ts"] == "2026-03-01T08:28:00.000000Z"
    assert change["targets"] == ["ap-1"]
    assert change["diff"] == "-ssid a\n+ssid b\n"
    assert closed["resolution"] == "AP back"
    assert len(filled.events()) == 15


def test_tickets_summarise_state_and_times(filled: TicketLog) -> None:
    tickets = filled.tickets()
    assert [t.state for t in tickets] == ["closed", "closed", "closed", "open"]
    first = tickets[0]
    assert first.tat == timedelta(minutes=21)
    assert (first.category, first.agency, first.channel) == ("wifi", "Punakha Hospital", "phone")
    assert tickets[-1].closed is None
    assert tickets[-1].tat is None


def test_change_keeps_long_diffs_as_digest(log: TicketLog) -> None:
    tid = log.open("Dzongkhag HQ", "wan", "online-form", "urgent", "new link", "pema")
    diff = "+ interface eth1\n" * 2000
    event = log.change(
        tid,
        "wan.apply",
        "r-hq",
        "changed",
        diff,
        "a" * 64,
        {"r-hq": "b" * 64},
        backup_commit="1234abc",
        dry_run=False,
    )
    assert "diff" not in event
    assert event["diff_sha256"] == hashlib.sha256(diff.encode()).hexdigest()
    assert event["diff_bytes"] == len(diff)
    assert event["after"] == {"r-hq": "b" * 64}
    assert event["backup_commit"] == "1234abc"
    assert event["details"] == {"dry_run": False}


def test_require_open_refuses_unknown_and_closed_tickets(filled: TicketLog) -> None:
    filled.require_open("PNK-2026-0004")
    filled.require_open(" pnk-2026-0004")
    with pytest.raises(TicketError, match=r"ticket PNK-2026-0001 is not open \(closed .*AP back"):
        filled.require_open("PNK-2026-0001")
    with pytest.raises(TicketError, match=r"ticket PNK-2026-0099 is not open \(no such ticket"):
        filled.require_open("PNK-2026-0099")
    with pytest.raises(TicketError, match="not a ticket id"):
        filled.require_open("0099")
    with pytest.raises(TicketError, match="is not open"):
        filled.change("PNK-2026-0001", "wifi.apply", ["ap-0"], "changed")
    with pytest.raises(TicketError, match="is not open"):
        filled.close("PNK-2026-0001", "again")
    filled.note("PNK-2026-0001", "agency confirmed")  # notes on closed tickets are fine
    with pytest.raises(TicketError, match="is not open"):
        filled.note("PNK-2026-0077", "x")


def test_require_open_on_a_missing_log(tmp_path: Path) -> None:
    log = TicketLog(tmp_path / "none.jsonl")
    with pytest.raises(TicketError, match="no such ticket"):
        log.require_open("DZK-2026-0001")
    assert not log.path.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", "pigeon", "channel must be one of online-form, phone, fax, email, walk-in"),
        ("priority", "asap", "priority must be one of"),
        ("category", "Wi Fi", "category must be one word"),
        ("summary", "  ", "summary must be a non-empty text"),
    ],
)
def test_open_refuses_bad_fields(log: TicketLog, field: str, value: str, message: str) -> None:
    fields = {
        "agency": "Talo Gewog",
        "category": "wifi",
        "channel": "phone",
        "priority": "normal",
        "summary": "x",
        "officer": "sonam",
    }
    fields[field] = value
    with pytest.raises(TicketError, match=message):
        log.open(**fields)
    assert not log.path.exists()


def test_code_must_be_capital_letters(tmp_path: Path) -> None:
    with pytest.raises(TicketError, match="Dzongkhag code"):
        TicketLog(tmp_path / "x", code="pnk")


def test_scheduled_ticket_closes_with_the_outcome(log: TicketLog) -> None:
    with log.scheduled_ticket("patch", "nightly OS patch") as tid:
        log.require_open(tid)
        log.change(tid, "patch.apply", ["pc-1"], "changed")
    with (
        pytest.raises(RuntimeError, match="restic"),
        log.scheduled_ticket("backup", "nightly backup") as failing,
    ):
        raise RuntimeError("restic exit 1")
    done = {t.id: t for t in log.tickets()}
    assert done[tid].resolution == "success"
    assert done[tid].channel == "scheduled"
    assert done[failing].resolution == "failed"
    assert done[failing].state == "closed"
    assert log.events(failing)[1]["text"] == "RuntimeError: restic exit 1"


def test_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DZICT_TICKET_LOG", raising=False)
    assert resolve_path() == Path("var/ticket-log.jsonl")
    assert resolve_path(None, "from/invoke.yaml") == Path("from/invoke.yaml")
    monkeypatch.setenv("DZICT_TICKET_LOG", str(tmp_path / "env.jsonl"))
    assert resolve_path(None, "from/invoke.yaml") == tmp_path / "env.jsonl"
    assert resolve_path(tmp_path / "arg.jsonl", "from/invoke.yaml") == tmp_path / "arg.jsonl"
    assert TicketLog().path == tmp_path / "env.jsonl"


# -- tampering --------------------------------------------------------------------------------


def expect(log: TicketLog, status: str, line: int | None) -> str:
    result = log.verify()
    assert (result.status, result.line) == (status, line), str(result)
    return str(result)


@pytest.mark.parametrize("line", [1, 2, 7, 14, 15])
def test_edited_byte_names_its_line(filled: TicketLog, line: int) -> None:
    raw = lines_of(filled)
    assert raw[line - 1].startswith(b'{"data":{"')
    edited = bytearray(raw[line - 1])
    edited[10] ^= 0x20  # first letter of the first field name, upper case
    raw[line - 1] = bytes(edited)
    write_lines(filled, raw)
    message = expect(filled, "tampered", line)
    assert message.startswith(f"TAMPERED: line {line}: changed")


def test_edited_seq_names_its_line(filled: TicketLog) -> None:
    raw = lines_of(filled)
    raw[4] = raw[4].replace(b'"seq":5,', b'"seq":6,')
    write_lines(filled, raw)
    assert "seq is 6 where 5 is expected (the line was edited)" in expect(filled, "tampered", 5)


def test_edited_prev_names_its_line(filled: TicketLog) -> None:
    raw = lines_of(filled)
    at = raw[9].index(b'"prev":"') + 8
    flipped = b"1" if raw[9][at : at + 1] == b"0" else b"0"
    raw[9] = raw[9][:at] + flipped + raw[9][at + 1 :]
    write_lines(filled, raw)
    assert "its prev hash does not match line 9" in expect(filled, "tampered", 10)


@pytest.mark.parametrize("line", [1, 6, 14])
def test_deleted_line(filled: TicketLog, line: int) -> None:
    raw = lines_of(filled)
    del raw[line - 1]
    write_lines(filled, raw)
    assert "missing (deleted or moved)" in expect(filled, "tampered", line)


def test_reordered_lines(filled: TicketLog) -> None:
    raw = lines_of(filled)
    raw[7], raw[8] = raw[8], raw[7]
    write_lines(filled, raw)
    expect(filled, "tampered", 8)


def test_inserted_copy_of_an_earlier_line(filled: TicketLog) -> None:
    raw = lines_of(filled)
    raw.insert(9, raw[2])
    write_lines(filled, raw)
    assert "inserted or moved" in expect(filled, "tampered", 10)


def test_inserted_forged_line_that_chains(filled: TicketLog) -> None:
    raw = lines_of(filled)
    prev = hashlib.sha256(raw[5].rstrip(b"\n")).hexdigest()
    forged = {
        "data": {"officer": "mallory", "text": "nothing happened"},
        "event": "note",
        "prev": prev,
        "seq": 7,
        "ticket": "PNK-2026-0002",
        "ts": "2026-03-01T09:00:00.000000Z",
    }
    raw.insert(6, encode(forged) + b"\n")
    write_lines(filled, raw)
    assert "inserted" in expect(filled, "tampered", 7)


def test_lines_cut_from_the_end_are_caught_by_the_head(filled: TicketLog) -> None:
    raw = lines_of(filled)
    write_lines(filled, raw[:-2])
    message = expect(filled, "tampered", 14)
    assert "the head records 15 events" in message
    with pytest.raises(TicketLogTampered, match="head records 15 events"):
        filled.note("PNK-2026-0001", "x")


def test_cut_lines_without_head_need_a_head_copy(filled: TicketLog) -> None:
    anchor = filled.head()
    assert anchor is not None
    write_lines(filled, lines_of(filled)[:-1])
    filled.head_path.unlink()
    result = filled.verify()
    assert result.ok
    assert "no head file" in result.warnings[0]
    with_copy = filled.verify(anchor)
    assert (with_copy.status, with_copy.line) == ("tampered", 15)


def test_head_copy_matches_a_grown_log(filled: TicketLog) -> None:
    anchor = filled.head()
    assert anchor is not None
    filled.note("PNK-2026-0004", "later")
    assert filled.verify(anchor).ok
    assert filled.verify(Head.parse(anchor.token)).ok
    wrong = Head(anchor.count, "f" * 64)
    assert filled.verify(wrong).line == 15
    with pytest.raises(TicketError, match="not a head token"):
        Head.parse("15:xyz")


def test_edited_head_file(filled: TicketLog) -> None:
    filled.head_path.write_text('{"count":15,"last":"' + "0" * 64 + '"}\n')
    expect(filled, "tampered", 15)
    filled.head_path.write_text("garbage")
    assert "not a valid head" in expect(filled, "tampered", None)


def crash_mid_write(log: TicketLog, keep: int) -> bytes:
    """Append the first `keep` bytes of a well-formed next line, as a crash would leave them."""
    raw = lines_of(log)
    prev = hashlib.sha256(raw[-1].rstrip(b"\n")).hexdigest()
    record = {
        "data": {"officer": "karma", "text": "half"},
        "event": "note",
        "prev": prev,
        "seq": len(raw) + 1,
        "ticket": "PNK-2026-0004",
        "ts": "2026-03-01T12:00:00.000000Z",
    }
    torn = (encode(record) + b"\n")[:keep]
    with log.path.open("ab") as fh:
        fh.write(torn)
    return torn


def test_torn_last_line_then_repair(filled: TicketLog) -> None:
    torn = crash_mid_write(filled, 40)
    message = expect(filled, "torn", 16)
    assert message.startswith("TORN: line 16: torn final line: 40 bytes")
    with pytest.raises(TicketLogTorn, match="torn"):
        filled.note("PNK-2026-0004", "refused")
    repair = filled.repair("sonam")
    assert repair is not None
    assert repair["event"] == "repair"
    assert repair["ticket"] is None
    assert (repair["cut_bytes"], repair["line"]) == (40, 16)
    assert repair["cut_sha256"] == hashlib.sha256(torn).hexdigest()
    assert filled.verify().ok
    filled.note("PNK-2026-0004", "after the repair")
    result = filled.verify()
    assert result.ok
    assert result.events == 17
    assert filled.repair() is None


def test_complete_but_unparsable_last_line_beyond_the_head_is_torn(filled: TicketLog) -> None:
    with filled.path.open("ab") as fh:
        fh.write(b'{"data":{"te\x00\x00\x00\n')
    expect(filled, "torn", 16)
    with pytest.raises(TicketLogTorn):
        filled.open("a", "b", "fax", "low", "c", "d")
    assert filled.repair() is not None
    assert filled.verify().ok


def test_missing_newline_on_a_recorded_line_is_tampering(filled: TicketLog) -> None:
    filled.path.write_bytes(filled.path.read_bytes()[:-1])
    assert "head records the line as written" in expect(filled, "tampered", 15)
    with pytest.raises(TicketLogTampered, match=r"restore .* from the backup"):
        filled.repair()


def test_head_one_behind_after_a_crash_is_accepted(filled: TicketLog) -> None:
    saved = filled.head_path.read_bytes()
    filled.note("PNK-2026-0004", "written, head not yet")
    filled.head_path.write_bytes(saved)  # as if the process died before replacing the head
    result = filled.verify()
    assert result.ok
    assert "1 event(s) behind" in result.warnings[0]
    filled.note("PNK-2026-0004", "next append")
    assert filled.head() == filled.verify().tip
    assert filled.verify().warnings == ()


def test_older_head_restored_reads_as_behind(filled: TicketLog) -> None:
    """Lines after an older head chain on: uncommitted appends, committed by the next one."""
    saved = filled.head_path.read_bytes()
    filled.note("PNK-2026-0004", "one")
    filled.note("PNK-2026-0004", "two")
    filled.head_path.write_bytes(saved)
    result = filled.verify()
    assert (result.status, result.pending) == ("ok", 2)
    assert "2 event(s) behind" in result.warnings[0]
    filled.note("PNK-2026-0004", "three")
    assert filled.verify().warnings == ()
    assert filled.head() == Head(18, filled.verify().tip.last)


def test_empty_and_missing_logs(tmp_path: Path) -> None:
    log = TicketLog(tmp_path / "empty.jsonl")
    assert log.verify().ok
    assert log.events() == []
    assert log.tickets() == []
    assert log.head() is None


def test_verify_does_not_write(filled: TicketLog, tmp_path: Path) -> None:
    before = filled.path.read_bytes(), filled.head_path.read_bytes()
    filled.verify()
    assert (filled.path.read_bytes(), filled.head_path.read_bytes()) == before
    copy = tmp_path / "copy.jsonl"
    shutil.copy(filled.path, copy)
    assert TicketLog(copy).verify().warnings  # no head beside the copy


@pytest.mark.parametrize("torn", [b"", b'{"data":', b"x" * 70])
def test_reading_backwards_across_block_edges(tmp_path: Path, torn: bytes) -> None:
    lines = [
        b"first",
        b"",
        b"a" * 33,
        b'{"ticket":"PNK-2026-0001"}',
        b"b",
        b'"ticket":"PNK-2026-0001"!',
    ]
    path = tmp_path / "lines"
    path.write_bytes(b"\n".join(lines) + b"\n" + torn)
    fd = os.open(path, os.O_RDONLY)
    try:
        end = os.fstat(fd).st_size
        for block in (1, 2, 3, 7, 16, 64, 1 << 20):
            assert list(reverse_lines(fd, end, block)) == lines[::-1], block
            chunks = list(reverse_chunks(fd, end, block))
            assert b"".join(chunks[::-1]) == b"".join(line + b"\n" for line in lines)
        needle = b'"ticket":"PNK-2026-0001"'
        assert list(reverse_matches(fd, end, needle)) == [lines[5], lines[3]]
        assert list(reverse_lines(fd, 0)) == []
    finally:
        os.close(fd)


def test_lines_with_an_unusually_long_tail_verify(tmp_path: Path) -> None:
    """Ticket ids with very long counters push prev far from the line end; still found."""
    path = tmp_path / "long.jsonl"
    prev, lines = GENESIS, []
    for seq in range(1, 4):
        ticket = "ABCDEF-2026-" + "9" * 60 + str(seq)
        record = {
            "data": {"text": "x"},
            "event": "note",
            "prev": prev,
            "seq": seq,
            "ticket": ticket,
            "ts": f"2026-03-01T00:00:0{seq}.000000Z",
        }
        line = encode(record)
        prev = hashlib.sha256(line).hexdigest()
        lines.append(line + b"\n")
    path.write_bytes(b"".join(lines))
    result = TicketLog(path).verify()
    assert (result.status, result.events) == ("ok", 3), str(result)
    path.write_bytes(b"".join(lines).replace(b'"text":"x"', b'"text":"y"', 1))
    assert TicketLog(path).verify().line == 1
