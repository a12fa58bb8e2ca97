"""Benchmark of ``wan.plan``: every router planned by Nornir's threaded runner vs one worker.

A plan per router is: open SSH, fetch the running config, upload the candidate and check it
(``vtysh -C``), diff it with ``frr-reload.py --test``, discard. Each measurement starts from a
fresh Nornir (connections opened inside the measurement, as in an officer's ``invoke
wan.plan``; loading the inventory is left out).

    python bench/bench_wan.py --inventory /var/tmp/dzw-inv        # a lab that is up
    python bench/bench_wan.py --lab 3 --lab 12                     # bring labs up (prefix dzw)

Prints, per lab: routers, seconds threaded (``--workers``, default 20) and with one worker, and
the ratio, measured side by side in one run (best of ``--rounds``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dzict.inventory import Inventory, load_inventory  # noqa: E402
from dzict.wan.runner import WanJob  # noqa: E402

LAB_PREFIX = "dzw"
LAB_BASE = "198.18.64.0/19"


def plan_seconds(inventory: Inventory, workers: int) -> float:
    """Seconds for one wan.plan of every router with ``workers`` threads (connections included,
    loading the Nornir inventory not)."""
    job = WanJob(inventory, workers=workers)
    start = time.perf_counter()
    try:
        planned = job.plan(job.intents)
        elapsed = time.perf_counter() - start
    finally:
        job.close()
    routers = planned.routers
    failed = [name for name, plan in routers.items() if plan.status == "error"]
    if failed:
        raise SystemExit(f"plan failed on {', '.join(failed)}: {routers[failed[0]].problems}")
    return elapsed


def measure(inventory: Inventory, workers: int, rounds: int) -> tuple[int, float, float]:
    """(routers, best threaded seconds, best one-worker seconds)."""
    threaded = min(plan_seconds(inventory, workers) for _ in range(rounds))
    serial = min(plan_seconds(inventory, 1) for _ in range(rounds))
    return len(inventory.by_role("router")), threaded, serial


def lab_inventory(offices: int, folder: Path) -> Path:
    """Generate a lab inventory with ``offices`` offices and bring it up."""
    from dzict import lab
    from dzict.inventory.generate import LabSpec, generate

    root = generate(folder / f"lab{offices}", LabSpec(offices, LAB_PREFIX, LAB_BASE))
    lab.up(load_inventory(root), log=print)
    return root


def lab_down(root: Path) -> None:
    """Take a lab brought up by this benchmark down again."""
    from dzict import lab

    inventory = load_inventory(root)
    prefix, state_dir = lab.lab_settings(inventory)
    lab.down(prefix, state_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", action="append", default=[], help="a lab that is up")
    parser.add_argument("--lab", action="append", type=int, default=[], help="offices of a lab")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not args.inventory and not args.lab:
        args.lab = [3, 12]
    rows = []
    for folder in args.inventory:
        inventory = load_inventory(Path(folder))
        rows.append((folder, *measure(inventory, args.workers, args.rounds)))
    with tempfile.TemporaryDirectory(prefix="bench-wan-") as tmp:
        for offices in args.lab:
            root = lab_inventory(offices, Path(tmp))
            try:
                inventory = load_inventory(root)
                rows.append((f"lab, {offices} offices", *measure(inventory, args.workers, 2)))
            finally:
                lab_down(root)
    print(f"wan.plan, every router: {args.workers} workers vs 1 (best of {args.rounds})")
    print(f"{'lab':<28} {'routers':>7} {'threaded s':>10} {'1 worker s':>10} {'ratio':>6}")
    for name, routers, threaded, serial in rows:
        print(
            f"{name:<28} {routers:>7} {threaded:>10.1f} {serial:>10.1f} {serial / threaded:>6.1f}"
        )


if __name__ == "__main__":
    main()
