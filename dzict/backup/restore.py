"""``backup.restore``: a file or folder into a target folder, or a database dump back into it.

Both run on the member itself (the agent reads its own repository). A database restore loads
the dump, which drops and recreates every object it holds (in one transaction on PostgreSQL),
and answers with every table's row count and checksum afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dzict.backup.models import TableFingerprint, _Model
from dzict.backup.remote import run_agent
from dzict.exceptions import BackupError
from dzict.inventory.model import Inventory

__all__ = ["DatabaseRestore", "PathRestore", "restore_database", "restore_path"]


class PathRestore(_Model):
    """``dzict-backup restore-path``."""

    snapshot: str
    path: str
    target: str
    files: int
    bytes: int


class DatabaseRestore(_Model):
    """``dzict-backup restore-db``."""

    engine: str
    database: str
    into: str
    snapshot: str
    tables: dict[str, TableFingerprint]


@dataclass(frozen=True)
class _Call:
    member: str
    args: list[str]


def _ask(inventory: Inventory, call: _Call, control_dir: Path | None) -> str:
    answer = run_agent(inventory, {call.member: call.args}, control_dir)[call.member]
    if not answer.ok:
        raise BackupError(f"{call.member}: restore failed: {answer.reason}")
    return answer.stdout


def restore_path(
    inventory: Inventory,
    member: str,
    path: str,
    target: str,
    *,
    snapshot: str | None = None,
    control_dir: Path | None = None,
) -> PathRestore:
    """Restore ``path`` of the member's newest (or the given) files snapshot under ``target``."""
    if not path.startswith("/") or not target.startswith("/"):
        raise BackupError("--path and --target must be absolute paths")
    args = ["restore-path", path, "--target", target]
    if snapshot:
        args += ["--snapshot", snapshot]
    out = _ask(inventory, _Call(member, args), control_dir)
    return PathRestore.model_validate_json(out)


def restore_database(
    inventory: Inventory,
    member: str,
    database: str,
    snapshot: str | None = None,
    control_dir: Path | None = None,
) -> DatabaseRestore:
    """Load the newest (or the given) dump of ``database`` (``db`` or ``engine/db``) into it."""
    args = ["restore-db", database]
    if snapshot:
        args += ["--snapshot", snapshot]
    out = _ask(inventory, _Call(member, args), control_dir)
    return DatabaseRestore.model_validate_json(out)
