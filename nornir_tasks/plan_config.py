"""Compare a router's intended configuration with its running one; change nothing."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.configstore import mask_diff
from dzict.wan.intent import RouterIntent
from dzict.wan.outcome import config_hash
from dzict.wan.plan import RouterPlan
from nornir_tasks.backup_config import running_config
from nornir_tasks.render_config import render_config

__all__ = ["plan_config"]


def plan_config(
    task: Task, intent: RouterIntent, templates: Path | None = None, keep: bool = False
) -> Result:
    """Render, fetch the running config, load the candidate as a replace, diff.

    ``result`` is a RouterPlan (with the running config's text). The candidate is discarded
    unless ``keep`` and it differs: then it stays loaded for the commit that follows.
    """
    candidate = task.run(task=render_config, intent=intent, templates=templates).result
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    running = running_config(device)
    device.load_replace_candidate(config=candidate)
    diff = str(device.compare_config())
    if not (keep and diff):
        device.discard_config()
    plan = RouterPlan(
        host=task.host.name,
        status="changed" if diff else "unchanged",
        candidate=candidate,
        running_hash=config_hash(running),
        diff=mask_diff(diff),
        running=running,
        intent=intent,
    )
    return Result(host=task.host, result=plan, diff=diff, changed=bool(diff))
