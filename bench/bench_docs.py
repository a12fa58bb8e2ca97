"""Benchmark of the network documentation: render time and peak memory by network size.

Synthetic Dzongkhags (``dzict.docs.synthetic``: HQ with a router, four servers and PCs; offices
with a router, an access point and PCs; a star of WAN links plus a backup link per office pair)
and the discovery a healthy network of them returns. Each size runs in its own process, so
its peak memory is its own. Rendering = topology, diff, maps (SVG, PNG, draw.io), pages
(Markdown, HTML) and the asset register of every Dzongkhag, written to a temporary folder.

    python bench/bench_docs.py                 # 20 Dzongkhags: ~200, ~1,000, ~2,000 devices
    python bench/bench_docs.py --sizes 2,11,24,48 --dzongkhags 20

Goal: under 10 s and 500 MB at 2,000 devices, and near-linear growth.
"""

from __future__ import annotations

import argparse
import json
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PCS = 2


def _codes(count: int) -> list[str]:
    letters = string.ascii_uppercase
    return [f"D{letters[n // 26]}{letters[n % 26]}" for n in range(count)]


def _cpu() -> float:
    """CPU seconds of this process and its finished children (dot)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_one(dzongkhags: int, offices: int, workers: int) -> dict[str, float]:
    """Generate, then render every Dzongkhag; returns the figures (in this process)."""
    from dzict.docs.build import build, write
    from dzict.docs.synthetic import healthy_discovery, synthetic_inventory

    start = time.perf_counter()
    networks = []
    for code in _codes(dzongkhags):
        inventory = synthetic_inventory(code, offices, pcs=PCS)
        networks.append((inventory, healthy_discovery(inventory)))
    generated = time.perf_counter() - start
    devices = sum(len(inv.hosts) for inv, _ in networks)
    links = sum(len(inv.links) for inv, _ in networks)
    start = time.perf_counter()
    cpu_start = _cpu()
    files = 0
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        for inventory, discovery in networks:
            _, rendered = build(inventory, discovery, workers=workers)
            write(Path(tmp) / inventory.dzongkhag.code, rendered)
            files += len(rendered)
    render = time.perf_counter() - start
    cpu = _cpu() - cpu_start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dot = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "devices": devices,
        "links": links,
        "files": files,
        "generate_s": generated,
        "render_s": render,
        "cpu_s": cpu,
        "python_mb": own,
        "dot_mb": dot,
    }


def main() -> None:
    """Run each size in a child process and print a table with the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dzongkhags", type=int, default=20)
    parser.add_argument(
        "--sizes",
        default="1,11,24",
        help="offices per Dzongkhag, comma separated (default 1,11,24)",
    )
    parser.add_argument("--workers", type=int, default=2, help="dot processes at a time")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.dzongkhags, args.one, args.workers)))
        return
    print(
        f"{'devices':>8} {'links':>6} {'files':>6} {'render s':>9} {'s/1k dev':>9}"
        f" {'CPU s':>7} {'python MB':>10} {'dot MB':>7} {'peak MB*':>9}"
    )
    first: dict[str, float] | None = None
    for offices in (int(v) for v in args.sizes.split(",")):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(offices),
                "--dzongkhags",
                str(args.dzongkhags),
                "--workers",
                str(args.workers),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        first = first or row
        peak = row["python_mb"] + args.workers * row["dot_mb"]
        print(
            f"{row['devices']:>8.0f} {row['links']:>6.0f} {row['files']:>6.0f}"
            f" {row['render_s']:>9.2f} {1000 * row['render_s'] / row['devices']:>9.2f}"
            f" {row['cpu_s']:>7.2f} {row['python_mb']:>10.0f} {row['dot_mb']:>7.0f} {peak:>9.0f}"
        )
        if row is not first:
            growth = row["devices"] / first["devices"]
            print(
                f"{'':>8} {growth:.1f}x the devices took {row['render_s'] / first['render_s']:.1f}x"
                " the time"
            )
    print(
        "* peak MB: the Python process plus one dot process per worker at its largest"
        " (an upper bound)"
    )


if __name__ == "__main__":
    main()
