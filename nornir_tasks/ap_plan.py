"""Compare an access point's files and VLAN bridges with the intended ones."""

from __future__ import annotations

from collections.abc import Mapping

from nornir.core.task import Result, Task

from dzict.ap import device
from dzict.ap.intent import ApIntent
from dzict.ap.render import ApFile
from dzict.ssh import CONNECTION_NAME, Shell

__all__ = ["ap_plan"]


def ap_plan(
    task: Task, intents: Mapping[str, ApIntent], files: Mapping[str, Mapping[str, ApFile]]
) -> Result:
    """Diff of the files (secrets as digests) and of the live VLAN bridges; changes nothing."""
    shell: Shell = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    wanted = device.intended(dict(files[task.host.name]))
    current = device.read_files(shell, list(wanted))
    text = device.diff(current, wanted)
    live: list[str] = []
    if task.host.platform == "hostapd":
        live = device.bridge_problems(intents[task.host.name], device.links(shell))
    text += "".join(f"live: {problem}\n" for problem in live)
    return Result(host=task.host, result=current, diff=text, changed=bool(text))
