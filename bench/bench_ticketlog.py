"""Ticket log speed, before and after, in one run: appends (one and many writers) and verify.

    python bench/bench_ticketlog.py [--events 1000000] [--writers 8] [--appends 250]
                                    [--single 400] [--dir DIR] [--before REF]

"Before" is the ticket log of git revision REF (default: the last revision before group commit
and signing), unpacked into a temporary folder; "after" is this checkout. Every workload runs in
a fresh process of its own, for both, one after the other on the same disk, so the ratios
compare like with like on whatever else the machine is doing.

* append, 1 writer: open, note, change and close tickets in one process (each append locked,
  on disk before it returns).
* append, N writers: N processes append notes at once (exactly N x appends events in the end).
* verify: a log of --events events is written in one stream (fsyncing a million appends
  would measure the disk, not the code), then verified as ``invoke ticket.verify`` does. The
  floor is SHA-256 of every line alone, the least any verifier of the chain pays, timed the
  same way (least CPU time of --runs fresh processes); CPU time is the figure to read (wall
  time on a busy machine measures the other processes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "1ab6873"
"""The last revision before group commit and signing."""
KEY = b"bench-only ticket log key 0123456789"
START = datetime(2024, 1, 1, tzinfo=UTC)
"""A million events 30 s apart end in December 2024, before any clock this runs on."""
GENESIS = hashlib.sha256(b"dzict ticket log v1").hexdigest()


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


def encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode("ascii")


def build(path: Path, count: int, key: bytes | None) -> float:
    """Write `count` chained events (signed with `key`) and an old-style head; seconds taken.

    The head is the one-line form both versions read; the first append after rewrites it.
    """
    import hmac

    started = time.perf_counter()
    prev, chunk = GENESIS, []
    with path.open("wb") as fh:
        for seq, (event, ticket, data) in enumerate(records(count), start=1):
            when = START + timedelta(seconds=seq * 30)
            record = {
                "data": data,
                "event": event,
                "prev": prev,
                "seq": seq,
                "ticket": ticket,
                "ts": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            line = encode(record)
            if key is not None:
                line = encode({**record, "mac": hmac.digest(key, line, "sha256").hex()})
            prev = hashlib.sha256(line).hexdigest()
            chunk.append(line)
            if len(chunk) == 10_000:
                fh.write(b"\n".join(chunk) + b"\n")
                chunk = []
        if chunk:
            fh.write(b"\n".join(chunk) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())  # the first append after must not pay for flushing the build
    if key is None:  # the one-line head both versions read
        head = {"count": count, "last": prev, "ts": "2026-01-01T00:00:00.000000Z"}
        path.with_name(path.name + ".head").write_bytes(encode(head) + b"\n")
    else:
        signed_head(path, count, prev, key)
    return time.perf_counter() - started


def signed_head(path: Path, count: int, last: str, key: bytes) -> None:
    """The head of a signed log (only the new version reads signed logs)."""
    from dzict.ticketlog.headfile import HeadView
    from dzict.ticketlog.signing import Signer
    from dzict.ticketlog.store import Store, Tip

    store = Store(path, Signer(key))
    fd = os.open(store.head_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        store.write_head(
            fd, HeadView(None), store.record_for(Tip(count, last, path.stat().st_size, b"", False))
        )
    finally:
        os.close(fd)


def hash_only(path: Path) -> float:
    """CPU seconds to SHA-256 every line once: the floor."""
    started = time.process_time()
    sha = hashlib.sha256
    rest = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                sha(line).hexdigest()
    return time.process_time() - started


# -- workers: run in a process of their own, with either version of dzict on sys.path ---------


def _log(path: str, keyed: bool) -> Any:
    from dzict.ticketlog import TicketLog

    return TicketLog(path, code="PNK", key=KEY) if keyed else TicketLog(path, code="PNK")


def counting_flushes() -> Any:
    """Count fsync and fdatasync calls of this process and its children (a shared counter)."""
    flushes = multiprocessing.get_context("fork").Value("i", 0)
    for name in ("fsync", "fdatasync"):
        real = getattr(os, name)

        def counted(fd: int, real: Any = real) -> None:
            with flushes.get_lock():
                flushes.value += 1
            real(fd)

        setattr(os, name, counted)
    return flushes


def work_single(path: str, appends: int, keyed: bool) -> dict[str, float]:
    flushes = counting_flushes()
    log = _log(path, keyed)
    started = time.perf_counter()
    done = 0
    while done < appends:
        tid = log.open("Lobesa Gewog", "lan", "phone", "normal", "switch port dead", "pema")
        log.note(tid, "port 12 patched", "pema")
        log.change(tid, "lan.apply", ["sw-lobesa"], "changed", diff="+port 12 up\n")
        log.close(tid, "port works", "pema")
        done += 4
    return {"rate": done / (time.perf_counter() - started), "flushes": flushes.value / done}


def _writer(path: str, number: int, appends: int, keyed: bool) -> None:
    """Tickets of ten events (open, eight notes, close), the last one cut short."""
    log = _log(path, keyed)
    who = f"w{number}"
    done = 0
    while done < appends:
        tid = log.open("Wangdue Hospital", "lan", "walk-in", "normal", who, who)
        done += 1
        for k in range(min(8, appends - done - 1)):
            log.note(tid, f"writer {number} note {k}", who)
            done += 1
        if done < appends:
            log.close(tid, "done", who)
            done += 1


def work_writers(path: str, writers: int, appends: int, keyed: bool) -> dict[str, float]:
    flushes = counting_flushes()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, n, appends, keyed)) for n in range(writers)]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    took = time.perf_counter() - started
    if any(proc.exitcode for proc in procs):
        raise SystemExit("a writer failed")
    result = _log(path, keyed).verify()
    if not result.ok or result.events != writers * appends:
        raise SystemExit(f"after the writers: {result}")
    return {"rate": writers * appends / took, "flushes": flushes.value / (writers * appends)}


def work_verify(path: str, keyed: bool) -> dict[str, float]:
    log = _log(path, keyed)
    cpu, wall = time.process_time(), time.perf_counter()
    result = log.verify()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if result.events == 0 or result.status not in {"ok", "unsigned"}:
        raise SystemExit(f"verify: {result}")
    return {"cpu": cpu, "wall": wall}


def work_floor(path: str, keyed: bool) -> dict[str, float]:
    """The floor in a fresh process, like verify: SHA-256 of every line alone."""
    del keyed
    return {"cpu": hash_only(Path(path))}


def flush_latency(folder: Path, samples: int = 40) -> float:
    """Median milliseconds of one 300-byte append and fdatasync on this disk, now."""
    path = folder / "probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    times = []
    try:
        for _ in range(samples):
            started = time.perf_counter()
            os.write(fd, b"x" * 300 + b"\n")
            os.fdatasync(fd)
            times.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return sorted(times)[samples // 2] * 1000


WORKERS: dict[str, Callable[..., dict[str, float]]] = {
    "single": work_single,
    "writers": work_writers,
    "verify": work_verify,
    "floor": work_floor,
}


def run(version: Path, kind: str, *args: object) -> dict[str, float]:
    """Run one worker in a fresh process with `version` first on sys.path."""
    env = {**os.environ, "PYTHONPATH": str(version)}
    argv = [sys.executable, __file__, "--worker", kind, *map(str, args)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} ({version}) failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def unpack_before(ref: str, into: Path) -> Path:
    """The ticket log of git revision `ref` as an importable ``dzict`` package under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "dzict/ticketlog", "dzict/exceptions.py"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into)  # our own repository's archive
    (into / "dzict" / "__init__.py").write_text("")
    return into


# -- the run ------------------------------------------------------------------------------------


def row(name: str, before: float | None, after: float, unit: str, better: str) -> None:
    """One line: before, after and the ratio that says how much better after is."""
    if before is None:
        print(f"{name:<34} {'-':>12} {after:>10.2f} {unit:<8}")
        return
    ratio = after / before if better == "higher" else before / after
    print(f"{name:<34} {before:>12.2f} {after:>10.2f} {unit:<8} {ratio:>6.1f}x better")


def appends(args: argparse.Namespace, folder: Path, before: Path) -> None:
    print(f"flush (append 300 B + fdatasync) on this disk now: {flush_latency(folder):.1f} ms")
    print(f"{'':<34} {'before':>12} {'after':>10}")
    old = run(before, "single", folder / "b1.jsonl", args.single, 0)
    new = run(ROOT, "single", folder / "a1.jsonl", args.single, 1)
    plain = run(ROOT, "single", folder / "p1.jsonl", args.single, 0)
    row("append, 1 writer (signed after)", old["rate"], new["rate"], "ev/s", "higher")
    writers, each = args.writers, args.appends
    old_n = run(before, "writers", folder / "bn.jsonl", writers, each, 0)
    new_n = run(ROOT, "writers", folder / "an.jsonl", writers, each, 1)
    plain_n = run(ROOT, "writers", folder / "pn.jsonl", writers, each, 0)
    row(f"append, {writers} writers (signed after)", old_n["rate"], new_n["rate"], "ev/s", "higher")
    print(
        f"{'  after, unsigned (1; N writers)':<34} {'':>12} {plain['rate']:>10.2f}; "
        f"{plain_n['rate']:.2f} ev/s"
    )
    before_flushes = f"{old['flushes']:.2f}; {old_n['flushes']:.2f}"
    print(
        f"{'  flushes per append (1; N writers)':<34} {before_flushes:>12} "
        f"{new['flushes']:>5.2f}; {new_n['flushes']:.2f}"
    )
    print(f"flush on this disk after the runs: {flush_latency(folder):.1f} ms")


def best(runs: int, measure: Any) -> dict[str, float]:
    """The least CPU (and wall) time of `runs` measurements: the least disturbed one."""
    results = [measure() for _ in range(runs)]
    return {key: min(r[key] for r in results) for key in results[0]}


def verifies(args: argparse.Namespace, folder: Path, before: Path) -> None:
    plain, signed = folder / "plain.jsonl", folder / "signed.jsonl"
    built = build(plain, args.events, None) + build(signed, args.events, KEY)
    mib = plain.stat().st_size / 2**20
    print(f"\nverify: {args.events:,} events ({mib:,.0f} MiB unsigned), built in {built:.0f} s;")
    print(f"each figure the least CPU time of {args.runs} runs, each run a fresh process")
    floor = {
        p: best(args.runs, lambda p=p: run(ROOT, "floor", p, 0))["cpu"] for p in (plain, signed)
    }
    old = best(args.runs, lambda: run(before, "verify", plain, 0))
    new = best(args.runs, lambda: run(ROOT, "verify", plain, 0))
    new_signed = best(args.runs, lambda: run(ROOT, "verify", signed, 1))
    print(f"{'':<34} {'before':>12} {'after':>10}")
    row("verify CPU s, unsigned log", old["cpu"], new["cpu"], "s", "lower")
    print(
        f"{'verify / floor (CPU), unsigned':<34} {old['cpu'] / floor[plain]:>12.2f} "
        f"{new['cpu'] / floor[plain]:>10.2f}  (floor {floor[plain]:.2f} s)"
    )
    print(
        f"{'verify / floor (CPU), signed':<34} {'-':>12} "
        f"{new_signed['cpu'] / floor[signed]:>10.2f}  "
        f"(floor {floor[signed]:.2f} s, verify {new_signed['cpu']:.2f} s)"
    )
    print(
        f"{'verify wall s (unsigned; signed)':<34} {old['wall']:>12.2f} {new['wall']:>10.2f}"
        f"; {new_signed['wall']:.2f}"
    )
    extras(signed)


def extras(path: Path) -> None:
    """Reading the newest events of a big signed log, and finding damage in it."""
    from dzict.ticketlog import TicketError, TicketLog

    log = TicketLog(path, code="PNK", key=KEY)
    events = log.verify().events
    for tid in (f"PNK-2026-{events // 4:04d}", "PNK-2026-0001"):
        started = time.perf_counter()
        with suppress(TicketError):  # every ticket of the big log is closed
            log.require_open(tid)
        print(f"require_open({tid}): {(time.perf_counter() - started) * 1000:.1f} ms")
    started = time.perf_counter()
    log.open("Punakha Hospital", "wifi", "phone", "high", "one more", "karma")
    print(f"open on the big log: {(time.perf_counter() - started) * 1000:.1f} ms")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    del data
    started = time.perf_counter()
    bad = log.verify()
    print(f"one flipped bit mid-log found in {time.perf_counter() - started:.2f} s: {bad}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--appends", type=int, default=250, help="appends per writer")
    parser.add_argument("--single", type=int, default=400, help="appends of the lone writer")
    parser.add_argument("--runs", type=int, default=3, help="verify runs (least CPU counts)")
    parser.add_argument("--dir", default=None, help="where to write the logs (default: temp)")
    parser.add_argument("--before", default=BEFORE, help=f"git revision (default {BEFORE})")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        values: list[Any] = [int(v) if v.isdigit() else v for v in rest]
        values[-1] = bool(values[-1])
        print(json.dumps(WORKERS[kind](*values)))
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        before = unpack_before(args.before, folder / "before")
        print(f"before: {args.before}; after: this checkout; logs in {folder}")
        appends(args, folder, before)
        verifies(args, folder, before)
        print(f"load: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
