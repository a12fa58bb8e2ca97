"""Action plugin of ``dzict_backup_gate``: asks the backup gate on the controller, no connection.

It runs inside ansible-playbook, where the project's package and Ansible itself are importable
(a module shipped to a host, even to localhost, carries only Ansible's module_utils).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

from dzict.patch.gate import refusal


class ActionModule(ActionBase):  # type: ignore[misc]
    """Fail the task, naming host and backup age, unless every host has a recent good backup."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: Any = None) -> dict[str, Any]:
        """Check the hosts of ``hosts`` against the inventory's backup policy."""
        result: dict[str, Any] = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(
            argument_spec={
                "inventory": {"type": "path", "required": True},
                "hosts": {"type": "list", "elements": "str", "required": True},
                "max_age": {"type": "float"},
            }
        )
        reason = refusal(Path(args["inventory"]), list(args["hosts"]), args["max_age"])
        result["changed"] = False
        if reason:
            result.update(failed=True, msg=f"backup gate: {reason}")
        else:
            result["checked"] = sorted(args["hosts"])
        return result
