"""Compare a router's intended configuration with its running one; change nothing."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task
from nornir_napalm.plugins.tasks import napalm_configure

from dzict.inventory.model import Inventory
from nornir_tasks.render_config import render_config

__all__ = ["plan_config"]


def plan_config(task: Task, inventory: Inventory, templates: Path | None = None) -> Result:
    """Render, load as a replace candidate, diff, discard: ``diff`` and ``changed``."""
    config = task.run(task=render_config, inventory=inventory, templates=templates).result
    compared = task.run(task=napalm_configure, configuration=config, replace=True, dry_run=True)
    diff = str(compared.diff or "")
    return Result(host=task.host, result=config, diff=diff, changed=bool(diff))
