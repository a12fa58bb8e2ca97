"""Render a router's intended configuration from its intent (no device contacted)."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task

from dzict.wan.intent import RouterIntent
from dzict.wan.render import render

__all__ = ["render_config"]


def render_config(task: Task, intent: RouterIntent, templates: Path | None = None) -> Result:
    """The configuration text of ``intent`` (``task.host``'s) as ``result``."""
    return Result(host=task.host, result=render(intent, templates))
