"""Forget a candidate loaded for a commit that will not come (its stage never started)."""

from __future__ import annotations

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

__all__ = ["discard_config"]


def discard_config(task: Task) -> Result:
    """NAPALM ``discard_config`` on ``task.host``."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    device.discard_config()
    return Result(host=task.host, changed=False)
