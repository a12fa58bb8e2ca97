"""The ticket log under concurrent writers and under random single-byte damage."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dzict.ticketlog import TicketLog

WRITERS = 8
APPENDS = 1_000
KEY = b"test-only ticket log key, 32 bytes"


def writer(path: str, number: int) -> None:
    """100 tickets of 10 events each: open, 8 notes, close."""
    log = TicketLog(Path(path), code="PNK", key=KEY)
    for _ in range(APPENDS // 10):
        tid = log.open("Wangdue Hospital", "lan", "walk-in", "normal", f"w{number}", f"w{number}")
        for k in range(8):
            log.note(tid, f"writer {number} note {k}", f"w{number}")
        log.close(tid, "done", f"w{number}")


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "ticket-log.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=writer, args=(str(path), n)) for n in range(WRITERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=600)
    assert [proc.exitcode for proc in procs] == [0] * WRITERS

    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.splitlines()]
    assert len(records) == WRITERS * APPENDS
    assert [r["seq"] for r in records] == list(range(1, WRITERS * APPENDS + 1))
    opened = [r["ticket"] for r in records if r["event"] == "opened"]
    year = records[0]["ts"][:4]
    assert sorted(opened) == [f"PNK-{year}-{n:04d}" for n in range(1, WRITERS * 100 + 1)]
    log = TicketLog(path, key=KEY)
    result = log.verify()
    assert result.ok, str(result)
    assert (result.signed_from, result.pending, result.warnings) == (1, 0, ())
    assert result.events == WRITERS * APPENDS
    assert log.head() == result.tip
    tickets = log.tickets()
    assert len(tickets) == WRITERS * 100
    assert {t.state for t in tickets} == {"closed"}
    assert {t.events for t in tickets} == {10}


@pytest.mark.parametrize("key", [None, KEY], ids=["unsigned", "signed"])
def test_every_single_byte_change_is_detected(tmp_path: Path, key: bytes | None) -> None:
    original = TicketLog(tmp_path / "original.jsonl", code="PNK", key=key)
    for n in range(8):
        tid = original.open("Gasa BHU", "wifi", "online-form", "high", f"AP {n} ü", "tashi")
        original.note(tid, "restarted hostapd", "tashi")
        original.change(tid, "wifi.apply", [f"ap-{n}"], "changed", diff="+x\n", run={"n": n})
        original.close(tid, "fixed", "tashi")
    data = original.path.read_bytes()
    assert original.verify().ok

    rng = random.Random(20260301)
    outcomes: Counter[str] = Counter()
    copy = TicketLog(tmp_path / "copy.jsonl", key=key)
    for _ in range(1_000):
        shutil.copy(original.head_path, copy.head_path)
        where = rng.randrange(len(data))
        value = rng.choice([b for b in range(256) if b != data[where]])
        damaged = bytearray(data)
        damaged[where] = value
        copy.path.write_bytes(bytes(damaged))
        result = copy.verify()
        outcomes[result.status] += 1
        expected_line = data.count(b"\n", 0, where) + 1
        assert result.line == expected_line, (where, value, str(result))
    print(f"1000 single-byte changes: {dict(outcomes)}")
    assert outcomes["ok"] == 0
    assert outcomes["tampered"] + outcomes["torn"] == 1_000
    assert outcomes["torn"] == 0  # the head records every line, so none can pass as a crash
