"""Run a playbook of this repository through ansible-runner and keep its event stream."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dzict.exceptions import PatchRunError

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO_ROOT / "playbooks"
ANSIBLE_CFG = REPO_ROOT / "ansible.cfg"


@dataclass
class PlaybookRun:
    """The status, return code and every event of one ansible-playbook run."""

    status: str
    rc: int
    events: list[dict[str, Any]] = field(default_factory=list)


def ansible_env(config: Path | None = ANSIBLE_CFG) -> dict[str, str]:
    """Environment for Ansible: the project's ansible.cfg (or stock defaults when None).

    With stock defaults only the inventory's address-plan filters are added: the inventory
    cannot be read without them.
    """
    from dzict.ansible_plugins import FILTER_DIR

    env = {"ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    if config is None:
        stock = REPO_ROOT / "var" / "runner" / "stock-ansible.cfg"
        stock.parent.mkdir(parents=True, exist_ok=True)
        stock.write_text("# Stock Ansible defaults: no settings.\n[defaults]\n")
        env["ANSIBLE_CONFIG"] = str(stock)
        env["ANSIBLE_FILTER_PLUGINS"] = str(FILTER_DIR)
        env["ANSIBLE_LIBRARY"] = str(FILTER_DIR.parent / "modules")
        env["ANSIBLE_ACTION_PLUGINS"] = str(FILTER_DIR.parent / "action")
        env["ANSIBLE_ROLES_PATH"] = str(REPO_ROOT / "roles")
    else:
        env["ANSIBLE_CONFIG"] = str(config)
    return env


def run_playbook(
    playbook: str,
    inventory: Path,
    *,
    limit: str | None = None,
    extravars: Mapping[str, Any] | None = None,
    config: Path | None = ANSIBLE_CFG,
    quiet: bool = True,
    env: Mapping[str, str] | None = None,
) -> PlaybookRun:
    """Run ``playbooks/<playbook>`` against ``inventory``; return its status and events."""
    import ansible_runner

    path = PLAYBOOKS / playbook
    if not path.is_file():
        raise PatchRunError(f"playbook {path} does not exist")
    events: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> bool:
        events.append(event)
        return False  # ansible-runner need not write the event to disk as well

    state = REPO_ROOT / "var" / "runner"
    state.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-", dir=state) as private:
        result = ansible_runner.run(
            private_data_dir=private,
            playbook=str(path),
            inventory=str(inventory.resolve()),
            limit=limit,
            extravars=dict(extravars or {}),
            envvars={
                **ansible_env(config),
                **_vault(inventory),
                "PYTHONPATH": _pythonpath(),
                "PATH": _path(),
                **(env or {}),
            },
            event_handler=keep,
            quiet=quiet,
            project_dir=str(REPO_ROOT),
        )
    if result.status not in ("successful", "failed"):
        raise PatchRunError(f"ansible-playbook {playbook} did not run: {result.status}")
    return PlaybookRun(status=result.status, rc=int(result.rc), events=events)


def _vault(inventory: Path) -> dict[str, str]:
    """The inventory's vault password file, found the way the inventory loader finds it."""
    from dzict.inventory.loader import vault_password_file

    found = vault_password_file(inventory.resolve())
    return {"ANSIBLE_VAULT_PASSWORD_FILE": str(found.resolve())} if found else {}


def _path() -> str:
    """PATH with this Python's own bin folder first: ansible-playbook of the same install."""
    bindir = str(Path(sys.executable).parent)
    return os.pathsep.join([bindir, os.environ.get("PATH", os.defpath)])


def _pythonpath() -> str:
    """This checkout first, so that modules run on the controller import this dzict."""
    current = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join(p for p in (str(REPO_ROOT), current) if p)
