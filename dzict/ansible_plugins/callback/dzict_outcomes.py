"""Write each host's patch outcome as JSON lines (for plain ``ansible-playbook`` runs).

The invoke tasks read the same events through ansible-runner; this plugin gives an officer who
runs ``ansible-playbook playbooks/patch.yml`` directly the same per-host record in
``var/runs/outcomes.jsonl``. Enable it with ``ANSIBLE_CALLBACKS_ENABLED=dzict_outcomes``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: dzict_outcomes
type: notification
short_description: Record each host's outcome (ok, failed, unreachable) as JSON lines
description:
  - Appends one JSON line per host result to C(DZICT_OUTCOMES_FILE)
    (default C(var/runs/outcomes.jsonl)).
requirements:
  - enable in callbacks_enabled
"""


class CallbackModule(CallbackBase):  # type: ignore[misc]
    """Append one line per task result: host, task, status, message and published facts."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "dzict_outcomes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.path = Path(os.environ.get("DZICT_OUTCOMES_FILE", "var/runs/outcomes.jsonl"))

    def _write(self, status: str, result: Any) -> None:
        res = dict(result._result)
        line = {
            "time": datetime.now(UTC).isoformat(),
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "status": status,
            "msg": str(res.get("msg", "")),
            "facts": res.get("ansible_facts", {}),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result: Any) -> None:
        """A task succeeded."""
        if "ansible_facts" in result._result:
            self._write("ok", result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        """A task failed."""
        if not ignore_errors:
            self._write("failed", result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        """A host could not be reached."""
        self._write("unreachable", result)
