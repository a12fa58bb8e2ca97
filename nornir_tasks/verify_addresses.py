"""Check that a router's interfaces carry their intended addresses (NAPALM get_interfaces_ip)."""

from __future__ import annotations

from collections.abc import Iterable

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.checks import missing_addresses

__all__ = ["verify_addresses"]


def verify_addresses(task: Task, addresses: Iterable[tuple[str, str]]) -> Result:
    """``result`` lists the missing ``interface address`` pairs; failed when any is missing."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    problems = missing_addresses(addresses, device.get_interfaces_ip())
    return Result(host=task.host, result=problems, failed=bool(problems))
