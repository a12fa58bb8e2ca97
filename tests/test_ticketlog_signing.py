"""The signed chain: what someone who can write the files but lacks the key cannot do."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dzict.ticketlog import GENESIS, TicketKeyError, TicketLog, TicketLogTampered
from dzict.ticketlog.chain import encode

KEY = b"test-only ticket log key, 32 bytes"
OTHER = b"another key of at least 16 bytes"


def fill(log: TicketLog, tickets: int = 3) -> None:
    for n in range(tickets):
        tid = log.open("Punakha Hospital", "wifi", "phone", "high", f"AP {n} down", "karma")
        log.note(tid, f"called the BHU about AP {n}", "karma")
        log.close(tid, "AP back", "karma")


@pytest.fixture
def signed(tmp_path: Path) -> TicketLog:
    log = TicketLog(tmp_path / "ticket-log.jsonl", code="PNK", key=KEY)
    fill(log)
    return log


def records(log: TicketLog) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.path.read_bytes().splitlines()]


def rechain(items: list[dict[str, Any]]) -> bytes:
    """Lines with every prev hash recomputed, as someone without the key can do."""
    prev, out = GENESIS, []
    for record in items:
        line = encode({**record, "prev": prev})
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    return b"".join(out)


def test_every_event_and_the_head_are_signed(signed: TicketLog) -> None:
    assert all(len(r["mac"]) == 64 for r in records(signed))
    head = json.loads(signed.head_path.read_bytes()[:512])
    assert head["kid"] == signed.key_id
    assert set(head) == {"bytes", "count", "kid", "kind", "last", "mac", "ts"}
    result = signed.verify()
    assert (result.status, result.signed_from, result.notes) == ("ok", 1, ())


def test_forged_append_is_detected_and_refused(signed: TicketLog) -> None:
    """A next event with the right prev hash and seq, but a signature made without the key."""
    last = signed.path.read_bytes().splitlines()[-1]
    forged = {
        "data": {"officer": "mallory", "text": "all fine"},
        "event": "note",
        "mac": hashlib.sha256(b"guess").hexdigest(),
        "prev": hashlib.sha256(last).hexdigest(),
        "seq": 10,
        "ticket": "PNK-2026-0003",
        "ts": "2099-01-01T00:00:00.000000Z",
    }
    with signed.path.open("ab") as fh:
        fh.write(encode(forged) + b"\n")
    result = signed.verify()
    assert (result.status, result.line) == ("tampered", 10), str(result)
    assert "signature does not match" in result.reason
    with pytest.raises(TicketLogTampered, match=r"line 10 .*signature does not match"):
        signed.note("PNK-2026-0003", "refused after a forged line", "karma")


def test_unsigned_append_to_a_signed_log_is_detected(signed: TicketLog) -> None:
    items = records(signed)
    extra = {**items[-1], "seq": 10, "data": {"officer": "mallory", "text": "no key"}}
    del extra["mac"]
    signed.path.write_bytes(rechain([*items, extra]))
    result = signed.verify()
    assert (result.status, result.line) == ("tampered", 10), str(result)
    assert "no signature" in result.reason


def test_rewritten_history_with_recomputed_hashes_is_detected(signed: TicketLog) -> None:
    """Line 4 edited, every later prev hash recomputed, the head left or replaced."""
    items = records(signed)
    items[3]["data"]["summary"] = "nothing was down"
    signed.path.write_bytes(rechain(items))
    result = signed.verify()
    assert (result.status, result.line) == ("tampered", 4), str(result)
    assert "signature does not match" in result.reason
    # the head cannot be re-signed: an unsigned head of the right count and hash is refused
    raw = signed.path.read_bytes().splitlines()
    head = {"count": len(raw), "last": hashlib.sha256(raw[-1]).hexdigest(), "ts": "x"}
    signed.head_path.write_bytes(encode(head) + b"\n")
    assert signed.verify().line == 4


def test_stripped_signatures_read_as_unsigned_and_a_checkpoint_catches_them(
    signed: TicketLog, tmp_path: Path
) -> None:
    record, sealed = signed.checkpoint()
    (tmp_path / "checkpoint").write_bytes(sealed + b"\n")
    items = records(signed)
    for item in items:
        del item["mac"]
    signed.path.write_bytes(rechain(items))
    raw = signed.path.read_bytes().splitlines()
    head = {"count": len(raw), "last": hashlib.sha256(raw[-1]).hexdigest(), "ts": "x"}
    signed.head_path.write_bytes(encode(head) + b"\n")
    result = signed.verify()
    assert result.status == "unsigned"  # not ok: exit 3, never taken for a good log
    assert result.exit_code == 3
    anchor = signed.read_checkpoint(tmp_path / "checkpoint")
    assert anchor == record
    checked = signed.verify(anchor)
    assert (checked.status, checked.line) == ("tampered", record.count)


def test_checkpoint_catches_a_log_cut_back_to_an_older_head(
    signed: TicketLog, tmp_path: Path
) -> None:
    """Cutting lines and putting back an older (validly signed) head passes without a
    checkpoint; with one kept off the machine it does not."""
    old_log, old_head = signed.path.read_bytes(), signed.head_path.read_bytes()
    signed.note("PNK-2026-0003", "agency confirmed", "karma")
    record, sealed = signed.checkpoint()
    checkpoint = tmp_path / "checkpoint"
    checkpoint.write_bytes(sealed + b"\n")
    assert signed.verify(signed.read_checkpoint(checkpoint)).ok
    signed.note("PNK-2026-0003", "later", "karma")
    assert signed.verify(signed.read_checkpoint(checkpoint)).ok  # the log grew: still extends it

    signed.path.write_bytes(old_log)
    signed.head_path.write_bytes(old_head)
    assert signed.verify().ok  # nothing on the machine tells
    result = signed.verify(signed.read_checkpoint(checkpoint))
    assert (result.status, result.line) == ("tampered", 10)
    assert "checkpoint records 10 events" in result.reason
    assert record.kid == signed.key_id


def test_checkpoint_is_sealed(signed: TicketLog, tmp_path: Path) -> None:
    _, sealed = signed.checkpoint()
    path = tmp_path / "checkpoint"
    data = json.loads(sealed)
    for field, value in (("count", 1), ("ts", "2020-01-01T00:00:00.000000Z")):
        path.write_bytes(encode({**data, field: value}))
        with pytest.raises(TicketLogTampered, match="not a valid checkpoint"):
            signed.read_checkpoint(path)
    path.write_bytes(sealed)
    other = TicketLog(signed.path, key=OTHER)
    with pytest.raises(TicketLogTampered, match="another key"):
        other.read_checkpoint(path)
    head_slot = signed.head_path.read_bytes()[:512].strip()
    path.write_bytes(head_slot)
    with pytest.raises(TicketLogTampered, match="a head, not a checkpoint"):
        signed.read_checkpoint(path)


def test_head_fields_and_time_are_covered(signed: TicketLog) -> None:
    raw = signed.head_path.read_bytes()
    newest = max((json.loads(raw[i : i + 512]) for i in (0, 512)), key=lambda h: h["count"])
    for field, value in (("ts", "2020-01-01T00:00:00.000000Z"), ("count", 8), ("bytes", 1)):
        edited = encode({**newest, field: value}).ljust(511) + b"\n"
        signed.head_path.write_bytes(edited + edited)
        result = signed.verify()
        assert (result.status, result.problem) == ("tampered", "head-invalid"), field
        assert "signature does not match" in result.reason


def test_wrong_or_missing_key(signed: TicketLog) -> None:
    other = TicketLog(signed.path, code="PNK", key=OTHER)
    result = other.verify()
    assert (result.status, result.problem) == ("tampered", "key")
    assert f"key id {signed.key_id}" in result.reason
    with pytest.raises(TicketKeyError, match="another key"):
        other.note("PNK-2026-0003", "with the wrong key", "karma")
    keyless = TicketLog(signed.path, code="PNK")
    assert keyless.verify().status == "unchecked"
    assert keyless.verify().exit_code == 3
    with pytest.raises(TicketKeyError, match="no key was given"):
        keyless.note("PNK-2026-0003", "without a key", "karma")
    with pytest.raises(TicketKeyError, match="at least 16 bytes"):
        TicketLog(signed.path, key=b"short")


def test_old_unsigned_log_signs_on_from_the_next_event(tmp_path: Path) -> None:
    path = tmp_path / "ticket-log.jsonl"
    fill(TicketLog(path, code="PNK"))
    keyed = TicketLog(path, code="PNK", key=KEY)
    before = keyed.verify()
    assert (before.status, before.signed_from) == ("unsigned", 0)
    assert TicketLog(path).verify().ok  # without a key there is nothing more to check
    keyed.note("PNK-2026-0003", "first signed event", "karma")
    after = keyed.verify()
    assert (after.status, after.signed_from) == ("ok", 10)
    assert "events 1..9 are unsigned (written before the key)" in after.notes[0]
    shutil.copy(path, tmp_path / "copy.jsonl")
    items = records(keyed)
    items[2]["data"]["resolution"] = "changed before the key came"
    path.write_bytes(rechain(items))
    result = keyed.verify()
    assert (result.status, result.line) == ("tampered", 10)
    assert "or an unsigned line before it changed" in result.reason


def test_head_of_a_legacy_log_is_read_then_upgraded(tmp_path: Path) -> None:
    """A head file from before the signed slots (one JSON line) still works."""
    path = tmp_path / "ticket-log.jsonl"
    log = TicketLog(path, code="PNK")
    fill(log, 1)
    raw = path.read_bytes().splitlines()
    legacy = {"count": 3, "last": hashlib.sha256(raw[-1]).hexdigest(), "ts": "x"}
    log.head_path.write_bytes(encode(legacy) + b"\n")
    assert log.verify().ok
    keyed = TicketLog(path, code="PNK", key=KEY)
    keyed.note("PNK-2026-0001", "after the upgrade", "karma")
    assert keyed.verify().ok
    raw = keyed.head_path.read_bytes()
    slots = [json.loads(raw[i : i + 512].rstrip(b" \n\0")) for i in (0, 512)]
    assert [s.get("kind") for s in slots] == [None, "head"]  # the old slot stays until overwritten
