"""Time the FRR NAPALM driver on two lab routers, and show a commit reverting itself.

    PYTHONPATH=. python bench/napalm_frr.py [--repeat 5] [--revert-in 30]

Prints, measured in this one run: open + get_facts per router (the driver's paramiko transport,
and netmiko's `linux` device type opening the same SSH session, for the ratio), compare_config,
commit_config, commit with revert_in + confirm_commit, rollback; then a client that commits with
revert_in and is killed (SIGKILL) right after, and how long the router took to restore its
configuration by itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "frr_driver"))

from frr_lab import FrrLab, frr_lab
from netmiko import ConnectHandler

from napalm_frr import FRRDriver


def _median(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _changed(config: str) -> str:
    return config.replace(" ip ospf cost 10", " ip ospf cost 20")


def _open_and_facts(lab: FrrLab, router: str) -> None:
    device = FRRDriver(lab.routers[router].mgmt_ip, "root", "", optional_args=lab.optional_args())
    device.open()
    device.get_facts()
    device.close()


def _netmiko_open(lab: FrrLab, router: str) -> None:
    connection = ConnectHandler(
        device_type="linux",
        host=lab.routers[router].mgmt_ip,
        username="root",
        use_keys=True,
        key_file=str(lab.key_file),
        ssh_strict=True,
        system_host_keys=False,
        alt_host_keys=True,
        alt_key_file=str(lab.known_hosts),
    )
    connection.disconnect()


def _config_cycle(lab: FrrLab, repeat: int) -> dict[str, float]:
    device = FRRDriver(lab.routers["r1"].mgmt_ip, "root", "", optional_args=lab.optional_args())
    device.open()
    base = lab.running_config("r1")
    times: dict[str, list[float]] = {}

    def timed(name: str, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        times.setdefault(name, []).append(time.perf_counter() - started)

    for _ in range(repeat):
        timed(
            "load_replace_candidate", lambda: device.load_replace_candidate(config=_changed(base))
        )
        timed("compare_config", device.compare_config)
        timed("commit_config", lambda: device.commit_config(message="bench"))
        timed("rollback", device.rollback)
        device.load_replace_candidate(config=_changed(base))
        timed("commit_config(revert_in=60)", lambda: device.commit_config(revert_in=60))
        timed("confirm_commit", device.confirm_commit)
        device.rollback()
    device.close()
    return {name: statistics.median(values) for name, values in times.items()}


_COMMIT_AND_DIE = """
import json, os, sys
from napalm_frr import FRRDriver
device = FRRDriver(sys.argv[1], "root", "", optional_args=json.loads(sys.argv[2]))
device.open()
device.load_replace_candidate(config=sys.argv[3])
device.commit_config(message="bench: left unconfirmed", revert_in=int(sys.argv[4]))
print("committed", flush=True)
os.kill(os.getpid(), 9)
"""


def _self_revert(lab: FrrLab, revert_in: int) -> None:
    base = lab.running_config("r1")
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _COMMIT_AND_DIE,
            lab.routers["r1"].mgmt_ip,
            json.dumps(lab.optional_args()),
            _changed(base),
            str(revert_in),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    client.stdout.readline()
    committed = time.monotonic()
    client.wait(timeout=30)
    print(f"client committed with revert_in={revert_in} and was killed (exit {client.returncode})")
    print(f"  router right after: link cost 20 = {' ip ospf cost 20' in lab.running_config('r1')}")
    deadline = committed + revert_in + 30
    while lab.running_config("r1") != base and time.monotonic() < deadline:
        time.sleep(0.5)
    took = time.monotonic() - committed
    back = lab.running_config("r1") == base
    print(f"  router back to the old configuration: {back}, {took:.1f} s after the commit")
    print("  history.log on the router:")
    for line in lab.exec("r1", "cat /var/lib/dzict-napalm/history.log").splitlines()[-3:]:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--revert-in", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, frr_lab(Path(tmp)) as lab:
        print(f"median of {args.repeat} runs, seconds")
        for router in lab.routers:
            driver = _median(args.repeat, partial(_open_and_facts, lab, router))
            netmiko = _median(args.repeat, partial(_netmiko_open, lab, router))
            print(
                f"{router}: open + get_facts {driver:.3f}   netmiko linux open alone "
                f"{netmiko:.3f}   ratio {driver / netmiko:.2f}"
            )
        for name, seconds in _config_cycle(lab, args.repeat).items():
            print(f"r1: {name:<28} {seconds:.3f}")
        _self_revert(lab, args.revert_in)


if __name__ == "__main__":
    main()
