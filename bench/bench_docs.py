"""Benchmark of the network documentation: a whole country from cached discovery.

Synthetic Dzongkhags (``tests/support/synthetic.py``: HQ with a router, four servers and PCs;
offices with a router, an access point and PCs; a star of WAN links plus a backup link per
office pair) and the discovery a healthy network of them returns, saved as each Dzongkhag's
``discovery.json`` before the clock starts. Timed: reading the cached discovery and writing the
national documentation (every Dzongkhag's maps, pages and register, and the overview of the
Dzongkhags) into a temporary folder. Each size runs in its own process, so its peak memory is
its own.

    python bench/bench_docs.py                          # 500, 2,000, 5,000, 10,000 devices
    python bench/bench_docs.py --devices 2000 --baseline main

``--baseline REV`` runs the same sizes with the code of another git revision too (extracted
with ``git archive``), one after the other in the same run, so both see the same machine.
A revision without ``dzict.docs.national`` documents the Dzongkhags one by one.

Goal: 10,000 devices in under 20 s and 1 GB, 2,000 in under 4 s, cost linear in devices.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import multiprocessing
import os
import resource
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PCS = 2
HQ_DEVICES = 5 + PCS  # router, four servers, PCs
OFFICE_DEVICES = 2 + PCS  # router, access point, PCs


def _codes(count: int) -> list[str]:
    letters = string.ascii_uppercase
    return [f"D{letters[n // 26]}{letters[n % 26]}" for n in range(count)]


def offices_for(devices: int, dzongkhags: int) -> int:
    """Offices per Dzongkhag for about ``devices`` devices in the country."""
    return max(1, math.ceil((devices / dzongkhags - HQ_DEVICES) / OFFICE_DEVICES))


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (dot)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _synthetic() -> Any:
    sys.path.insert(0, str(ROOT / "tests"))
    from support import synthetic

    return synthetic


def _save_discoveries(out: Path, dzongkhags: int, offices: int) -> None:
    """Cache each Dzongkhag's discovery in ``out/CODE/discovery.json``."""
    synthetic = _synthetic()
    for code in _codes(dzongkhags):
        inventory = synthetic.synthetic_inventory(code, offices, pcs=PCS)
        synthetic.healthy_discovery(inventory).save(out / code.lower() / "discovery.json")


def _prepare(out: Path, dzongkhags: int, offices: int) -> list[Any]:
    """The inventories, each Dzongkhag's discovery cached (written by another process, so
    that making it does not count in this one's memory)."""
    writer = multiprocessing.get_context("fork").Process(
        target=_save_discoveries, args=(out, dzongkhags, offices)
    )
    writer.start()
    writer.join()
    synthetic = _synthetic()
    return [synthetic.synthetic_inventory(c, offices, pcs=PCS) for c in _codes(dzongkhags)]


def _national(out: Path, inventories: list[Any], workers: int) -> tuple[int, dict[str, float]]:
    from dzict.docs.build import DISCOVERY_FILE, Phases
    from dzict.docs.discovery import Discovery
    from dzict.docs.national import Member, render_country, write_country

    phases = Phases()
    members = [
        Member(inv, partial(Discovery.load, out / inv.dzongkhag.code.lower() / DISCOVERY_FILE))
        for inv in inventories
    ]
    written = write_country(out, render_country(members, workers=workers, phases=phases))
    return len(written), {k: (v, phases.cpu[k]) for k, v in phases.seconds.items()}


def _one_by_one(out: Path, inventories: list[Any], workers: int) -> tuple[int, dict[str, float]]:
    """What a revision without national documentation does: each Dzongkhag on its own."""
    from dzict.docs.build import build, write
    from dzict.docs.discovery import Discovery

    files = 0
    for inventory in inventories:
        folder = out / inventory.dzongkhag.code.lower()
        discovery = Discovery.load(folder / "discovery.json")
        _, rendered = build(inventory, discovery, workers=workers)
        files += len(write(folder, rendered))
    return files, {}


def _status_kb(pid: int | str, key: str) -> int:
    """A ``/proc/PID/status`` figure in kB (0 when the process is gone)."""
    try:
        for text in Path(f"/proc/{pid}/status").read_text().splitlines():
            if text.startswith(f"{key}:"):
                return int(text.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Memory(threading.Thread):
    """Samples the memory of this process and of its children (the dot processes) every
    20 ms; ``peak_mb`` is the largest sum seen. Python's own peak comes from VmHWM, reset when
    the clock starts, so that preparing the synthetic network is not counted."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.dot_kb = 0
        self.running = True
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM

    def children(self) -> list[str]:
        """The pids of this process's children, from every thread's ``children`` file."""
        pids: list[str] = []
        for task in Path("/proc/self/task").iterdir():
            try:
                pids += (task / "children").read_text().split()
            except OSError:
                continue
        return pids

    def run(self) -> None:
        """Sample until stopped."""
        while self.running:
            dot = sum(_status_kb(pid, "VmRSS") for pid in self.children())
            self.dot_kb = max(self.dot_kb, dot)
            self.peak_kb = max(self.peak_kb, _status_kb("self", "VmRSS") + dot)
            time.sleep(0.02)

    def stop(self) -> dict[str, float]:
        """Stop sampling; the peaks in MB."""
        self.running = False
        self.join()
        python = _status_kb("self", "VmHWM")
        return {
            "python_mb": python / 1024,
            "dot_mb": self.dot_kb / 1024,
            "peak_mb": max(self.peak_kb, python) / 1024,
        }


def run_one(dzongkhags: int, offices: int, workers: int) -> dict[str, Any]:
    """Prepare, then document the country; returns the figures (in this process)."""
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        out = Path(tmp)
        inventories = _prepare(out, dzongkhags, offices)
        national = importlib.util.find_spec("dzict.docs.national") is not None
        document = _national if national else _one_by_one
        gc.collect()
        start_mb = _status_kb("self", "VmRSS") / 1024
        memory = Memory()
        memory.start()
        cpu_start, kids_start = _cpu()
        start = time.perf_counter()
        files, phases = document(out, inventories, workers)
        wall = time.perf_counter() - start
        cpu, kids = _cpu()
        peaks = memory.stop()
    return {
        "devices": sum(len(inv.hosts) for inv in inventories),
        "links": sum(len(inv.links) for inv in inventories),
        "files": files,
        "wall_s": wall,
        "python_cpu_s": cpu - cpu_start,
        "dot_cpu_s": kids - kids_start,
        **peaks,
        "start_mb": start_mb,
        "phases": phases,
        "mode": "national" if national else "one by one",
    }


@contextmanager
def code_of(revision: str | None) -> Iterator[Path]:
    """The source tree of ``revision`` (``git archive`` into a temporary folder), or this one."""
    if revision is None:
        yield ROOT
        return
    with tempfile.TemporaryDirectory(prefix="bench-docs-rev-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "dzict", "templates"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)


def child(tree: Path, devices: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run one size in a fresh process with the ``dzict`` of ``tree`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, __file__, "--one", str(devices)]
    command += ["--dzongkhags", str(args.dzongkhags), "--workers", str(args.workers)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env, cwd=tree)
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


HEADER = (
    f"{'code':<10} {'devices':>8} {'links':>6} {'files':>6} {'wall s':>7} {'ms/dev':>7}"
    f" {'py CPU':>7} {'dot CPU':>8} {'py MB':>10} {'dot MB*':>7} {'peak MB*':>8}"
)


def line(label: str, row: dict[str, Any]) -> str:
    """One row of the table."""
    return (
        f"{label:<10} {row['devices']:>8.0f} {row['links']:>6.0f} {row['files']:>6.0f}"
        f" {row['wall_s']:>7.2f} {1000 * row['wall_s'] / row['devices']:>7.2f}"
        f" {row['python_cpu_s']:>7.2f} {row['dot_cpu_s']:>8.2f}"
        f" {row['start_mb']:>4.0f}->{row['python_mb']:<4.0f}"
        f" {row['dot_mb']:>7.0f} {row['peak_mb']:>8.0f}"
    )


def phase_line(row: dict[str, Any]) -> str:
    """Wall/CPU seconds per phase of the main process; dot draws meanwhile in other processes
    ("wait for dot" is the drawing not done by the time the pages are)."""
    phases = row["phases"]
    return "    phases (wall/CPU s): " + ", ".join(
        f"{k} {wall:.2f}/{cpu:.2f}" for k, (wall, cpu) in phases.items()
    )


def curve_line(curve: list[dict[str, Any]]) -> str:
    """Growth of wall and CPU time against the first size (1.0x: linear in devices)."""

    def cpu(row: dict[str, Any]) -> float:
        return float(row["python_cpu_s"] + row["dot_cpu_s"])

    first = curve[0]
    parts = [
        f"{r['devices'] / first['devices']:.1f}x devices: {r['wall_s'] / first['wall_s']:.1f}x"
        f" wall, {cpu(r) / cpu(first):.1f}x CPU"
        f" ({1000 * cpu(r) / r['devices']:.2f} CPU ms/device)"
        for r in curve
    ]
    return "curve (this tree): " + "; ".join(parts)


def main() -> None:
    """Run each size (and each revision) in a child process and print the table and curve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dzongkhags", type=int, default=20)
    parser.add_argument(
        "--devices", default="500,2000,5000,10000", help="devices in the country, comma separated"
    )
    parser.add_argument("--workers", type=int, default=2, help="dot processes at a time")
    parser.add_argument("--baseline", help="also run this git revision (before/after)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        offices = offices_for(args.one, args.dzongkhags)
        print(json.dumps(run_one(args.dzongkhags, offices, args.workers)))
        return
    print(f"{args.dzongkhags} Dzongkhags, {args.workers} dot workers, {os.cpu_count()} CPUs")
    print(HEADER)
    curve: list[dict[str, Any]] = []
    for devices in (int(v) for v in args.devices.split(",")):
        for revision in ([args.baseline] if args.baseline else []) + [None]:
            with code_of(revision) as tree:
                row = child(tree, devices, args)
            print(line(revision or "this tree", row), flush=True)
            if row["phases"]:
                print(phase_line(row), flush=True)
            if revision is None:
                curve.append(row)
    if len(curve) > 1:
        print(curve_line(curve))
    print(
        "py MB: Python's resident memory when the clock starts (the inventories) -> its peak;"
        " * sampled every 20 ms: dot MB = the dot processes running at once, peak MB = them"
        " plus Python"
    )


if __name__ == "__main__":
    main()
