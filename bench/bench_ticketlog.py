"""Ticket log speed: append rate (locked, fsynced) and verify time for 1,000,000 events.

    python bench/bench_ticketlog.py [--events 1000000] [--appends 2000] [--dir /tmp]

The big log is written in one stream with the same canonical encoding and chain as
TicketLog's appends (fsyncing a million appends would take hours and measure the disk, not the
code), then verified by TicketLog.verify exactly as ``invoke ticket.verify`` does. Pure SHA-256
over the same lines is timed alongside as the floor any verifier has to pay. CPU time is
printed beside wall time: on a busy machine the wall time mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dzict.exceptions import TicketError
from dzict.ticketlog import GENESIS, TicketLog
from dzict.ticketlog.chain import Head, encode, head_path, line_hash, utc_stamp, write_head

START = datetime(2026, 1, 1, tzinfo=UTC)


def records(count: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """A realistic mix: every ticket opened, noted, changed and closed (event, ticket, data)."""
    for n in range(count):
        number, step = divmod(n, 4)
        tid = f"PNK-2026-{number + 1:04d}"
        if step == 0:
            yield (
                "opened",
                tid,
                {
                    "agency": "Punakha Hospital",
                    "category": "wifi",
                    "channel": "online-form",
                    "priority": "normal",
                    "summary": f"AP {number % 40} drops clients",
                    "officer": "karma",
                },
            )
        elif step == 1:
            yield "note", tid, {"officer": "karma", "text": "called the ward, AP restarted"}
        elif step == 2:
            yield (
                "change",
                tid,
                {
                    "task": "ap.apply",
                    "targets": [f"ap-hq-{number % 40}"],
                    "result": "changed",
                    "officer": "karma",
                    "diff": "-channel=1\n+channel=6\n",
                    "before": "a" * 64,
                    "after": "b" * 64,
                    "details": {"notes": []},
                },
            )
        else:
            yield "closed", tid, {"officer": "karma", "resolution": "channel moved"}


def build(path: Path, count: int) -> float:
    """Write `count` chained events and the head; seconds taken."""
    started = time.perf_counter()
    prev, chunk = GENESIS, []
    with path.open("wb") as fh:
        for seq, (event, ticket, data) in enumerate(records(count), start=1):
            when = START + timedelta(seconds=seq * 30)
            line = encode(
                {
                    "data": data,
                    "event": event,
                    "prev": prev,
                    "seq": seq,
                    "ticket": ticket,
                    "ts": utc_stamp(when),
                }
            )
            prev = line_hash(line)
            chunk.append(line)
            if len(chunk) == 10_000:
                fh.write(b"\n".join(chunk) + b"\n")
                chunk = []
        if chunk:
            fh.write(b"\n".join(chunk) + b"\n")
    write_head(head_path(path), Head(count, prev), datetime.now(UTC))
    return time.perf_counter() - started


def append_rate(folder: Path, appends: int) -> float:
    """Events per second through TicketLog (flock, fsync of the log, atomic head update)."""
    log = TicketLog(folder / "appends.jsonl", code="PNK")
    started = time.perf_counter()
    done = 0
    while done < appends:
        tid = log.open("Lobesa Gewog", "lan", "phone", "normal", "switch port dead", "pema")
        log.note(tid, "port 12 patched", "pema")
        log.change(tid, "lan.apply", ["sw-lobesa"], "changed", diff="+port 12 up\n")
        log.close(tid, "port works", "pema")
        done += 4
    return done / (time.perf_counter() - started)


def hash_only(path: Path) -> float:
    started = time.perf_counter()
    sha = hashlib.sha256
    rest = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                sha(line).hexdigest()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--dir", default=None, help="where to write the logs (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        rate = append_rate(folder, args.appends)
        print(f"append:  {rate:,.0f} events/s over {args.appends:,} appends (flock + fsync + head)")

        path = folder / "ticket-log.jsonl"
        built = build(path, args.events)
        size = path.stat().st_size
        print(f"build:   {args.events:,} events, {size / 2**20:,.0f} MiB in {built:.1f} s")

        floor_cpu = time.process_time()
        floor = hash_only(path)
        floor_cpu = time.process_time() - floor_cpu
        cpu = time.process_time()
        started = time.perf_counter()
        result = TicketLog(path).verify()
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu
        print(
            f"verify:  {took:.2f} s wall, {cpu:.2f} s CPU for {result.events:,} events -> "
            f"{result.status} ({size / 2**20 / took:,.0f} MiB/s wall)"
        )
        print(
            f"floor:   SHA-256 of every line alone {floor:.2f} s wall, {floor_cpu:.2f} s CPU; "
            f"verify / floor = {took / floor:.2f} wall, {cpu / floor_cpu:.2f} CPU"
        )
        print(f"load:    {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

        log = TicketLog(path, code="PNK")
        newest, oldest = f"PNK-2026-{args.events // 4:04d}", "PNK-2026-0001"
        for tid in (newest, oldest):
            started = time.perf_counter()
            try:
                log.require_open(tid)
                outcome = "open"
            except TicketError as exc:  # every ticket of the big log is closed: refused
                outcome = str(exc).split(" (")[0]
            took_ms = (time.perf_counter() - started) * 1000
            print(f"state:   require_open({tid}) in {took_ms:.1f} ms: {outcome}")
        started = time.perf_counter()
        tid = log.open("Punakha Hospital", "wifi", "phone", "high", "one more", "karma")
        print(
            f"open:    next id {tid} on the big log in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )
        damaged = path.read_bytes()
        middle = len(damaged) // 2
        path.write_bytes(damaged[:middle] + bytes([damaged[middle] ^ 1]) + damaged[middle + 1 :])
        del damaged
        started = time.perf_counter()
        bad = TicketLog(path).verify()
        print(
            f"tamper:  one flipped bit mid-log found in {time.perf_counter() - started:.2f} s: "
            f"{bad}"
        )


if __name__ == "__main__":
    main()
