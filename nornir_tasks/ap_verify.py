"""Verify that an access point runs what was intended."""

from __future__ import annotations

from collections.abc import Mapping

from nornir.core.task import Result, Task

from dzict.ap.intent import ApIntent
from dzict.ap.render import ApFile
from dzict.ap.verify import verify
from dzict.ssh import CONNECTION_NAME, Shell

__all__ = ["ap_verify"]


def ap_verify(
    task: Task, intents: Mapping[str, ApIntent], files: Mapping[str, Mapping[str, ApFile]]
) -> Result:
    """Files, hostapd's parser, VLAN bridges, LLDP neighbour, hostapd state (``result``: checks)."""
    shell: Shell = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    checks = verify(shell, intents[task.host.name], dict(files[task.host.name]))
    return Result(host=task.host, result=checks, failed=not all(c.ok for c in checks))
