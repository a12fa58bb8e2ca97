"""The ticket log on a full disk and a read-only one: an append is all or nothing.

The disk is a real 1 MiB tmpfs mounted for the test (this needs root, as the project's tests
do), so ``ENOSPC`` comes from the kernel, short writes included; the read-only case remounts
that tmpfs read-only.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dzict.ticketlog import TicketLog, TicketLogWriteError

KEY = b"test-only ticket log key, 32 bytes"


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"mount {' '.join(args)}: {done.stderr.strip()}"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs of its own, unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    _mount("-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk to the last byte, then give `leave` bytes back; the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with pytest.raises(OSError, match="No space left on device"):
            _write_until_full(fd)
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def _write_until_full(fd: int) -> None:
    while True:
        os.write(fd, b"\0" * 4096)


def note_text(n: int) -> str:
    return f"note {n}: " + "checked the AP cabling and the PoE budget again. " * 5 + "done"


def append_until_full(log: TicketLog, ticket: str, written: list[str]) -> None:
    """Append notes until one fails (64 KiB of ~300-byte lines fill up long before 10,000)."""
    for n in range(10_000):
        log.note(ticket, note_text(n), "karma")
        written.append(note_text(n))


def notes(log: TicketLog, ticket: str) -> list[str]:
    return [str(e["text"]) for e in log.events(ticket) if e["event"] == "note"]


def test_full_disk_records_nothing_and_a_retry_records_once(disk: Path) -> None:
    log = TicketLog(disk / "ticket-log.jsonl", code="PNK", key=KEY)
    tid = log.open("Punakha Hospital", "wifi", "phone", "high", "AP in ward 3 silent", "karma")
    filler = fill(disk, leave=64 * 1024)
    written: list[str] = []
    with pytest.raises(TicketLogWriteError) as caught:
        append_until_full(log, tid, written)
    text = note_text(len(written))
    assert "No space left on device" in str(caught.value)
    assert "nothing was recorded" in str(caught.value)
    assert len(written) > 50

    size = log.path.stat().st_size
    result = log.verify()
    assert result.ok, str(result)
    assert result.events == 1 + len(written)
    assert result.good_bytes == size  # no part of the failed line stayed behind
    assert notes(log, tid) == written

    with pytest.raises(TicketLogWriteError, match="No space left"):
        log.note(tid, text, "karma")  # still full: refused again, still nothing recorded
    assert log.path.stat().st_size == size

    filler.unlink()
    log.note(tid, text, "karma")  # the retry after space was freed
    assert notes(log, tid) == [*written, text]
    log.close(tid, "cabling replaced", "karma")
    result = log.verify()
    assert result.ok, str(result)
    assert result.events == len(written) + 3
    assert log.tickets()[0].state == "closed"


def test_full_disk_before_the_first_event_records_nothing(disk: Path) -> None:
    """No room for the head of a new log: the first append fails whole, then works."""
    filler = fill(disk)
    log = TicketLog(disk / "second.jsonl", code="PNK", key=KEY)
    with pytest.raises(TicketLogWriteError, match="No space left"):
        log.open("Lobesa Gewog", "lan", "phone", "normal", "switch dead", "pema")
    assert log.verify().events == 0
    assert log.events() == []
    filler.unlink()
    assert log.open("Lobesa Gewog", "lan", "phone", "normal", "switch dead", "pema").endswith(
        "-0001"
    )
    assert log.verify().ok


def test_read_only_folder_refuses_in_one_line_then_appends_continue(disk: Path) -> None:
    log = TicketLog(disk / "ticket-log.jsonl", code="PNK", key=KEY)
    tid = log.open("Talo Gewog", "wifi", "walk-in", "normal", "no signal", "sonam")
    before = log.path.read_bytes(), log.head_path.read_bytes()
    _mount("-o", "remount,ro", str(disk))
    try:
        with pytest.raises(TicketLogWriteError) as caught:
            log.note(tid, "tried while read-only", "sonam")
        message = str(caught.value)
        assert "Read-only file system" in message
        assert "nothing was recorded" in message
        assert "\n" not in message
        assert log.verify().ok  # reading still works
        assert [e["event"] for e in log.events()] == ["opened"]
    finally:
        _mount("-o", "remount,rw", str(disk))
    assert (log.path.read_bytes(), log.head_path.read_bytes()) == before
    log.note(tid, "written once the folder is writable again", "sonam")
    result = log.verify()
    assert (result.ok, result.events) == (True, 2)


def test_failed_flush_takes_the_append_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush that fails (EIO) cannot be caused on demand on this machine, so it is injected
    once into the commit: the line written before it is cut off again and nothing stays."""
    log = TicketLog(tmp_path / "ticket-log.jsonl", code="PNK", key=KEY)
    tid = log.open("Gasa BHU", "lan", "phone", "urgent", "no network", "tashi")
    size, head = log.path.stat().st_size, log.head_path.read_bytes()
    real = os.fdatasync
    calls: list[int] = []

    def fails_once(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fails_once)
    with pytest.raises(TicketLogWriteError, match="Input/output error: nothing was recorded"):
        log.note(tid, "switch rebooted", "tashi")
    monkeypatch.undo()
    assert (log.path.stat().st_size, log.head_path.read_bytes()) == (size, head)
    log.note(tid, "switch rebooted", "tashi")
    assert [e["event"] for e in log.events()] == ["opened", "note"]
    assert log.verify().ok


def test_the_ticket_log_imports_nothing_else_of_the_project() -> None:
    code = (
        "import sys, dzict.ticketlog, dzict.ticketlog.report, dzict.ticketlog.views\n"
        "import json; print(json.dumps(sorted(m for m in sys.modules if m.startswith('dzict'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if not m.startswith("dzict.ticketlog")] == ["dzict"]
