"""Fetch a router's running configuration (NAPALM get_config)."""

from __future__ import annotations

from typing import Any

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

__all__ = ["backup_config", "running_config"]


def running_config(device: Any) -> str:
    """The running configuration's text: the one place the WAN tasks fetch it."""
    return str(device.get_config(retrieve="running")["running"])


def backup_config(task: Task) -> Result:
    """The running configuration as ``result``."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    return Result(host=task.host, result=running_config(device))
