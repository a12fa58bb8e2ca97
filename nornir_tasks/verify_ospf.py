"""Check that a router's OSPF neighbours are Full on their intended interfaces (driver cli)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.checks import (
    OSPF_NEIGHBOUR_COMMAND,
    OspfSeen,
    missing_neighbours,
    ospf_neighbours,
)

__all__ = ["ospf_state", "verify_ospf"]


def ospf_state(task: Task) -> dict[str, tuple[str, str]]:
    """``{router id: (state, interface)}`` as the router sees it now."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    platform = str(task.host.platform)
    command = OSPF_NEIGHBOUR_COMMAND.get(platform, OSPF_NEIGHBOUR_COMMAND["ios"])
    return ospf_neighbours(platform, str(device.cli([command])[command]))


def verify_ospf(
    task: Task, expected: Mapping[str, str], timeout: float = 0, interval: float = 2
) -> Result:
    """Poll until every expected ``{router id: interface}`` neighbour is Full, or time out.

    ``result`` is an OspfSeen: the neighbours seen, and one line per missing neighbour.
    """
    deadline = time.monotonic() + timeout
    while True:
        seen = ospf_state(task)
        problems = missing_neighbours(expected, seen)
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return Result(host=task.host, result=OspfSeen(seen, problems), failed=bool(problems))
