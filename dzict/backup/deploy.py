"""``backup.deploy``: run ``playbooks/backup.yml`` for the chosen members of the backup set.

The control node is no Ansible host: its key is made here and handed to the backup_server role
as an extra client, and its configuration is written by ``dzict.backup.control``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dzict.backup import control
from dzict.backup.policy import CONTROL
from dzict.backup.remote import ansible_env, run_on_control
from dzict.backup.status import PROJECT_ROOT
from dzict.inventory.model import Inventory

PLAYBOOK = PROJECT_ROOT / "playbooks" / "backup.yml"


@dataclass(frozen=True)
class DeployResult:
    """How the play ended."""

    rc: int
    status: str

    @property
    def ok(self) -> bool:
        """The play succeeded on every host."""
        return self.rc == 0 and self.status == "successful"


def deploy(
    inventory: Inventory,
    members: Sequence[str],
    control_dir: Path | None = None,
    quiet: bool = False,
) -> DeployResult:
    """Set up the backup host and the members; print Ansible's output unless ``quiet``."""
    import ansible_runner

    extra = []
    if CONTROL in members:
        node = control.prepare(inventory, control_dir)
        extra.append({"name": CONTROL, "public_key": control.public_key(node.directory)})
    server = control.backup_host(inventory).name
    hosts = [server, *(m for m in members if m != CONTROL)]
    with tempfile.TemporaryDirectory(prefix="dzict-runner-") as private:
        runner = ansible_runner.run(
            private_data_dir=private,
            project_dir=str(PROJECT_ROOT),
            playbook=str(PLAYBOOK),
            inventory=str(inventory.root.resolve()),
            limit=",".join(hosts),
            extravars={"backup_extra_clients": extra},
            envvars=ansible_env(inventory.root),
            quiet=quiet,
        )
    result = DeployResult(int(runner.rc), str(runner.status))
    if result.ok and CONTROL in members:
        return init_control(inventory, control_dir)
    return result


def init_control(inventory: Inventory, control_dir: Path | None = None) -> DeployResult:
    """Initialise the control node's repository unless it exists (its account must exist)."""
    node = control.prepare(inventory, control_dir)
    if run_on_control(["restic", "--", "cat", "config"], node.config, node.password).ok:
        return DeployResult(0, "successful")
    made = run_on_control(["restic", "--", "init"], node.config, node.password)
    if made.ok:
        return DeployResult(0, "successful")
    return DeployResult(made.rc, f"control: restic init: {made.reason}")
