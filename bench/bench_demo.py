"""The demo on a warm machine, step by step: where the time goes, measured in one run.

    python bench/bench_demo.py [--runs 2]

Runs the README's main job (`invoke demo`, the built-in lab) ``--runs`` times in a row. The
first run makes the machine warm (images built, lab up, backups taken); the later ones are what
an officer waits for on a machine where the demo already ran. Prints, for the last run, each
step's seconds and share, the total against the 180 s aim, and the fixed cost of starting one
`invoke` process (measured with `invoke --list`, in the same run) times the number of steps.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIM = 180.0
ROW = re.compile(r"^│ (?P<step>.+?)\s+│ (?P<result>ok|failed|not run)\s+│\s+(?P<secs>[\d.]*) │$")


def demo() -> tuple[float, list[tuple[str, str, float]], int]:
    """One `invoke demo`: wall seconds, the table's rows, exit code."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "demo"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "COLUMNS": "160"},
    )  # fmt: skip
    wall = time.monotonic() - started
    rows = []
    for line in proc.stdout.splitlines():
        if m := ROW.match(line.strip()):
            rows.append((m["step"].strip(), m["result"], float(m["secs"] or 0)))
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
    return wall, rows, proc.returncode


def startup() -> float:
    """Seconds to start one `invoke` process that loads every task module and does nothing."""
    best = float("inf")
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        best = min(best, time.monotonic() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    walls = []
    rows: list[tuple[str, str, float]] = []
    for n in range(args.runs):
        wall, rows, code = demo()
        walls.append(wall)
        print(f"run {n + 1}: {wall:6.1f} s (exit {code})")
        if code:
            return code
    one = startup()
    total = sum(secs for _, _, secs in rows)
    print(f"\nlast run, {len(rows)} steps:")
    for step, result, secs in sorted(rows, key=lambda r: -r[2]):
        print(f"  {secs:7.1f} s {secs / total:6.1%}  {result:7}  {step}")
    print(f"\nwall {walls[-1]:.1f} s; aim {AIM:.0f} s: {walls[-1] / AIM:.2f}x the aim")
    print(f"starting invoke: {one:.2f} s a step, {one * len(rows):.1f} s of {total:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
