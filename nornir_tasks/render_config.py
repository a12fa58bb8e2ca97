"""Render a router's intended configuration from the inventory (no device contacted)."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task

from dzict.inventory.model import Inventory
from dzict.wan.intent import router_intent
from dzict.wan.render import render

__all__ = ["render_config"]


def render_config(task: Task, inventory: Inventory, templates: Path | None = None) -> Result:
    """The intended configuration text of ``task.host`` as ``result``."""
    config = render(router_intent(inventory, task.host.name), templates)
    return Result(host=task.host, result=config)
