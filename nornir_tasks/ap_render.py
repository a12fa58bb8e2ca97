"""Render an access point's files from its intent (nothing is contacted)."""

from __future__ import annotations

from collections.abc import Mapping

from nornir.core.task import Result, Task

from dzict.ap.intent import ApIntent
from dzict.ap.render import files

__all__ = ["ap_render"]


def ap_render(task: Task, intents: Mapping[str, ApIntent], templates: str | None = None) -> Result:
    """The files of this access point on its platform (``result``: {path: ApFile})."""
    return Result(host=task.host, result=files(intents[task.host.name], templates))
