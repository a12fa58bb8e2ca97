"""The way back from every state ``verify`` reports; each repair records a ``repair`` event.

================  ===========================================================  ==========
verify says        repair does (event ``action``)                                needs
================  ===========================================================  ==========
OK, head behind    commits the lines after the head (``commit``)                 -
OK, no head        writes a head (``commit``; unsigned logs only)                -
UNSIGNED           records the first signed event (``sign``)                     the key
TORN               cuts the incomplete last line (``torn``)                      -
TAMPERED (line)    moves the lines from the bad one on into ``<log>.cut-<time>``  ``force``
                   and continues from the line before (``cut``)
TAMPERED (head)    writes a new head for the chain as it verifies (``head``)     ``force``
TAMPERED (key)     signs on with the key given (``rekey``)                       ``force``
UNCHECKED          nothing: give the key                                         the key
================  ===========================================================  ==========

Restoring the log and its head from the backup is the better way back from tampering: a forced
repair keeps the log going and keeps the evidence (the cut lines, the old head) but cannot
bring back what was lost.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dzict.ticketlog.chain import GENESIS, is_signed, prev_at, stamp_of
from dzict.ticketlog.exceptions import TicketKeyError, TicketLogTampered
from dzict.ticketlog.models import Event, flatten
from dzict.ticketlog.reading import reverse_lines
from dzict.ticketlog.store import Store, Tip
from dzict.ticketlog.verify import VerifyResult

MakeLine = Callable[[Tip, dict[str, Any]], bytes]


def repair_log(  # noqa: PLR0917 (the locked files and what verify found)
    store: Store, log: int, head: int, result: VerifyResult, make: MakeLine, force: bool
) -> Event | None:
    """Repair what `result` found, holding both locks; the repair event or None."""
    if result.status == "unchecked":
        raise TicketKeyError(f"{store.path} is signed: repairing it needs the key")
    if result.status == "ok":
        if not result.stale_head:
            return None
        return _record(store, log, head, result, make, {"action": "commit", "why": _why(result)})
    if result.status == "unsigned":
        return _record(store, log, head, result, make, {"action": "sign"})
    if result.status == "torn":
        return _torn(store, log, head, result, make)
    if not force:
        raise TicketLogTampered(
            f"{result}: restore {store.path} and its head from the backup, or run "
            "`invoke ticket.repair --force` to continue from the last good line (the rest is "
            "kept aside)",
            result.line,
        )
    if result.problem == "line":
        return _cut(store, log, head, result, make)
    action = "rekey" if result.problem == "key" else "head"
    old = store.read_head(head).record
    data = {"action": action, "why": str(result), "old_head": None if old is None else old.body()}
    return _record(store, log, head, result, make, data, reset=True)


def _why(result: VerifyResult) -> str:
    return "; ".join(result.warnings) or f"{result.pending} event(s) after the head"


def _tip(log: int, result: VerifyResult) -> Tip:
    """The verified part of the log as an append continues from it."""
    end = result.good_bytes
    if end == 0:
        return Tip(0, GENESIS, 0, b"", False)
    last = next(reverse_lines(log, end))
    return Tip(
        result.tip.count, result.tip.last, end, stamp_of(last), is_signed(last, prev_at(last))
    )


def _record(  # noqa: PLR0917 (the locked files, the finding and the event)
    store: Store,
    log: int,
    head: int,
    result: VerifyResult,
    make: MakeLine,
    data: dict[str, Any],
    reset: bool = False,
) -> Event:
    """Append and commit the repair event after the verified part of the log."""
    tip = _tip(log, result)
    line = make(tip, data)
    store.write_now(log, head, tip, line, reset)
    return flatten(json.loads(line))


def _torn(store: Store, log: int, head: int, result: VerifyResult, make: MakeLine) -> Event:
    """Cut the incomplete last line (its length and hash are recorded)."""
    size = os.fstat(log).st_size
    cut = os.pread(log, size - result.good_bytes, result.good_bytes)
    os.ftruncate(log, result.good_bytes)
    os.fdatasync(log)
    data = {
        "action": "torn",
        "line": result.line,
        "cut_bytes": len(cut),
        "cut_sha256": hashlib.sha256(cut).hexdigest(),
    }
    return _record(store, log, head, result, make, data)


def _cut(store: Store, log: int, head: int, result: VerifyResult, make: MakeLine) -> Event:
    """Move the lines from the first bad one on aside, lower the head, continue from there."""
    size = os.fstat(log).st_size
    cut = os.pread(log, size - result.good_bytes, result.good_bytes)
    kept = _keep_aside(store.path, cut)
    tip = _tip(log, result)
    store.reset_head(head, store.record_for(tip))
    os.ftruncate(log, result.good_bytes)
    os.fdatasync(log)
    data = {
        "action": "cut",
        "line": result.line,
        "cut_lines": cut.count(b"\n") + (not cut.endswith(b"\n") and bool(cut)),
        "cut_bytes": len(cut),
        "cut_sha256": hashlib.sha256(cut).hexdigest(),
        "kept_in": kept.name,
        "why": str(result),
    }
    return _record(store, log, head, result, make, data)


def _keep_aside(path: Path, data: bytes) -> Path:
    """Write the cut lines to ``<log>.cut-<UTC time>`` beside the log, flushed."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.cut-{stamp}")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return target
