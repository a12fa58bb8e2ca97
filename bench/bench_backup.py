"""Benchmark of the backups on a running lab: throughput of backup and restore, and the time of a
second, unchanged backup.

Needs a lab that is up with the backup set deployed (``invoke lab.up``, ``invoke backup.deploy
--ticket ID``). Lab only: the member's repository is emptied first, so that the first backup is
a cold one into an empty repository with an empty cache.

    python bench/bench_backup.py -i /var/tmp/dzb-inv            # the app server of that lab
    python bench/bench_backup.py -i inventory/lab --host dzlab-hq-files
    python bench/bench_backup.py -i /var/tmp/dzb-inv --extra-mb 64   # plus 64 MB of new files

Figures, all measured in this run on the member itself (the agent's own wall time, over SSH):

* seeded data: bytes read by the first backup (database dumps streamed, plus files);
* first backup: seconds and MB/s; second backup of unchanged data: seconds, and its ratio to the
  first; bytes it added;
* restore: the files folder into a scratch folder plus every dump streamed out, seconds, MB/s;
* the fixed cost of opening the repository (``restic snapshots --latest 1``), which dominates
  small data sets; the seeded data is small (about 1.5 MB), so ``--extra-mb`` adds that many MB
  of incompressible office-like files under /srv/files for the run (removed afterwards).

A run's time is the agent's: repository check, every dump, the files, then retention (forget and
prune); ``restic backup`` alone is shown too (restic's own durations).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AGENT = "/usr/local/sbin/dzict-backup"
MB = 1_000_000
EXTRA = "/srv/files/bench-extra"


def ssh_command(host: Any) -> list[str]:
    """ssh to a lab host as Ansible does: the inventory's key, user and known_hosts."""
    v = host.vars
    cmd = ["ssh", "-o", "BatchMode=yes", "-l", str(v.get("ansible_user", "root"))]
    if v.get("ansible_ssh_private_key_file"):
        cmd += ["-i", str(v["ansible_ssh_private_key_file"])]
    cmd += shlex.split(str(v.get("ansible_ssh_common_args", "")))
    return [*cmd, str(host.mgmt_address)]


def remote(host: Any, command: str) -> tuple[float, str]:
    """Run a command on a lab host; its wall time and stdout (raises on failure)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [*ssh_command(host), command], capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{host.name}: {command}: {proc.stderr.strip() or proc.stdout[-400:]}")
    return took, proc.stdout


def agent_seconds(host: Any, *args: str) -> tuple[float, dict[str, Any]]:
    """Run the agent; the seconds it took on the host (``time`` there, no SSH set-up)."""
    line = shlex.join([AGENT, *args])
    _, out = remote(host, f"s=$(date +%s.%N); {line} > /tmp/bench.json; e=$(date +%s.%N); "
                          f"echo $s $e; cat /tmp/bench.json")  # fmt: skip
    first, _, rest = out.partition("\n")
    start, end = (float(x) for x in first.split())
    return end - start, json.loads(rest) if rest.strip().startswith("{") else {}


def reset_repository(inventory: Any, member: Any) -> None:
    """Empty the member's repository and cache (lab only), then initialise it again."""
    from dzict.backup.control import ACCOUNT_PREFIX, backup_host

    server = backup_host(inventory)
    repo = f"/srv/backup/{ACCOUNT_PREFIX}{member.name}/repo"
    remote(server, f"find {repo} -mindepth 1 -delete")
    remote(member, "rm -rf /var/cache/dzict-backup")
    remote(member, f"{AGENT} restic -- init >/dev/null")


def add_extra(member: Any, megabytes: int) -> None:
    """Write ``megabytes`` of incompressible files (1 MB each) under /srv/files/bench-extra."""
    remote(member, f"mkdir -p {EXTRA} && for n in $(seq 1 {megabytes}); do "
                   f"head -c 1000000 /dev/urandom > {EXTRA}/scan-$n.pdf; done")  # fmt: skip


def restore_seconds(member: Any, report: dict[str, Any]) -> tuple[float, int]:
    """Restore the files into a scratch folder and stream every dump out; seconds and bytes."""
    took = 0.0
    size = 0
    target = "/var/tmp/dzict-bench-restore"
    remote(member, f"rm -rf {target}")
    for snap in report["snapshots"]:
        if snap["kind"] == "files":
            for path in snap["name"].split(","):
                t, out = agent_seconds(member, "restore-path", path, "--target", target)
                took += t
                size += int(out.get("bytes", 0))
        else:
            dump = f"/{snap['name']}.sql"
            t, out = remote(
                member,
                f"s=$(date +%s.%N); {AGENT} restic -- dump {snap['snapshot_id']} {dump} | wc -c;"
                " e=$(date +%s.%N); echo $s $e",
            )
            count, stamps = out.split("\n", 1)
            start, end = (float(x) for x in stamps.split())
            took += end - start
            size += int(count)
    remote(member, f"rm -rf {target}")
    return took, size


def main() -> None:
    """Measure and print."""
    from dzict.backup.policy import clients
    from dzict.inventory import load_inventory

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--inventory", default="inventory/lab")
    parser.add_argument("--host", help="backup client to measure (default: the app server)")
    parser.add_argument("--extra-mb", type=int, default=0, help="MB of new files to add")
    args = parser.parse_args()
    inventory = load_inventory(Path(args.inventory))
    if not inventory.dzongkhag.lab:
        raise SystemExit("lab only: this benchmark empties the member's repository")
    names = clients(inventory)
    name = args.host or next((n for n in names if n.endswith("-app")), names[0])
    member = inventory.hosts[name]

    reset_repository(inventory, member)
    if args.extra_mb:
        add_extra(member, args.extra_mb)
    try:
        measure(member, name)
    finally:
        if args.extra_mb:
            remote(member, f"rm -rf {EXTRA}")


def measure(member: Any, name: str) -> None:
    """Open, back up twice, restore; print the figures."""
    _, opened = remote(member, f"s=$(date +%s.%N); {AGENT} restic -- snapshots --latest 1 "
                               ">/dev/null; e=$(date +%s.%N); echo $s $e")  # fmt: skip
    start, end = (float(x) for x in opened.split())
    open_cost = end - start
    first_s, first = agent_seconds(member, "run", "--run-id", "bench-1")
    if first.get("result") != "ok":
        raise SystemExit(f"first backup failed: {first.get('errors')}")
    second_s, second = agent_seconds(member, "run", "--run-id", "bench-2")
    if second.get("result") != "ok":
        raise SystemExit(f"second backup failed: {second.get('errors')}")
    data = sum(int(s["total_bytes_processed"]) for s in first["snapshots"])
    added_first = sum(int(s["data_added"]) for s in first["snapshots"])
    added_second = sum(int(s["data_added"]) for s in second["snapshots"])
    restore_s, restored = restore_seconds(member, second)
    restic_first = sum(float(s["total_duration"]) for s in first["snapshots"])
    restic_second = sum(float(s["total_duration"]) for s in second["snapshots"])

    print(f"member {name}: {len(first['snapshots'])} snapshots a run "
          f"({', '.join(s['name'] for s in first['snapshots'])})")  # fmt: skip
    print(f"seeded data read              {data / MB:8.2f} MB")
    print(f"opening the repository        {open_cost:8.2f} s (fixed cost of every restic call)")
    print(f"first backup (cold, empty)    {first_s:8.2f} s   {data / MB / first_s:6.2f} MB/s"
          f"   added {added_first / MB:.2f} MB")  # fmt: skip
    print(f"second backup (unchanged)     {second_s:8.2f} s   {data / MB / second_s:6.2f} MB/s"
          f"   added {added_second / MB:.3f} MB")  # fmt: skip
    print(f"second / first                {second_s / first_s:8.2f}")
    print(f"restic backup alone: first    {restic_first:8.2f} s   "
          f"{data / MB / restic_first:6.2f} MB/s; second {restic_second:.2f} s "
          f"({restic_second / restic_first:.2f} of the first)")  # fmt: skip
    print(f"restore (files + dumps)       {restore_s:8.2f} s   "
          f"{restored / MB / restore_s:6.2f} MB/s   {restored / MB:.2f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
