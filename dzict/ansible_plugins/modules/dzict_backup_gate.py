#!/usr/bin/python
"""Refuse to patch servers whose last good backup is missing or too old (runs on the controller)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: dzict_backup_gate
short_description: Refuse a change to hosts whose last good backup is missing or too old
description:
  - Asks the project's backup status (C(dzict.backup.gate.require_recent_backup)) whether every
    host has a good backup newer than the policy allows, and fails naming the host and the age
    of its last good backup when one has not.
  - Hosts that the backup policy does not gate (PCs, mirrors) pass without a check;
    C(backup_via) and C(backup_max_age_hours) in the inventory set the policy.
  - Runs on the controller (C(delegate_to: localhost)).
version_added: "1.0.0"
options:
  inventory:
    description: The inventory folder (use C(inventory_dir)).
    type: path
    required: true
  hosts:
    description: The hosts about to be changed.
    type: list
    elements: str
    required: true
  max_age:
    description: Oldest acceptable backup, in hours; the inventory's policy when omitted.
    type: float
author:
  - Dzongkhag ICT Services Unit
"""

EXAMPLES = r"""
- name: Check that every server of the batch has a recent good backup
  dzict_backup_gate:
    inventory: "{{ inventory_dir }}"
    hosts: "{{ ansible_play_batch }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
checked:
  description: The hosts whose backups were checked.
  type: list
  elements: str
  returned: success
"""


def check(inventory: str, hosts: list[str], max_age: float | None) -> str | None:
    """None when every host may be changed, else the reason why not."""
    from dzict.backup.gate import require_recent_backup
    from dzict.exceptions import DzictError
    from dzict.inventory import load_inventory

    age = timedelta(hours=max_age) if max_age is not None else None
    try:
        require_recent_backup(load_inventory(Path(inventory)), list(hosts), max_age=age)
    except DzictError as exc:
        return "; ".join(str(exc).splitlines())
    return None


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "inventory": {"type": "path", "required": True},
            "hosts": {"type": "list", "elements": "str", "required": True},
            "max_age": {"type": "float"},
        },
        supports_check_mode=True,
    )
    params = module.params
    reason = check(params["inventory"], params["hosts"], params["max_age"])
    if reason:
        module.fail_json(msg=f"backup gate: {reason}")
    module.exit_json(changed=False, checked=sorted(params["hosts"]))


if __name__ == "__main__":
    main()
