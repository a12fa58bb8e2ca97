"""Run the backup agent: on inventory hosts through Ansible, on the control node directly.

Hosts are reached the way every playbook reaches them (ansible-runner, the inventory's SSH
settings, checked host keys); ``playbooks/backup_agent.yml`` runs
``/usr/local/sbin/dzict-backup ARGS`` on each host with that host's own arguments.
The control node runs the same agent from ``roles/backup_client/files`` with its own
configuration (``dzict.backup.control``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dzict.backup import control
from dzict.backup.policy import CONTROL
from dzict.backup.status import PROJECT_ROOT
from dzict.inventory.loader import vault_password_file
from dzict.inventory.model import Inventory

AGENT_PLAYBOOK = PROJECT_ROOT / "playbooks" / "backup_agent.yml"
AGENT_TASK = "Run the backup agent"
AGENT_SCRIPT = PROJECT_ROOT / "roles" / "backup_client" / "files" / "dzict-backup.py"


@dataclass(frozen=True)
class AgentAnswer:
    """What the agent said on one host: exit code, JSON on stdout, reasons on stderr."""

    host: str
    rc: int
    stdout: str = ""
    stderr: str = ""
    unreachable: str = ""

    @property
    def ok(self) -> bool:
        """The agent ran and succeeded."""
        return self.rc == 0 and not self.unreachable

    @property
    def reason(self) -> str:
        """Why it failed, in one line (unreachable host, the agent's errors, its last words)."""
        if self.unreachable:
            return f"unreachable: {self.unreachable}"
        errors = self.document().get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)
        lines = [ln for ln in self.stderr.splitlines() if ln.strip()]
        return lines[-1].strip() if lines else f"exit status {self.rc}"

    def document(self) -> dict[str, Any]:
        """The JSON document the agent printed (empty when there was none)."""
        try:
            data = json.loads(self.stdout)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


def ansible_env(inventory_root: Path) -> dict[str, str]:
    env = {
        # The project's settings: roles, filter and action plugins, SSH options, forks.
        "ANSIBLE_CONFIG": str(PROJECT_ROOT / "ansible.cfg"),
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_NOCOLOR": "1",
        # ansible-playbook from this Python's virtualenv comes first.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    password = vault_password_file(inventory_root.resolve())
    if password is not None:
        env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(password.resolve())
    return env


def _answers(events: Sequence[Mapping[str, Any]], hosts: Sequence[str]) -> dict[str, AgentAnswer]:
    """The agent task's outcome on each host, from ansible-runner's events."""
    answers: dict[str, AgentAnswer] = {}
    for event in events:
        data = event.get("event_data") or {}
        host = str(data.get("host", ""))
        res = data.get("res") or {}
        kind = event.get("event")
        if kind == "runner_on_unreachable":
            answers[host] = AgentAnswer(host, 255, unreachable=str(res.get("msg", "")).strip())
        elif kind in {"runner_on_ok", "runner_on_failed"} and data.get("task") == AGENT_TASK:
            rc = int(res.get("rc", 1 if kind == "runner_on_failed" else 0))
            stderr = str(res.get("stderr", "") or res.get("msg", ""))
            answers[host] = AgentAnswer(host, rc, str(res.get("stdout", "")), stderr)
    for host in hosts:
        answers.setdefault(host, AgentAnswer(host, 1, stderr="Ansible did not run the agent"))
    return answers


def run_on_hosts(
    inventory_root: Path, calls: Mapping[str, Sequence[str]], forks: int = 10
) -> dict[str, AgentAnswer]:
    """Run ``dzict-backup ARGS`` on each host of ``calls`` (host → its arguments), in parallel."""
    if not calls:
        return {}
    import ansible_runner

    hosts = sorted(calls)
    with tempfile.TemporaryDirectory(prefix="dzict-runner-") as private:
        runner = ansible_runner.run(
            private_data_dir=private,
            project_dir=str(PROJECT_ROOT),
            playbook=str(AGENT_PLAYBOOK),
            inventory=str(inventory_root.resolve()),
            limit=",".join(hosts),
            forks=forks,
            extravars={"dzict_agent_args": {h: list(calls[h]) for h in hosts}},
            envvars=ansible_env(inventory_root),
            quiet=True,
        )
        events = list(runner.events)
    return _answers(events, hosts)


def run_on_control(args: Sequence[str], config: Path, password: str) -> AgentAnswer:
    """Run the agent on the control node with its own configuration."""
    env = {**os.environ, "RESTIC_PASSWORD": password, "DZICT_BACKUP_CONFIG": str(config)}
    proc = subprocess.run(
        [sys.executable, str(AGENT_SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return AgentAnswer(CONTROL, proc.returncode, proc.stdout, proc.stderr)


def run_agent(
    inventory: Inventory, calls: Mapping[str, Sequence[str]], control_dir: Path | None = None
) -> dict[str, AgentAnswer]:
    """Run the agent on inventory hosts and, when ``control`` is among ``calls``, locally."""
    hosts = {h: args for h, args in calls.items() if h != CONTROL}
    answers = run_on_hosts(inventory.root, hosts)
    if CONTROL in calls:
        node = control.prepare(inventory, control_dir)
        answers[CONTROL] = run_on_control(calls[CONTROL], node.config, node.password)
    return answers
