"""The control node's own backup set: device configuration backups and the ticket log.

The routers' and access points' configurations live in the WAN configuration repository on the
control node (``var/config-backups``); the ticket log is there too. The control node backs them
up with the same agent as the servers, into its own account on the backup host (``bk-control``).
Its key and configuration live in ``var/backup/control`` (or ``DZICT_BACKUP_CONTROL_DIR``); it
checks the backup host's key against the known_hosts Ansible and Nornir use
(``ssh_known_hosts_file``, else ssh's own); its repository password is the inventory's
``vault_restic_password``, handed to restic in the environment, never written to disk.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dzict.backup.policy import CONTROL
from dzict.backup.status import PROJECT_ROOT
from dzict.exceptions import BackupError
from dzict.inventory.model import Host, Inventory
from dzict.jobs.context import build_settings
from dzict.ticketlog import head_path
from dzict.wan.configstore import store_path

CONTROL_DIR_ENV = "DZICT_BACKUP_CONTROL_DIR"
ACCOUNT_PREFIX = "bk-"
REPOSITORY_PATH = "/repo"
DEFAULT_RETENTION = {"daily": 7, "weekly": 4, "monthly": 6}


@dataclass(frozen=True)
class ControlNode:
    """Where the control node keeps its backup key and configuration, and its password."""

    directory: Path
    config: Path
    key: Path
    password: str


def control_dir(given: Path | None = None) -> Path:
    """Argument, then ``DZICT_BACKUP_CONTROL_DIR``, then ``var/backup/control``."""
    if given is not None:
        return given
    env = os.environ.get(CONTROL_DIR_ENV)
    return Path(env) if env else PROJECT_ROOT / "var" / "backup" / CONTROL


def backup_host(inventory: Inventory) -> Host:
    """The backup host (the first of the ``backup_hosts`` group)."""
    hosts = sorted(inventory.by_role("backup"), key=lambda h: h.name)
    if not hosts:
        raise BackupError("the inventory has no backup host (group backup_hosts is empty)")
    return hosts[0]


def repository_password(inventory: Inventory) -> str:
    """The repository password from the vault."""
    password = backup_host(inventory).vars.get("vault_restic_password")
    if not password:
        raise BackupError("vault_restic_password is not in the inventory's vault")
    return str(password)


def _paths(server: Host) -> list[str]:
    """``backup_control_paths`` of the inventory, else the config backups and the ticket log
    wherever they are (``DZICT_CONFIG_BACKUPS``, ``DZICT_TICKET_LOG``, else under var/)."""
    given = server.vars.get("backup_control_paths")
    if given:
        return [str((PROJECT_ROOT / p).resolve()) for p in given]
    log = build_settings({}).path("ticket_log")
    return [str(store_path().resolve()), str(log.resolve()), str(head_path(log).resolve())]


def control_config(inventory: Inventory, directory: Path) -> dict[str, Any]:
    """The agent configuration of the control node, from the inventory."""
    server = backup_host(inventory)
    return {
        "host": CONTROL,
        "repository": f"sftp:{ACCOUNT_PREFIX}{CONTROL}@{server.mgmt_address}:{REPOSITORY_PATH}",
        "ssh_key": str(directory / "id_ed25519"),
        "known_hosts": server.vars.get("ssh_known_hosts_file"),
        "cache_dir": str(directory / "cache"),
        "state_file": str(directory / "last-run.json"),
        "lock_file": str(directory / "lock"),
        "paths": _paths(server),
        "skip_missing": True,
        "excludes": [],
        "databases": [],
        "retention": server.vars.get("backup_control_retention") or DEFAULT_RETENTION,
    }


def ensure_key(key: Path) -> str:
    """Make the control node's backup key once; return its public half."""
    if not key.is_file():
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        proc = subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dzict-backup", "-f", str(key)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackupError(f"ssh-keygen: {proc.stderr.strip()}")
    return key.with_suffix(".pub").read_text(encoding="utf-8").strip()


def prepare(inventory: Inventory, directory: Path | None = None) -> ControlNode:
    """Write the control node's configuration (and key, the first time)."""
    directory = control_dir(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = control_config(inventory, directory)
    path = directory / "config.json"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    key = Path(config["ssh_key"])
    ensure_key(key)
    return ControlNode(
        directory=directory, config=path, key=key, password=repository_password(inventory)
    )


def public_key(directory: Path | None = None) -> str:
    """The control node's public backup key (made if missing)."""
    return ensure_key(control_dir(directory) / "id_ed25519")
