"""Load a reviewed plan's candidate, unless the router's running config changed since."""

from __future__ import annotations

import dataclasses

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.outcome import config_hash
from dzict.wan.plan import RouterPlan
from nornir_tasks.backup_config import running_config

__all__ = ["load_config"]


def load_config(task: Task, planned: RouterPlan) -> Result:
    """Fetch the running config; when it is the one ``planned`` was diffed against, load the
    candidate of a changed target for the commit that follows.

    ``result`` is the RouterPlan with the running config's text, or with status ``stale``
    (nothing loaded, nothing changed) when the running config is no longer the planned one.
    """
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    running = running_config(device)
    now = config_hash(running) or ""
    if now != planned.running_hash:
        problem = (
            f"running config changed since the plan (sha256 {now[:12]}, "
            f"planned against {str(planned.running_hash)[:12]}); nothing changed, plan again"
        )
        stale = dataclasses.replace(planned, status="stale", problems=(problem,), running=running)
        return Result(host=task.host, result=stale)
    if planned.target and planned.status == "changed":
        device.load_replace_candidate(config=planned.candidate)
    return Result(host=task.host, result=dataclasses.replace(planned, running=running))
