"""Count what one ``invoke wan.*`` run asks of the FRR routers: running-config fetches
(``get_config``), candidate uploads (``load_replace_candidate``) and diffs (``compare_config``).

The FRR driver's methods are wrapped with counters, then the task runs in this process exactly
as ``invoke`` runs it. Run state (ticket log, backups, saved configs, lock, backup status) goes
to a folder of its own; a ticket is opened there and a good control-node backup recorded, so
that ``wan.apply`` passes its gates.

    python bench/wan_fetches.py --state var/dzwn-run wan.apply -i var/dzwn --ticket @
    python bench/wan_fetches.py --state var/dzwn-run wan.plan -i var/dzwn

``@`` as the ticket stands for the ticket this script opened in the state folder.
Prints one line per router: fetches, uploads, diffs; then the totals and the task's exit code.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from napalm_frr.driver import FRRDriver  # noqa: E402

COUNTED = ("get_config", "load_replace_candidate", "compare_config")
calls: Counter[tuple[str, str]] = Counter()
_lock = threading.Lock()


def counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of the driver, counting its calls per router (by address)."""

    @functools.wraps(method)
    def wrapper(self: FRRDriver, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            calls[(self.hostname, name)] += 1
        return method(self, *args, **kwargs)

    return wrapper


def prepare(state: Path) -> str:
    """Point the run state at ``state``; open a ticket, record a good control backup."""
    from dzict.backup.status import Snapshot, now, record_run
    from dzict.ticketlog import TicketLog

    state.mkdir(parents=True, exist_ok=True)
    env = {
        "DZICT_TICKET_LOG": state / "ticket-log.jsonl",
        "DZICT_BACKUP_STATUS": state / "backup-status.json",
        "DZICT_CONFIG_BACKUPS": state / "config-backups",
        "DZICT_WAN_SAVED": state / "wan-saved",
        "DZICT_WAN_LOCK": state / "wan.lock",
    }
    os.environ.update({k: str(v) for k, v in env.items()})
    record_run(
        "control",
        "ok",
        snapshot=Snapshot(time=now(), snapshot="wan-fetches", size=1),
        path=env["DZICT_BACKUP_STATUS"],
    )
    return TicketLog(env["DZICT_TICKET_LOG"], code="LAB").open(
        agency="Lab Dzongkhag Administration",
        category="network",
        channel="online-form",
        priority="normal",
        summary="Count the WAN job's device calls",
        officer="bench",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, help="folder for this run's state")
    parser.add_argument("task", nargs=argparse.REMAINDER, help="the invoke task and its flags")
    args = parser.parse_args()
    ticket = prepare(Path(args.state))
    argv = ["invoke", *(ticket if a == "@" else a for a in args.task)]
    for name in COUNTED:
        setattr(FRRDriver, name, counted(name, getattr(FRRDriver, name)))
    from invoke.main import program

    os.chdir(REPO)
    code = 0
    try:
        program.run(argv, exit=True)
    except SystemExit as exc:
        code = int(exc.code or 0)
    hosts = sorted({h for h, _ in calls})
    print(f"{' '.join(argv[1:])}  (exit {code}, ticket {ticket})")
    print(f"{'router':<16} {'fetches':>8} {'uploads':>8} {'diffs':>6}")
    for host in hosts:
        print(f"{host:<16} " + " ".join(f"{calls[(host, n)]:>8}" for n in COUNTED))
    totals = [sum(calls[(h, n)] for h in hosts) for n in COUNTED]
    print(f"{'total':<16} " + " ".join(f"{t:>8}" for t in totals))


if __name__ == "__main__":
    main()
