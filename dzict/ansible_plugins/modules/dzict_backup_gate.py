#!/usr/bin/python
"""Documentation of dzict_backup_gate; the work is done by its action plugin on the controller."""

from __future__ import annotations

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
  - Runs on the controller (an action plugin); it never connects to the hosts.
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
  run_once: true
"""

RETURN = r"""
checked:
  description: The hosts whose backups were checked.
  type: list
  elements: str
  returned: success
"""


def main() -> None:
    """Reached only when the action plugin is missing from the configuration."""
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.fail_json(
        msg="dzict_backup_gate runs as an action plugin: use the project's ansible.cfg"
    )


if __name__ == "__main__":
    main()
