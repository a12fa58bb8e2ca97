"""Fetch a router's running configuration (NAPALM get_config)."""

from __future__ import annotations

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

__all__ = ["backup_config"]


def backup_config(task: Task) -> Result:
    """The running configuration as ``result``."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    running = str(device.get_config(retrieve="running")["running"])
    return Result(host=task.host, result=running)
