"""Reading the log backwards from its end: the last line, the latest events of one kind.

Appends only need the newest events (the last line, the last ticket opened, the events of one
ticket), so these read blocks from the end and search them with ``bytes.rfind`` instead of
parsing every line. A torn tail (bytes after the last newline) is skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dzict.ticketlog.exceptions import TicketLogTampered

BLOCK = 1 << 20
FIRST = 1 << 16


def complete_end(fd: int, end: int, block: int = BLOCK) -> int:
    """The offset just after the last newline before `end` (0 when there is none)."""
    if end > 0 and os.pread(fd, 1, end - 1) == b"\n":
        return end
    pos = end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        newline = os.pread(fd, step, pos).rfind(b"\n")
        if newline >= 0:
            return pos + newline + 1
    return 0


def reverse_chunks(fd: int, end: int, block: int = BLOCK) -> Iterator[bytes]:
    """Runs of complete lines (each ending in a newline) before offset `end`, last run first.

    The first read is small (the newest events are what appends look for), later ones grow.
    """
    pos, carry = complete_end(fd, end, block), b""
    size = min(block, FIRST)
    while pos > 0:
        step = min(size, pos)
        size = min(size * 4, block)
        pos -= step
        data = os.pread(fd, step, pos) + carry
        first = 0 if pos == 0 else data.find(b"\n") + 1
        if first == 0 and pos > 0:
            carry = data  # still inside one line
            continue
        carry, body = data[:first], data[first:]
        if body:
            yield body


def reverse_lines(fd: int, end: int, block: int = 1 << 12) -> Iterator[bytes]:
    """Complete lines before `end`, without their newline, last first."""
    for chunk in reverse_chunks(fd, end, block):
        yield from reversed(chunk.split(b"\n")[:-1])


def reverse_matches(fd: int, end: int, needle: bytes) -> Iterator[bytes]:
    """Complete lines holding `needle`, last first."""
    for chunk in reverse_chunks(fd, end):
        hit = chunk.rfind(needle)
        while hit >= 0:
            start = chunk.rfind(b"\n", 0, hit) + 1
            yield chunk[start : chunk.index(b"\n", hit)]
            hit = chunk.rfind(needle, 0, start)


def load(line: bytes, path: Path) -> dict[str, Any]:
    """One stored record; a line that is not one means the log was damaged."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise TicketLogTampered(
            f"{path} holds a line that is not an event; run `invoke ticket.verify`"
        )
    return record
