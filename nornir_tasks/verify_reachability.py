"""Ping from a router, sourced from its LAN address, to every target of its matrix rows."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.checks import Probe

__all__ = ["verify_reachability"]


def _ping(device: Any, probe: Probe, count: int) -> bool:
    """True when at least one echo came back."""
    answer = device.ping(probe.target, source=probe.source, count=count, timeout=1)
    success = answer.get("success") if isinstance(answer, dict) else None
    if not isinstance(success, dict):
        return False
    return int(success.get("packet_loss", count)) < int(success.get("probes_sent", count))


def verify_reachability(
    task: Task, probes: Iterable[Probe], count: int = 3, timeout: float = 0, interval: float = 2
) -> Result:
    """``result`` is ``[(probe, reached)]`` for this router's probes; failed if any is not.

    Probes that fail are retried until ``timeout`` (convergence after a change).
    """
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    mine = [p for p in probes if p.router == task.host.name]
    reached = dict.fromkeys(mine, False)
    deadline = time.monotonic() + timeout
    while True:
        for probe in [p for p, ok in reached.items() if not ok]:
            reached[probe] = _ping(device, probe, count)
        if all(reached.values()) or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return Result(host=task.host, result=list(reached.items()), failed=not all(reached.values()))
