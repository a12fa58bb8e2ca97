"""Lab figures, measured in one run: image build (or cache hit), `lab up` from cached images for
the default lab and for 12 offices, a second `up` (nothing to change), the lab's memory, `down`.

    python bench/bench_lab.py [--prefix dzlb] [--base 198.19.128.0/17] [--sites 3 12]

Uses its own lab prefix and address block, and removes every lab it made.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from dzict import lab as lablib
from dzict.inventory import load_inventory
from dzict.inventory.generate import LabSpec, generate
from support.lab import memory_bytes


def build_images() -> None:
    """Build what is missing; print each image's time (0 s when cached) and size."""
    for role in lablib.ROLES:
        started = time.monotonic()
        ref = lablib.ensure_image(role, log=lambda _line: None)
        print(f"image {role:7} {time.monotonic() - started:7.1f} s  {ref}")
    sizes = lablib.image_sizes()
    for role, size in sizes.items():
        print(f"size  {role:7} {size / 1e6:7.0f} MB")
    print(f"size  total   {sum(sizes.values()) / 1e6:7.0f} MB (before sharing layers)")


def one_lab(sites: int, prefix: str, base: str) -> None:
    """Up, up again, memory, down for a lab of ``sites`` offices."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
        inv = load_inventory(generate(Path(tmp) / "inv", LabSpec(sites, prefix, base)))
        _, state_dir = lablib.lab_settings(inv)
        lablib.down(prefix, state_dir)
        try:
            first = lablib.up(inv)
            second = lablib.up(inv)
            time.sleep(5)  # let every container settle before reading memory
            memory = memory_bytes(prefix)
            started = time.monotonic()
        finally:
            removed = lablib.down(prefix, state_dir)
        down_s = time.monotonic() - started
        hosts = len(inv.hosts)
        total = sum(memory.values())
        print(
            f"lab {sites:2} offices {hosts:3} hosts: up {first.seconds:6.1f} s"
            f" ({first.seconds / hosts:4.2f} s/host), up again {second.seconds:5.1f} s"
            f" (changed: {second.changed}), memory {total / 2**20:6.0f} MiB"
            f" ({total / hosts / 2**20:4.0f} MiB/host), down {down_s:4.1f} s"
            f" ({len(removed)} objects)"
        )


def main() -> None:
    """Parse the arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="dzlb")
    parser.add_argument("--base", default="198.19.128.0/17")
    parser.add_argument("--sites", type=int, nargs="+", default=[3, 12])
    args = parser.parse_args()
    build_images()
    for sites in args.sites:
        one_lab(sites, args.prefix, args.base)


if __name__ == "__main__":
    main()
